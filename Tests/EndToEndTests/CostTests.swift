import Foundation
import Testing
import TestSupport

/// What the LLM work costs, through the built executable: the calls an article takes, none paid
/// twice, `usage` agreeing with what the model server reported, and the daily budget stopping work.
@Suite(.serialized) struct CostTests {
    /// The fixture site, plus a second feed at `/mirror.xml` whose one entry is an article of the
    /// first, with its title and summary, under another URL, `/copy/…`, with no canonical link to
    /// tell them apart.
    static let mirroredSite: TestHandler = { request in
        let base = "http://\(request.header("Host") ?? "127.0.0.1")"
        if request.path == "/mirror.xml" {
            return .text("""
                <?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Example AI Wire</title>
                <item><title>Chipmaker unveils inference accelerator for data centres</title>
                <link>\(base)/copy/inference-accelerator.html</link><guid isPermaLink="false">mirror-1</guid>
                <description>A new accelerator targets large language model inference.</description></item>
                </channel></rss>
                """, contentType: "application/rss+xml; charset=utf-8")
        }
        var original = request
        original.path = request.path.replacingOccurrences(of: "/copy/", with: "/news/")
        return await FixtureSite.handler(original)
    }

    struct UsageJSON: Decodable {
        struct Line: Decodable { var task: String; var calls: Int; var cached: Int; var promptTokens: Int; var completionTokens: Int }
        struct Budget: Decodable { var dailyTokens: Int; var usedToday: Int; var resumesAt: Date? }
        var lines: [Line]
        var total: Line
        var budget: Budget?

        static func read(_ kawaraban: KawarabanProcess) async throws -> UsageJSON {
            let result = try await kawaraban.succeed(["usage", "--json"])
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(UsageJSON.self, from: Data(result.output.utf8))
        }
    }

    func environment(database: TestDatabase, sitePort: Int, llmPort: Int) -> [String: String] {
        [
            "KAWARABAN_DATABASE": database.location,
            "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)",
            "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(llmPort)/v1",
            "KAWARABAN_LLM_MODEL": "scripted-model",
            "KAWARABAN_LLM_PRICES": "scripted-model=1/2",
        ]
    }

    @Test(arguments: Backend.available)
    func anArticleCostsOneAnalysisAndItsTranslationBatchesAndNeverTwice(backend: Backend) async throws {
        let database = try await TestDatabase.create(backend)
        let llm = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(Self.mirroredSite) { sitePort in
            try await withTestHTTPServer(llm.handler) { llmPort in
                let kawaraban = KawarabanProcess(environment: environment(database: database, sitePort: sitePort, llmPort: llmPort))
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)",
                                             "--name", "Example AI Wire"])
                try await kawaraban.succeed(["collect"])
                try await kawaraban.succeed(["work", "--until-idle"])
                #expect(try await StatusJSON.read(kawaraban).stages["published"] == FixtureSite.articleCount)
                // Every fixture article is under one batch (4,000 characters) of translatable text.
                #expect(llm.requestCount(schema: "analysis") == FixtureSite.articleCount)
                #expect(llm.requestCount(schema: "translation") == FixtureSite.articleCount)
                let afterFirstRun = llm.received.count

                // The same feed again, and the same article under a second URL: no call.
                try await kawaraban.succeed(["collect", "--source", "1"])
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)/mirror.xml",
                                             "--name", "Example AI Wire"])
                try await kawaraban.succeed(["collect"])
                try await kawaraban.succeed(["work", "--until-idle"])
                let status = try await StatusJSON.read(kawaraban)
                #expect(status.stages["published"] == FixtureSite.articleCount + 1, "\(status)")
                #expect(llm.received.count == afterFirstRun)

                // usage adds up to what the server reported, and counts the cached answers.
                let usage = try await UsageJSON.read(kawaraban)
                let returned = llm.returnedUsage
                #expect(usage.total.promptTokens == returned.promptTokens)
                #expect(usage.total.completionTokens == returned.completionTokens)
                #expect(usage.total.calls == afterFirstRun)
                #expect(usage.total.cached == 2, "the copy's analysis and its translation, from the caches")
                let text = try await kawaraban.succeed(["usage", "--days", "1"])
                let expectedCost = Double(returned.promptTokens) * 1 / 1_000_000 + Double(returned.completionTokens) * 2 / 1_000_000
                #expect(text.output.contains(String(format: "%.4f", expectedCost)), "\(text.output)")
            }
        }
        try await database.remove()
    }

    @Test(arguments: Backend.available)
    func theDailyBudgetStopsLLMWorkAtMostOneCallPerLanePastIt(backend: Backend) async throws {
        let database = try await TestDatabase.create(backend)
        let llm = ScriptedLLMServer.sensible()
        let budget = 3_000
        try await withTestHTTPServer(FixtureSite.handler) { sitePort in
            try await withTestHTTPServer(llm.handler) { llmPort in
                var settings = environment(database: database, sitePort: sitePort, llmPort: llmPort)
                settings["KAWARABAN_LLM_DAILY_TOKENS"] = "\(budget)"
                settings["KAWARABAN_WORK_CONCURRENCY"] = "1"
                let kawaraban = KawarabanProcess(environment: settings)
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)"])
                try await kawaraban.succeed(["collect"])
                try await kawaraban.succeed(["work", "--until-idle"])

                let spent = llm.returnedUsage.total
                let calls = llm.returnedUsages
                #expect(spent >= budget, "the budget was reached")
                // One lane: only the last call may have started under the budget and ended past it.
                #expect(spent - (calls.last?.total ?? 0) < budget, "\(calls)")
                let status = try await StatusJSON.read(kawaraban)
                #expect(status.stages["published"] ?? 0 < FixtureSite.articleCount, "\(status)")
                #expect(status.stages["failed"] == 0, "\(status.failures)")

                // A second run sends nothing more today.
                try await kawaraban.succeed(["work", "--until-idle"])
                #expect(llm.returnedUsages.count == calls.count)

                let statusText = try await kawaraban.succeed(["status"]).output
                #expect(statusText.contains("LLM budget of 3,000 tokens reached"), "\(statusText)")
                #expect(statusText.contains("LLM work resumes at 00:00 JST"), "\(statusText)")
                let usage = try await UsageJSON.read(kawaraban)
                #expect(usage.budget?.usedToday == spent)
                #expect(usage.budget?.resumesAt != nil)
                #expect(try await kawaraban.succeed(["usage"]).output.contains("LLM budget of 3,000 tokens reached"))
            }
        }
        try await database.remove()
    }
}
