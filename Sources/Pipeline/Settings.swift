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
        public static let llmConcurrency = "KAWARABAN_LLM_CONCURRENCY"
        public static let llmRequestsPerMinute = "KAWARABAN_LLM_REQUESTS_PER_MINUTE"
        public static let llmTokensPerMinute = "KAWARABAN_LLM_TOKENS_PER_MINUTE"

        /// What a task may have of its own instead of the general LLM setting.
        public enum LLMTaskSetting: String, CaseIterable, Sendable {
            case model = "MODEL", provider = "PROVIDER", baseURL = "BASE_URL", apiKey = "API_KEY"
        }

        /// `KAWARABAN_LLM_TRIAGE_MODEL` and the like.
        public static func llm(_ task: LLMTask, _ setting: LLMTaskSetting) -> String {
            "KAWARABAN_LLM_\(task.rawValue.uppercased())_\(setting.rawValue)"
        }

        static let llmTaskKeys = LLMTask.allCases.flatMap { task in LLMTaskSetting.allCases.map { llm(task, $0) } }
        public static let triageMinimumWorth = "KAWARABAN_TRIAGE_MIN_WORTH"
        public static let hackerNewsMinimumScore = "KAWARABAN_HN_MIN_SCORE"
        public static let hackerNewsMinimumComments = "KAWARABAN_HN_MIN_COMMENTS"
        public static let llmDailyTokens = "KAWARABAN_LLM_DAILY_TOKENS"
        public static let llmPrices = "KAWARABAN_LLM_PRICES"
        public static let styleBody = "KAWARABAN_STYLE_BODY"
        public static let styleCommentary = "KAWARABAN_STYLE_COMMENTARY"
        public static let pageAbout = "KAWARABAN_PAGE_ABOUT"
        public static let pageContact = "KAWARABAN_PAGE_CONTACT"
        public static let pageLegal = "KAWARABAN_PAGE_LEGAL"
        public static let digests = "KAWARABAN_DIGESTS"
        public static let digestTime = "KAWARABAN_DIGEST_TIME"
        public static let hackerThreadMaximumDepth = "KAWARABAN_HN_THREAD_MAX_DEPTH"
        public static let hackerThreadMaximumComments = "KAWARABAN_HN_THREAD_MAX_COMMENTS"
        public static let hackerThreadMaximumBytes = "KAWARABAN_HN_THREAD_MAX_BYTES"
        public static let hackerThreadConcurrency = "KAWARABAN_HN_THREAD_CONCURRENCY"
        public static let hackerThreadDeadline = "KAWARABAN_HN_THREAD_DEADLINE_SECONDS"
        public static let hackerDigestSummaries = "KAWARABAN_HN_DIGEST_SUMMARIES"

        /// Every key a setting is read from, for telling a misspelt one apart.
        public static let all: [String] = [
            config, database, host, port, publicURL, siteName, timezone, llmProvider, llmBaseURL, llmModel, llmAPIKey,
            llmResponseFormat, llmTimeout, fetchAllow, fetchTimeout, fetchMaximumBytes, fetchMaximumRedirects, workLease,
            workConcurrency, collectEntriesPerFetch, collectDailyQuota, llmPauseAfterFailures, llmPauseFirstSeconds,
            llmPauseLongestSeconds, retentionDays, migrateOnStart, translationMaximumCharacters,
            llmConcurrency, llmRequestsPerMinute, llmTokensPerMinute,
            triageMinimumWorth, hackerNewsMinimumScore, hackerNewsMinimumComments, llmDailyTokens, llmPrices,
            styleBody, styleCommentary, pageAbout, pageContact, pageLegal,
            digests, digestTime,
            hackerThreadMaximumDepth, hackerThreadMaximumComments, hackerThreadMaximumBytes, hackerThreadConcurrency,
            hackerThreadDeadline, hackerDigestSummaries,
        ] + llmTaskKeys
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
    /// The model and API of each LLM task, and the APIs' limits. Nil when no LLM is configured:
    /// collection still runs and items wait for analysis.
    public var llm: LLMRoutes?
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
    /// Tokens the LLM calls of all processes may use per day in the edition's time zone; nil: no limit.
    public var llmDailyTokens: Int?
    /// What each model costs, for `usage`.
    public var llmPrices = LLMPrices()
    /// The site's about, contact and legal-notice pages, as the Markdown of the files named.
    public var operatorPages = OperatorPages()
    /// Whether and when the digests are written.
    public var digests = DigestSettings()
    /// How much of a Hacker News thread Hacker日報 reads, and how many threads it summarises.
    public var hackerDigest = HackerDigestSettings()
    /// Largest Markdown file a page setting may name.
    public static let maximumPageFileBytes = 1 << 20

    /// The daily budget, when one is set.
    public var tokenBudget: TokenBudget? {
        llmDailyTokens.map { TokenBudget(dailyTokens: $0, timeZone: edition.timeZone) }
    }

    /// Why the pipeline cannot analyse, in words that say what to set; nil when an LLM is configured.
    public var llmMissingReason: String? {
        llm == nil
            ? "no LLM is configured: set \(Key.llmBaseURL) and \(Key.llmModel) (and \(Key.llmAPIKey) if the API needs one), or \(Key.llmProvider)=anthropic, \(Key.llmModel) and \(Key.llmAPIKey); items wait as 'awaiting analysis' until then"
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

    /// Triage's bar: an item about AI worth less than this (of 5) is skipped.
    public static let defaultTriageMinimumWorth = 3

    public var lease: TimeInterval
    public var concurrency: Int
    public var llmPause: LLMPausePolicy
    public var triageMinimumWorth: Int

    public init(lease: TimeInterval = WorkSettings.defaultLease, concurrency: Int = WorkSettings.defaultConcurrency,
                llmPause: LLMPausePolicy = LLMPausePolicy(),
                triageMinimumWorth: Int = WorkSettings.defaultTriageMinimumWorth) {
        self.lease = lease
        self.concurrency = concurrency
        self.llmPause = llmPause
        self.triageMinimumWorth = triageMinimumWorth
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
    /// Points and comments a Hacker News story needs before it is stored at all.
    public var hackerNewsMinimumScore: Int
    public var hackerNewsMinimumComments: Int

    public init(entriesPerFetch: Int = CollectionSettings.defaultEntriesPerFetch,
                dailyQuota: Int = CollectionSettings.defaultDailyQuota,
                hackerNewsMinimumScore: Int = HackerNews.defaultMinimumScore,
                hackerNewsMinimumComments: Int = HackerNews.defaultMinimumComments) {
        self.entriesPerFetch = entriesPerFetch
        self.dailyQuota = dailyQuota
        self.hackerNewsMinimumScore = hackerNewsMinimumScore
        self.hackerNewsMinimumComments = hackerNewsMinimumComments
    }
}

/// Whether the background services write the digests, and at what time of day (in the edition's
/// time zone) the previous day's and week's are due.
public struct DigestSettings: Sendable, Hashable {
    public var enabled: Bool
    public var timeOfDay: DigestTimeOfDay

    public init(enabled: Bool = true, timeOfDay: DigestTimeOfDay = .standard) {
        self.enabled = enabled
        self.timeOfDay = timeOfDay
    }
}

/// The Markdown of the site's own pages; a page without any is not on the site.
public struct OperatorPages: Sendable, Hashable {
    public var about: String?
    public var contact: String?
    public var legal: String?

    public init(about: String? = nil, contact: String? = nil, legal: String? = nil) {
        self.about = about
        self.contact = contact
        self.legal = legal
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
                                range: 1...100_000),
            hackerNewsMinimumScore: integer(Settings.Key.hackerNewsMinimumScore, default: HackerNews.defaultMinimumScore,
                                            range: 0...1_000_000),
            hackerNewsMinimumComments: integer(Settings.Key.hackerNewsMinimumComments,
                                               default: HackerNews.defaultMinimumComments, range: 0...1_000_000))
        let triageMinimumWorth = integer(Settings.Key.triageMinimumWorth, default: WorkSettings.defaultTriageMinimumWorth,
                                         range: TriageVerdict.worthRange.lowerBound...TriageVerdict.worthRange.upperBound)

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

        let llmDailyTokens = value(Settings.Key.llmDailyTokens) == nil
            ? nil : integer(Settings.Key.llmDailyTokens, default: 0, range: 1...1_000_000_000_000)
        var llmPrices = LLMPrices()
        if let table = value(Settings.Key.llmPrices) {
            let parsed = LLMPrices.parse(table)
            llmPrices = parsed.prices
            problems += parsed.problems.map { "\(Settings.Key.llmPrices): \($0)" }
        }

        let hackerDigest = HackerDigestSettings(
            threads: ThreadLimits(
                maximumDepth: integer(Settings.Key.hackerThreadMaximumDepth, default: ThreadLimits.defaultMaximumDepth,
                                      range: 1...20),
                maximumComments: integer(Settings.Key.hackerThreadMaximumComments,
                                         default: ThreadLimits.defaultMaximumComments, range: 1...5_000),
                maximumTextBytes: integer(Settings.Key.hackerThreadMaximumBytes, default: ThreadLimits.defaultMaximumTextBytes,
                                          range: 4_096...(16 << 20)),
                concurrency: integer(Settings.Key.hackerThreadConcurrency, default: ThreadLimits.defaultConcurrency,
                                     range: 1...64),
                deadline: .seconds(integer(Settings.Key.hackerThreadDeadline,
                                           default: Int(ThreadLimits.defaultDeadline.components.seconds), range: 1...3_600))),
            summarisedStories: integer(Settings.Key.hackerDigestSummaries,
                                       default: HackerDigestSettings.defaultSummarisedStories,
                                       range: 0...HackerDigestComposer.maximumStories))

        let llm = readLLM()
        guard let database else { return nil }
        var settings = Settings(
            database: database, host: host, port: port, publicURL: publicURL,
            siteName: value(Settings.Key.siteName), edition: edition, llm: llm,
            fetchPolicy: FetchPolicy(maximumRedirects: fetchMaximumRedirects, timeout: .seconds(fetchTimeout),
                                     maximumBodyBytes: fetchMaximumBytes, allowed: allowed),
            work: WorkSettings(lease: TimeInterval(lease), concurrency: concurrency, llmPause: llmPause,
                               triageMinimumWorth: triageMinimumWorth),
            collection: collection)
        settings.retentionDays = retentionDays
        settings.migrateOnStart = migrateOnStart
        settings.translationMaximumCharacters = translationMaximumCharacters
        settings.llmDailyTokens = llmDailyTokens
        settings.llmPrices = llmPrices
        settings.digests = DigestSettings(enabled: boolean(Settings.Key.digests, default: true), timeOfDay: digestTimeOfDay())
        settings.hackerDigest = hackerDigest
        settings.operatorPages = OperatorPages(about: markdownFile(Settings.Key.pageAbout),
                                               contact: markdownFile(Settings.Key.pageContact),
                                               legal: markdownFile(Settings.Key.pageLegal))
        return settings
    }

    /// The text of the Markdown file `key` names; an unreadable, oversized or empty file is a
    /// problem, since the page would otherwise be missing or blank without a word at start.
    private mutating func markdownFile(_ key: String) -> String? {
        guard let path = value(key) else { return nil }
        let text: String
        do {
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            guard size <= Settings.maximumPageFileBytes else {
                problems.append("\(key)=\(path): the file is larger than \(Settings.maximumPageFileBytes) bytes")
                return nil
            }
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            problems.append("\(key)=\(path): cannot read the file (\(error.localizedDescription))")
            return nil
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            problems.append("\(key)=\(path): the file is empty")
            return nil
        }
        return text
    }

    private mutating func digestTimeOfDay() -> DigestTimeOfDay {
        guard let raw = value(Settings.Key.digestTime) else { return .standard }
        guard let time = DigestTimeOfDay(parsing: raw) else {
            problems.append("\(Settings.Key.digestTime)=\(raw): expected a time of day HH:MM from 00:00 to 23:59")
            return .standard
        }
        return time
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

    private mutating func optionalInteger(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard value(key) != nil else { return nil }
        return integer(key, default: range.lowerBound, range: range)
    }

    private mutating func provider(_ key: String) -> LLMProvider? {
        guard let name = value(key) else { return nil }
        guard let provider = LLMProvider(rawValue: name.lowercased()) else {
            let known = LLMProvider.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append("\(key)=\(name): unknown provider; known: \(known)")
            return nil
        }
        return provider
    }

    /// The general LLM settings, and for each task its own model, provider, base URL and key where
    /// set. A task on the general provider falls back to the general base URL and key; a task on
    /// another provider falls back to that provider's default URL and never gets the general key,
    /// which belongs to another vendor.
    private mutating func readLLM() -> LLMRoutes? {
        typealias Key = Settings.Key
        let providerGiven = value(Key.llmProvider) != nil
        let generalProvider = provider(Key.llmProvider) ?? (providerGiven ? nil : .openAI)
        let formatName = value(Key.llmResponseFormat) ?? ResponseFormatStyle.jsonSchema.rawValue
        let responseFormat = ResponseFormatStyle(rawValue: formatName.lowercased())
        if responseFormat == nil {
            let known = ResponseFormatStyle.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append("\(Key.llmResponseFormat)=\(formatName): expected one of \(known)")
        }
        let timeout = integer(Key.llmTimeout, default: Int(LLMConfiguration.defaultRequestTimeout.components.seconds),
                              range: 1...Int(LLMConfiguration.maximumRequestTimeout.components.seconds))
        let limits = EndpointLimits(concurrency: optionalInteger(Key.llmConcurrency, range: 1...1_000),
                                    requestsPerMinute: optionalInteger(Key.llmRequestsPerMinute, range: 1...1_000_000),
                                    tokensPerMinute: optionalInteger(Key.llmTokensPerMinute, range: 1_000...1_000_000_000))
        let baseURLGiven = value(Key.llmBaseURL) != nil
        let generalBaseURL = httpURL(Key.llmBaseURL)
        let generalModel = value(Key.llmModel)
        let generalKey = value(Key.llmAPIKey)
        let taskKeysGiven = Key.llmTaskKeys.contains { value($0) != nil }
        guard baseURLGiven || generalModel != nil || taskKeysGiven else { return nil }

        var llmProblems: [String] = []
        func report(_ problem: String) { if !llmProblems.contains(problem) { llmProblems.append(problem) } }
        var tasksWithoutModel: [LLMTask] = []
        var byTask: [LLMTask: LLMConfiguration] = [:]
        for task in LLMTask.allCases {
            let providerKey = Key.llm(task, .provider), baseURLKey = Key.llm(task, .baseURL)
            let ownProviderGiven = value(providerKey) != nil
            let ownProvider = provider(providerKey)
            let onGeneralProvider = !ownProviderGiven || ownProvider == generalProvider
            let model = value(Key.llm(task, .model)) ?? generalModel
            if model == nil { tasksWithoutModel.append(task) }
            var baseURL: (url: URL, key: String)?
            if value(baseURLKey) != nil {
                baseURL = httpURL(baseURLKey).map { ($0, baseURLKey) }
            } else if onGeneralProvider {
                if let generalBaseURL {
                    baseURL = (generalBaseURL, Key.llmBaseURL)
                } else if let url = generalProvider?.defaultBaseURL {
                    baseURL = (url, Key.llmProvider)
                } else if !baseURLGiven, generalModel != nil || value(Key.llm(task, .model)) != nil {
                    report("\(Key.llmBaseURL) is missing: a model is set, so give the API's base URL too (e.g. https://api.openai.com/v1)")
                }
            } else if let ownProvider {
                baseURL = ownProvider.defaultBaseURL.map { ($0, providerKey) }
                if baseURL == nil {
                    report("\(baseURLKey) is missing: \(providerKey) names another provider than \(Key.llmProvider), so give its base URL too")
                }
            }
            let taskProvider = ownProviderGiven ? ownProvider : generalProvider
            if taskProvider == .anthropic, let baseURL, baseURL.url.path.hasSuffix("/v1") || baseURL.url.path.hasSuffix("/v1/") {
                report("\(baseURL.key)=\(baseURL.url.absoluteString): give Anthropic's base URL without /v1 (e.g. https://api.anthropic.com); requests go to BASE/v1/messages")
                continue
            }
            guard let taskProvider, let baseURL, let model, let responseFormat else { continue }
            byTask[task] = LLMConfiguration(
                provider: taskProvider, baseURL: baseURL.url, model: model,
                apiKey: value(Key.llm(task, .apiKey)) ?? (onGeneralProvider ? generalKey : nil),
                responseFormat: responseFormat, requestTimeout: .seconds(timeout))
        }
        if !tasksWithoutModel.isEmpty {
            let perTask = tasksWithoutModel.map { Key.llm($0, .model) }.joined(separator: ", ")
            report("\(Key.llmModel) is missing: name the model the API expects (or give \(perTask))")
        }
        problems += llmProblems
        return LLMRoutes(byTask, limits: limits)
    }
}
