import Foundation
import KawarabanCore
import LLM
import Testing
@testable import Pipeline
@testable import Store

@Suite struct SettingsTests {
    @Test func defaultsNeedNoConfiguration() throws {
        let settings = try Settings.load(environment: [:])
        #expect(settings.database == .sqlite(path: "./kawaraban.sqlite"))
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8080)
        #expect(settings.edition.timeZone.identifier == "Asia/Tokyo")
        #expect(settings.llm == nil)
        #expect(settings.llmMissingReason?.contains("KAWARABAN_LLM_BASE_URL") == true)
        #expect(settings.fetchPolicy.allowed.isEmpty)
        #expect(settings.fetchPolicy.timeout == .seconds(20))
        #expect(settings.fetchPolicy.maximumBodyBytes == 15 * 1024 * 1024)
        #expect(settings.fetchPolicy.maximumRedirects == 5)
        #expect(settings.publicURL.absoluteString == "http://127.0.0.1:8080/")
    }

    @Test func everyInvalidSettingIsReportedAtOnce() {
        do {
            _ = try Settings.load(environment: [
                "KAWARABAN_DATABASE": "mysql://db/news", "KAWARABAN_PORT": "0", "KAWARABAN_TIMEZONE": "Nowhere/Land",
                "KAWARABAN_LLM_PROVIDER": "telepathy", "KAWARABAN_LLM_MODEL": "m", "KAWARABAN_FETCH_ALLOW": "127.0.0.1",
                "KAWARABAN_WORK_LEASE_SECONDS": "soon", "KAWARABAN_LLM_RESPONSE_FORMAT": "xml",
                "KAWARABAN_FETCH_TIMEOUT_SECONDS": "0", "KAWARABAN_FETCH_MAX_BYTES": "lots",
                "KAWARABAN_FETCH_MAX_REDIRECTS": "99",
            ])
            Issue.record("invalid settings were accepted")
        } catch {
            let keys = ["KAWARABAN_DATABASE", "KAWARABAN_PORT", "KAWARABAN_TIMEZONE", "KAWARABAN_LLM_PROVIDER",
                        "KAWARABAN_LLM_BASE_URL", "KAWARABAN_FETCH_ALLOW", "KAWARABAN_WORK_LEASE_SECONDS",
                        "KAWARABAN_LLM_RESPONSE_FORMAT", "KAWARABAN_FETCH_TIMEOUT_SECONDS", "KAWARABAN_FETCH_MAX_BYTES",
                        "KAWARABAN_FETCH_MAX_REDIRECTS"]
            for key in keys { #expect(error.problems.contains { $0.contains(key) }, "\(key) not reported") }
            #expect(error.problems.count == keys.count)
        }
    }

    @Test func fileValuesApplyAndTheEnvironmentWins() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-\(UUID().uuidString).conf")
        try """
            # operator settings
            KAWARABAN_DATABASE=postgres://news:secret@db.internal:5432/news
            KAWARABAN_PORT=9000
            KAWARABAN_LLM_BASE_URL="http://127.0.0.1:11434/v1"
            KAWARABAN_LLM_MODEL=qwen2.5
            KAWARABAN_FETCH_ALLOW=127.0.0.1:8081, [::1]:9000
            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = try Settings.load(environment: ["KAWARABAN_PORT": "9100"], configFile: file.path)
        #expect(settings.database == .postgres(url: "postgres://news:secret@db.internal:5432/news"))
        #expect(settings.port == 9100)
        #expect(settings.llm?.configuration(for: .analysis).baseURL.absoluteString == "http://127.0.0.1:11434/v1")
        #expect(settings.llm?.configuration(for: .analysis).model == "qwen2.5")
        #expect(settings.fetchPolicy.allowed.count == 2)
        #expect(settings.llmMissingReason == nil)
    }

    @Test func eachTaskFallsBackToTheGeneralModelAndNeverSendsTheGeneralKeyToAnotherProvider() throws {
        let settings = try Settings.load(environment: [
            "KAWARABAN_LLM_BASE_URL": "https://api.openai.com/v1", "KAWARABAN_LLM_MODEL": "gpt-4o",
            "KAWARABAN_LLM_API_KEY": "sk-general", "KAWARABAN_LLM_TRIAGE_MODEL": "gpt-4o-mini",
            "KAWARABAN_LLM_TRANSLATION_PROVIDER": "anthropic", "KAWARABAN_LLM_TRANSLATION_MODEL": "claude-sonnet",
            "KAWARABAN_LLM_DIGEST_PROVIDER": "anthropic", "KAWARABAN_LLM_DIGEST_MODEL": "claude-opus",
            "KAWARABAN_LLM_DIGEST_API_KEY": "sk-ant", "KAWARABAN_LLM_CONCURRENCY": "4",
            "KAWARABAN_LLM_REQUESTS_PER_MINUTE": "50", "KAWARABAN_LLM_TOKENS_PER_MINUTE": "40000",
        ])
        let routes = try #require(settings.llm)
        let triage = routes.configuration(for: .triage), analysis = routes.configuration(for: .analysis)
        let translation = routes.configuration(for: .translation), digest = routes.configuration(for: .digest)
        #expect([triage.model, analysis.model, translation.model, digest.model] == ["gpt-4o-mini", "gpt-4o", "claude-sonnet", "claude-opus"])
        #expect([triage.provider, analysis.provider, translation.provider, digest.provider] == [.openAI, .openAI, .anthropic, .anthropic])
        #expect(triage.baseURL.absoluteString == "https://api.openai.com/v1")
        #expect(translation.baseURL.absoluteString == "https://api.anthropic.com")
        #expect([triage.apiKey, analysis.apiKey, translation.apiKey, digest.apiKey] == ["sk-general", "sk-general", nil, "sk-ant"])
        #expect(routes.endpoints.count == 2)
        #expect(routes.limits == EndpointLimits(concurrency: 4, requestsPerMinute: 50, tokensPerMinute: 40000))
        #expect(try Settings.load(environment: ["KAWARABAN_LLM_MODEL": "m", "KAWARABAN_LLM_BASE_URL": "http://h/v1"])
                    .llm?.limits.isUnlimited == true)
    }

    @Test func anthropicNeedsOnlyAModel() throws {
        let settings = try Settings.load(environment: ["KAWARABAN_LLM_PROVIDER": "anthropic", "KAWARABAN_LLM_MODEL": "claude-haiku"])
        let analysis = try #require(settings.llm?.configuration(for: .analysis))
        #expect(analysis.provider == .anthropic)
        #expect(analysis.baseURL.absoluteString == "https://api.anthropic.com")
    }

    @Test func everyBadPerTaskSettingIsReported() {
        do {
            _ = try Settings.load(environment: [
                "KAWARABAN_LLM_PROVIDER": "anthropic", "KAWARABAN_LLM_BASE_URL": "https://api.anthropic.com/v1",
                "KAWARABAN_LLM_TRIAGE_PROVIDER": "telepathy", "KAWARABAN_LLM_TRIAGE_MODEL": "m",
                "KAWARABAN_LLM_ANALYSIS_BASE_URL": "not a url", "KAWARABAN_LLM_ANALYSIS_MODEL": "m",
                "KAWARABAN_LLM_DIGEST_PROVIDER": "openai", "KAWARABAN_LLM_DIGEST_MODEL": "m",
                "KAWARABAN_LLM_CONCURRENCY": "0", "KAWARABAN_LLM_TOKENS_PER_MINUTE": "lots",
            ])
            Issue.record("invalid settings were accepted")
        } catch {
            let expected = [
                "KAWARABAN_LLM_TRIAGE_PROVIDER=telepathy", "KAWARABAN_LLM_ANALYSIS_BASE_URL=not a url",
                "KAWARABAN_LLM_DIGEST_BASE_URL is missing", "KAWARABAN_LLM_BASE_URL=https://api.anthropic.com/v1",
                "KAWARABAN_LLM_TRANSLATION_MODEL", "KAWARABAN_LLM_CONCURRENCY=0", "KAWARABAN_LLM_TOKENS_PER_MINUTE=lots",
            ]
            for text in expected { #expect(error.problems.contains { $0.contains(text) }, "\(text) not reported in \(error.problems)") }
            #expect(error.problems.count == expected.count, "\(error.problems)")
        }
    }

    @Test func theStyleSaysWhichRegisterEachPartUses() throws {
        let defaults = try Settings.load(environment: [:])
        #expect(defaults.edition.style == EditorialStyle(body: .plain, commentary: .polite))
        let set = try Settings.load(environment: ["KAWARABAN_STYLE_BODY": "Polite", "KAWARABAN_STYLE_COMMENTARY": "plain"])
        #expect(set.edition.style == EditorialStyle(body: .polite, commentary: .plain))
        do {
            _ = try Settings.load(environment: ["KAWARABAN_STYLE_BODY": "keigo", "KAWARABAN_STYLE_COMMENTARY": "casual"])
            Issue.record("an unknown register was accepted")
        } catch {
            #expect(error.problems == [
                "KAWARABAN_STYLE_BODY=keigo: expected plain (だ・である調) or polite (です・ます調)",
                "KAWARABAN_STYLE_COMMENTARY=casual: expected plain (だ・である調) or polite (です・ます調)",
            ])
        }
    }

    @Test func collectionLimitsHaveDefaultsAndBounds() throws {
        let defaults = try Settings.load(environment: [:])
        #expect(defaults.collection.entriesPerFetch == 50)
        #expect(defaults.collection.dailyQuota == 200)
        let set = try Settings.load(environment: ["KAWARABAN_COLLECT_ENTRIES_PER_FETCH": "20", "KAWARABAN_COLLECT_DAILY_QUOTA": "500"])
        #expect(set.collection.entriesPerFetch == 20)
        #expect(set.collection.dailyQuota == 500)
        #expect(throws: SettingsError.self) { try Settings.load(environment: ["KAWARABAN_COLLECT_ENTRIES_PER_FETCH": "0"]) }
        #expect(throws: SettingsError.self) { try Settings.load(environment: ["KAWARABAN_COLLECT_DAILY_QUOTA": "many"]) }
    }

    @Test func unknownKeysAreNamedWithTheClosestKnownKey() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-\(UUID().uuidString).conf")
        try "KAWARABAN_LLM_MODLE=qwen\nDATABASE=./other.sqlite\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = try Settings.load(environment: ["KAWARABAN_WORK_CONCURENCY": "4", "HOME": "/root"], configFile: file.path)
        #expect(settings.warnings == [
            "KAWARABAN_WORK_CONCURENCY in the environment is not a setting and is ignored; did you mean KAWARABAN_WORK_CONCURRENCY?",
            "DATABASE in \(file.path) is not a setting and is ignored; did you mean KAWARABAN_DATABASE?",
            "KAWARABAN_LLM_MODLE in \(file.path) is not a setting and is ignored; did you mean KAWARABAN_LLM_MODEL?",
        ])
        #expect(try Settings.load(environment: ["KAWARABAN_PORT": "9000"]).warnings.isEmpty)
        #expect(Settings.editDistance("kitten", "sitting") == 3)
        #expect(Settings.editDistance("", "abc") == 3)
    }

    @Test func everyKeyTheReaderConsultsIsListed() {
        // A key read but missing from Key.all would be warned about as unknown when set.
        var reader = SettingsReader(values: Dictionary(uniqueKeysWithValues: Settings.Key.all.map { ($0, "x") }))
        _ = reader.read()
        #expect(reader.consulted.subtracting(Settings.Key.all).isEmpty, "\(reader.consulted.subtracting(Settings.Key.all))")
        #expect(reader.consulted.count > 10)
        #expect(Set(Settings.Key.all).count == Settings.Key.all.count)
    }

    @Test func aDatabasePasswordIsNeverShown() {
        let password = "S3cret-Pa55word"
        for url in ["postgres://news:\(password)@db.internal:5432/news", "postgres://news:\(password)@/news",
                    "postgresql://news:p@ss\(password)@db/news", "postgres://news@db/news?sslmode=require&password=\(password)",
                    "postgres://news:\(password)"] {
            #expect(!DatabaseLocation.redacting(url).contains(password), "\(url)")
            do {
                _ = try Settings.load(environment: ["KAWARABAN_DATABASE": url])
            } catch {
                #expect(!error.description.contains(password), "\(error)")
            }
        }
        #expect(DatabaseLocation.redacting("postgres://news:secret@db.internal:5432/news?sslmode=require")
                == "postgres://news:***@db.internal:5432/news?sslmode=require")
        #expect(DatabaseLocation.postgres(url: "postgres://news@db/news?password=secret").description
                == "PostgreSQL postgres://news@db/news?password=***")
        #expect(DatabaseLocation.redacting("./kawaraban.sqlite") == "./kawaraban.sqlite")
    }
}
