import Fetching
import Foundation
import KawarabanCore
import LLM
import Newsroom
import Store

/// Every setting Kawaraban reads, from the environment and an optional file of KEY=value lines.
/// Loading checks all of them and reports every problem at once.
public struct Settings: Sendable {
    public enum Key {
        static let prefix = "KAWARABAN_"
        public static let config = "KAWARABAN_CONFIG"
        public static let database = "KAWARABAN_DATABASE"
        public static let host = "KAWARABAN_HOST"
        public static let port = "KAWARABAN_PORT"
        public static let publicURL = "KAWARABAN_PUBLIC_URL"
        public static let siteName = "KAWARABAN_SITE_NAME"
        public static let timezone = "KAWARABAN_TIMEZONE"
        public static let llmProvider = "KAWARABAN_LLM_PROVIDER"
        public static let llmBaseURL = "KAWARABAN_LLM_BASE_URL"
        public static let llmModel = "KAWARABAN_LLM_MODEL"
        public static let llmAPIKey = "KAWARABAN_LLM_API_KEY"
        public static let llmResponseFormat = "KAWARABAN_LLM_RESPONSE_FORMAT"
        public static let llmTimeout = "KAWARABAN_LLM_TIMEOUT_SECONDS"
        public static let fetchAllow = "KAWARABAN_FETCH_ALLOW"
        public static let fetchTimeout = "KAWARABAN_FETCH_TIMEOUT_SECONDS"
        public static let fetchMaximumBytes = "KAWARABAN_FETCH_MAX_BYTES"
        public static let fetchMaximumRedirects = "KAWARABAN_FETCH_MAX_REDIRECTS"
        public static let workLease = "KAWARABAN_WORK_LEASE_SECONDS"
        public static let workConcurrency = "KAWARABAN_WORK_CONCURRENCY"
        public static let llmPauseAfterFailures = "KAWARABAN_LLM_PAUSE_AFTER_FAILURES"
        public static let llmPauseFirstSeconds = "KAWARABAN_LLM_PAUSE_FIRST_SECONDS"
        public static let llmPauseLongestSeconds = "KAWARABAN_LLM_PAUSE_LONGEST_SECONDS"
        public static let retentionDays = "KAWARABAN_RETENTION_DAYS"
        public static let migrateOnStart = "KAWARABAN_MIGRATE_ON_START"
        public static let collectEntriesPerFetch = "KAWARABAN_COLLECT_ENTRIES_PER_FETCH"
        public static let collectDailyQuota = "KAWARABAN_COLLECT_DAILY_QUOTA"
        public static let translationMaximumCharacters = "KAWARABAN_TRANSLATION_MAX_CHARACTERS"
        public static let styleBody = "KAWARABAN_STYLE_BODY"
        public static let styleCommentary = "KAWARABAN_STYLE_COMMENTARY"

        /// Every key a setting is read from, for telling a misspelt one apart.
        public static let all: [String] = [
            config, database, host, port, publicURL, siteName, timezone, llmProvider, llmBaseURL, llmModel, llmAPIKey,
            llmResponseFormat, llmTimeout, fetchAllow, fetchTimeout, fetchMaximumBytes, fetchMaximumRedirects, workLease,
            workConcurrency, collectEntriesPerFetch, collectDailyQuota, llmPauseAfterFailures, llmPauseFirstSeconds,
            llmPauseLongestSeconds, retentionDays, migrateOnStart, translationMaximumCharacters,
            styleBody, styleCommentary,
        ]
    }

    public static let defaultDatabase = "./kawaraban.sqlite"
    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8080
    public static let defaultTimeZone = "Asia/Tokyo"

    public var database: DatabaseLocation
    public var host: String
    public var port: Int
    public var publicURL: URL
    public var siteName: String?
    public var edition: Edition
    /// Nil when no LLM is configured: collection still runs and items wait for analysis.
    public var llm: LLMConfiguration?
    public var fetchPolicy: FetchPolicy
    public var work: WorkSettings
    /// Days the stored page of a failed item is kept.
    public var retentionDays: Int = Retention.defaultDays
    /// False: the process never changes the schema and refuses to start on an outdated one.
    public var migrateOnStart = true
    public var collection = CollectionSettings()
    /// Things worth telling the operator at start that do not stop it: unknown keys, with the
    /// known key they are closest to.
    public var warnings: [String] = []
    /// Source characters of an article that are translated; the page says where a longer one stops.
    public var translationMaximumCharacters = Translator.defaultMaximumCharacters

    /// Why the pipeline cannot analyse, in words that say what to set; nil when an LLM is configured.
    public var llmMissingReason: String? {
        llm == nil
            ? "no LLM is configured: set \(Key.llmBaseURL) and \(Key.llmModel) (and \(Key.llmAPIKey) if the API needs one); items wait as 'awaiting analysis' until then"
            : nil
    }

    /// Reads the settings; values in the environment override the file's.
    public static func load(environment: [String: String], configFile: String? = nil) throws(SettingsError) -> Settings {
        var problems: [String] = []
        var values: [String: String] = [:]
        if let path = configFile ?? environment[Key.config] {
            do {
                values = try parseConfigFile(String(contentsOfFile: path, encoding: .utf8), path: path)
            } catch let error as SettingsError {
                problems += error.problems
            } catch {
                problems.append("\(Key.config): cannot read \(path): \(error.localizedDescription)")
            }
        }
        let fromEnvironment = environment.filter { $0.key.hasPrefix(Key.prefix) }
        let warnings = unknownKeyWarnings(fromEnvironment.keys, in: "the environment")
            + unknownKeyWarnings(values.keys, in: configFile ?? environment[Key.config] ?? "")
        values.merge(fromEnvironment) { _, fromEnvironment in fromEnvironment }
        var reader = SettingsReader(values: values)
        let read = reader.read()
        problems += reader.problems
        guard problems.isEmpty, var settings = read else { throw SettingsError(problems: problems) }
        settings.warnings = warnings
        return settings
    }

    /// One warning per key that names no setting, suggesting the known key nearest in spelling;
    /// a typo would otherwise silently leave the default in force.
    static func unknownKeyWarnings(_ keys: some Sequence<String>, in place: String) -> [String] {
        keys.filter { !Key.all.contains($0) }.sorted().map { key in
            // Compared without the shared prefix, so that DATABASE is taken for KAWARABAN_DATABASE.
            let name = unprefixed(key)
            let closest = Key.all.min { editDistance(name, unprefixed($0)) < editDistance(name, unprefixed($1)) } ?? Key.database
            return "\(key) in \(place) is not a setting and is ignored; did you mean \(closest)?"
        }
    }

    private static func unprefixed(_ key: String) -> String {
        key.hasPrefix(Key.prefix) ? String(key.dropFirst(Key.prefix.count)) : key
    }

    /// Levenshtein distance over Unicode scalars, with one row kept at a time.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        var previous = Array(0...b.count)
        for (i, scalarA) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, scalarB) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (scalarA == scalarB ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    static func parseConfigFile(_ text: String, path: String) throws(SettingsError) -> [String: String] {
        var values: [String: String] = [:]
        var problems: [String] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append("\(path):\(number + 1): expected KEY=value")
                continue
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        if !problems.isEmpty { throw SettingsError(problems: problems) }
        return values
    }
}

/// How workers claim and retry items.
public struct WorkSettings: Sendable {
    public static let defaultLease: TimeInterval = 300
    public static let defaultConcurrency = 2

    public var lease: TimeInterval
    public var concurrency: Int
    public var llmPause: LLMPausePolicy

    public init(lease: TimeInterval = WorkSettings.defaultLease, concurrency: Int = WorkSettings.defaultConcurrency,
                llmPause: LLMPausePolicy = LLMPausePolicy()) {
        self.lease = lease
        self.concurrency = concurrency
        self.llmPause = llmPause
    }
}

/// How much one source may add to the queue: every entry becomes an analysis and a translation,
/// paid for, so a feed of 100,000 entries must not queue 100,000 of them.
public struct CollectionSettings: Sendable {
    /// Entries kept from one fetch, newest first.
    public static let defaultEntriesPerFetch = 50
    /// New items one source may add in 24 hours.
    public static let defaultDailyQuota = 200
    /// The window the daily quota counts over: the last 24 hours, not a calendar day, so that no
    /// burst is allowed at midnight.
    public static let quotaWindow: TimeInterval = 24 * 3600

    public var entriesPerFetch: Int
    public var dailyQuota: Int

    public init(entriesPerFetch: Int = CollectionSettings.defaultEntriesPerFetch,
                dailyQuota: Int = CollectionSettings.defaultDailyQuota) {
        self.entriesPerFetch = entriesPerFetch
        self.dailyQuota = dailyQuota
    }
}

public struct SettingsError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]

    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Reads one value at a time, collecting every problem instead of stopping at the first.
struct SettingsReader {
    let values: [String: String]
    var problems: [String] = []
    /// Every key asked for, so that a test can check `Settings.Key.all` lists them all.
    private(set) var consulted: Set<String> = []

    init(values: [String: String]) { self.values = values }

    private mutating func value(_ key: String) -> String? {
        consulted.insert(key)
        guard let raw = values[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    private mutating func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let raw = value(key) else { return fallback }
        guard let number = Int(raw), range.contains(number) else {
            problems.append("\(key)=\(raw): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return number
    }

    private mutating func httpURL(_ key: String) -> URL? {
        guard let raw = value(key) else { return nil }
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else {
            problems.append("\(key)=\(raw): expected an http:// or https:// URL")
            return nil
        }
        return url
    }

    mutating func read() -> Settings? {
        var database: DatabaseLocation?
        let databaseText = value(Settings.Key.database) ?? Settings.defaultDatabase
        do {
            database = try DatabaseLocation(parsing: databaseText)
        } catch {
            problems.append("\(Settings.Key.database)=\(DatabaseLocation.redacting(databaseText)): \(error)")
        }

        let host = value(Settings.Key.host) ?? Settings.defaultHost
        let port = integer(Settings.Key.port, default: Settings.defaultPort, range: 1...65535)

        let zoneName = value(Settings.Key.timezone) ?? Settings.defaultTimeZone
        var edition = Edition.japanese
        if let zone = TimeZone(identifier: zoneName) {
            edition.timeZone = zone
        } else {
            problems.append("\(Settings.Key.timezone)=\(zoneName): not a known time zone (for example Asia/Tokyo)")
        }
        edition.style = EditorialStyle(body: register(Settings.Key.styleBody, default: EditorialStyle.standard.body),
                                       commentary: register(Settings.Key.styleCommentary,
                                                            default: EditorialStyle.standard.commentary))

        let publicURL = httpURL(Settings.Key.publicURL)
            ?? URL(string: "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/")!

        var allowed: Set<AllowedEndpoint> = []
        if let list = value(Settings.Key.fetchAllow) {
            for entry in list.split(separator: ",") where !entry.trimmingCharacters(in: .whitespaces).isEmpty {
                if let endpoint = AllowedEndpoint(parsing: String(entry)) {
                    allowed.insert(endpoint)
                } else {
                    problems.append("\(Settings.Key.fetchAllow): '\(entry)' is not host:port")
                }
            }
        }

        let fetchTimeout = integer(Settings.Key.fetchTimeout, default: Int(FetchPolicy.defaultTimeout.components.seconds),
                                   range: 1...600)
        let fetchMaximumBytes = integer(Settings.Key.fetchMaximumBytes, default: FetchPolicy.defaultMaximumBodyBytes,
                                        range: 1024...(1 << 30))
        let fetchMaximumRedirects = integer(Settings.Key.fetchMaximumRedirects, default: FetchPolicy.defaultMaximumRedirects,
                                            range: 0...20)
        let lease = integer(Settings.Key.workLease, default: Int(WorkSettings.defaultLease), range: 1...86_400)
        let concurrency = integer(Settings.Key.workConcurrency, default: WorkSettings.defaultConcurrency, range: 1...64)
        let collection = CollectionSettings(
            entriesPerFetch: integer(Settings.Key.collectEntriesPerFetch, default: CollectionSettings.defaultEntriesPerFetch,
                                     range: 1...10_000),
            dailyQuota: integer(Settings.Key.collectDailyQuota, default: CollectionSettings.defaultDailyQuota,
                                range: 1...100_000))

        let llmPause = LLMPausePolicy(
            failuresBeforePause: integer(Settings.Key.llmPauseAfterFailures, default: LLMPausePolicy.defaultFailuresBeforePause,
                                         range: 1...1000),
            firstPause: TimeInterval(integer(Settings.Key.llmPauseFirstSeconds, default: Int(LLMPausePolicy.defaultFirstPause),
                                             range: 1...86_400)),
            longestPause: TimeInterval(integer(Settings.Key.llmPauseLongestSeconds,
                                               default: Int(LLMPausePolicy.defaultLongestPause), range: 1...7 * 86_400)))
        let retentionDays = integer(Settings.Key.retentionDays, default: Retention.defaultDays, range: 1...36_500)
        let migrateOnStart = boolean(Settings.Key.migrateOnStart, default: true)

        let translationMaximumCharacters = integer(Settings.Key.translationMaximumCharacters,
                                                   default: Translator.defaultMaximumCharacters, range: 1_000...1_000_000)

        let llm = readLLM()
        guard let database else { return nil }
        var settings = Settings(
            database: database, host: host, port: port, publicURL: publicURL,
            siteName: value(Settings.Key.siteName), edition: edition, llm: llm,
            fetchPolicy: FetchPolicy(maximumRedirects: fetchMaximumRedirects, timeout: .seconds(fetchTimeout),
                                     maximumBodyBytes: fetchMaximumBytes, allowed: allowed),
            work: WorkSettings(lease: TimeInterval(lease), concurrency: concurrency, llmPause: llmPause),
            collection: collection)
        settings.retentionDays = retentionDays
        settings.migrateOnStart = migrateOnStart
        settings.translationMaximumCharacters = translationMaximumCharacters
        return settings
    }

    private mutating func boolean(_ key: String, default fallback: Bool) -> Bool {
        guard let raw = value(key) else { return fallback }
        switch raw.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default:
            problems.append("\(key)=\(raw): expected true or false")
            return fallback
        }
    }

    private mutating func register(_ key: String, default fallback: Register) -> Register {
        guard let raw = value(key) else { return fallback }
        guard let register = Register(rawValue: raw.lowercased()) else {
            problems.append("\(key)=\(raw): expected plain (だ・である調) or polite (です・ます調)")
            return fallback
        }
        return register
    }

    private mutating func readLLM() -> LLMConfiguration? {
        let providerName = value(Settings.Key.llmProvider) ?? LLMProvider.openAI.rawValue
        let provider = LLMProvider(rawValue: providerName.lowercased())
        if provider == nil {
            let known = LLMProvider.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append("\(Settings.Key.llmProvider)=\(providerName): unknown provider; known: \(known)")
        }
        let formatName = value(Settings.Key.llmResponseFormat) ?? ResponseFormatStyle.jsonSchema.rawValue
        let responseFormat = ResponseFormatStyle(rawValue: formatName.lowercased())
        if responseFormat == nil {
            let known = ResponseFormatStyle.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append("\(Settings.Key.llmResponseFormat)=\(formatName): expected one of \(known)")
        }
        let timeout = integer(Settings.Key.llmTimeout, default: Int(LLMConfiguration.defaultRequestTimeout.components.seconds),
                              range: 1...Int(LLMConfiguration.maximumRequestTimeout.components.seconds))
        let baseURL = httpURL(Settings.Key.llmBaseURL)
        let model = value(Settings.Key.llmModel)
        let baseURLGiven = value(Settings.Key.llmBaseURL) != nil
        switch (baseURLGiven, model) {
        case (false, nil):
            return nil
        case (true, nil):
            problems.append("\(Settings.Key.llmModel) is missing: \(Settings.Key.llmBaseURL) is set, so name the model too")
            return nil
        case (false, .some):
            problems.append("\(Settings.Key.llmBaseURL) is missing: \(Settings.Key.llmModel) is set, so give the API's base URL too (e.g. https://api.openai.com/v1)")
            return nil
        case (true, .some(let model)):
            guard let provider, let baseURL, let responseFormat else { return nil }
            return LLMConfiguration(provider: provider, baseURL: baseURL, model: model, apiKey: value(Settings.Key.llmAPIKey),
                                    responseFormat: responseFormat, requestTimeout: .seconds(timeout))
        }
    }
}
