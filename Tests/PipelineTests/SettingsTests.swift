import Foundation
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
        #expect(settings.llm?.baseURL.absoluteString == "http://127.0.0.1:11434/v1")
        #expect(settings.llm?.model == "qwen2.5")
        #expect(settings.fetchPolicy.allowed.count == 2)
        #expect(settings.llmMissingReason == nil)
    }
}
