import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// A feed on a local server, a scripted LLM server speaking either protocol, and the real
/// `kawaraban` executable: sources add → collect → work → the published page, on each backend.
@Suite(.serialized) struct EndToEndTests {
    /// The settings that point Kawaraban at the scripted server in its protocol.
    static func llmEnvironment(_ wire: ScriptedLLMServer.Wire, port: Int) -> [String: String] {
        switch wire {
        case .openAI:
            return ["KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(port)/v1", "KAWARABAN_LLM_MODEL": "scripted-model"]
        case .anthropic:
            return ["KAWARABAN_LLM_PROVIDER": "anthropic", "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(port)",
                    "KAWARABAN_LLM_API_KEY": "scripted-key", "KAWARABAN_LLM_MODEL": "scripted-model"]
        }
    }

    @Test(arguments: Backend.available, ScriptedLLMServer.Wire.allCases)
    func feedBecomesAPublishedJapanesePage(backend: Backend, wire: ScriptedLLMServer.Wire) async throws {
        let database = try await TestDatabase.create(backend)
        let llm = ScriptedLLMServer.sensible(wire: wire)
        try await withTestHTTPServer(FixtureSite.handler) { sitePort in
            try await withTestHTTPServer(llm.handler) { llmPort in
                let webPort = try unusedLoopbackPort()
                let kawaraban = KawarabanProcess(environment: [
                    "KAWARABAN_DATABASE": database.location,
                    "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)",
                    "KAWARABAN_PORT": "\(webPort)",
                ].merging(Self.llmEnvironment(wire, port: llmPort)) { $1 })

                // act
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)",
                                             "--name", "Example AI Wire"])
                let collected = try await kawaraban.succeed(["collect"])
                #expect(collected.output.contains("Example AI Wire: 3 items, 3 new"))
                try await kawaraban.succeed(["work", "--until-idle"])
                let status = try await StatusJSON.read(kawaraban)

                // check: every item published, none failed
                #expect(status.stages["published"] == FixtureSite.articleCount, "\(status)")
                #expect(status.stages["failed"] == 0, "\(status.failures)")
                #expect(status.sources.first?.lastError == nil)
                // Every call went through the protocol under test, and each article was analysed once.
                let path = wire == .anthropic ? ScriptedLLMServer.anthropicPath : "/v1/chat/completions"
                #expect(llm.received.allSatisfy { $0.path == path })
                #expect(llm.requestCount(schema: "analysis") == FixtureSite.articleCount)
                let statusText = try await kawaraban.succeed(["status"]).output
                #expect(statusText.contains("translation scripted-model (\(wire == .anthropic ? "anthropic" : "openai"), "))

                try await withWebServer(kawaraban, port: webPort) { get in
                    let list = try await get("/")
                    let paths = articlePaths(in: list)
                    #expect(paths.count == FixtureSite.articleCount)
                    for path in paths {
                        let page = try await get(path)
                        checkArticleSections(page)
                    }
                    #expect(list.contains("Example AI Wire"))
                }
            }
        }
        try await database.remove()
    }

    @Test func withoutAnLLMItemsWaitAndNothingIsPublished() async throws {
        let database = try await TestDatabase.create(.sqlite)
        try await withTestHTTPServer(FixtureSite.handler) { sitePort in
            let kawaraban = KawarabanProcess(environment: [
                "KAWARABAN_DATABASE": database.location,
                "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)",
            ])
            try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)"])
            try await kawaraban.succeed(["collect"])
            let work = try await kawaraban.succeed(["work", "--until-idle"])
            #expect(work.output.contains("KAWARABAN_LLM_BASE_URL"))
            let status = try await StatusJSON.read(kawaraban)
            #expect(status.stages["published"] == 0)
            #expect(status.stages["extracted"] == FixtureSite.articleCount)
            #expect(status.awaitingAnalysis == FixtureSite.articleCount)
            #expect(status.llmConfigured == false)
            let text = try await kawaraban.succeed(["status"])
            #expect(text.output.contains("awaiting analysis"))
        }
        try await database.remove()
    }

    @Test func feedParsePrintsTheNormalisedFeedThroughTheSafeFetcher() async throws {
        try await withTestHTTPServer(FixtureSite.handler) { sitePort in
            let url = "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)"
            let refused = try await KawarabanProcess(environment: [:]).run(["feed", "parse", url, "--json"])
            #expect(refused.status != 0)
            #expect(refused.errors.contains("KAWARABAN_FETCH_ALLOW"))
            let allowed = KawarabanProcess(environment: ["KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)"])
            let printed = try await allowed.succeed(["feed", "parse", url, "--json"])
            let feed = try #require(try JSONSerialization.jsonObject(with: Data(printed.output.utf8)) as? [String: Any])
            #expect(feed["title"] as? String == "Example AI Wire")
            let items = try #require(feed["items"] as? [[String: Any]])
            #expect(items.count == FixtureSite.articleCount)
            #expect(items.first?["published"] as? String == "2026-11-23T15:25:00Z")
            #expect(items.first?["id"] as? String == "wire-1001")
            #expect(items.first?.keys.sorted() == ["author", "content_html", "id", "link", "published", "summary", "title"])
            let counted = try await allowed.succeed(["feed", "parse", url, "--count"])
            #expect(counted.output == "3\n")
        }
    }

    @Test func invalidSettingsAreAllListedAtStartup() async throws {
        let kawaraban = KawarabanProcess(environment: [
            "KAWARABAN_PORT": "eighty", "KAWARABAN_TIMEZONE": "Mars/Olympus", "KAWARABAN_LLM_MODEL": "m",
            "KAWARABAN_FETCH_ALLOW": "nohostport",
        ])
        let result = try await kawaraban.run(["status"])
        #expect(result.status != 0)
        for setting in ["KAWARABAN_PORT", "KAWARABAN_TIMEZONE", "KAWARABAN_LLM_BASE_URL", "KAWARABAN_FETCH_ALLOW"] {
            #expect(result.errors.contains(setting), "\(setting) not reported in: \(result.errors)")
        }
    }

    func checkArticleSections(_ page: String) {
        let landmarks = [
            "元記事を開く", "Example AI Wire", "年", "約", "<h1 class=\"article-title\">", "TL;DR", "AI深層分析",
            "深度", "関連度", "実用性", "革新性", "キーポイント", "影響分析・編集コメントを表示",
            "<section class=\"translation\"", "原文を表示", "この記事をシェア",
        ]
        var cursor = page.startIndex
        for landmark in landmarks {
            guard let found = page.range(of: landmark, range: cursor..<page.endIndex) else {
                Issue.record("\(landmark) missing or out of order")
                return
            }
            cursor = found.upperBound
        }
        #expect(!page.contains("⟦"))
        #expect(!page.contains("⟧"))
        #expect(page.contains("「訳」"), "the body is the translation")
    }

    func articlePaths(in html: String) -> [String] {
        html.components(separatedBy: "href=\"/articles/").dropFirst()
            .map { "/articles/" + $0.prefix { $0 != "\"" } }
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }
}

/// `kawaraban status --json`, decoded.
struct StatusJSON: Decodable, CustomStringConvertible {
    struct Failure: Decodable { var itemID: Int64; var stage: String; var reason: String }
    struct SourceLine: Decodable { var name: String; var lastError: String?; var itemsFound: Int }

    var stages: [String: Int]
    var awaitingAnalysis: Int
    var llmConfigured: Bool
    var failures: [Failure]
    var sources: [SourceLine]

    var description: String { "stages \(stages), failures \(failures.map(\.reason))" }

    static func read(_ kawaraban: KawarabanProcess) async throws -> StatusJSON {
        let result = try await kawaraban.succeed(["status", "--json"])
        return try JSONDecoder().decode(StatusJSON.self, from: Data(result.output.utf8))
    }
}

/// Runs `kawaraban serve --role web` for the duration of `body`, which gets a page fetcher.
func withWebServer(
    _ kawaraban: KawarabanProcess, port: Int,
    _ body: (_ get: @Sendable (String) async throws -> String) async throws -> Void
) async throws {
    let server = try kawaraban.launch(["serve", "--role", "web"])
    let process = server.process
    defer {
        process.terminate()
        process.waitUntilExit()
        server.removeFiles()
    }
    let get: @Sendable (String) async throws -> String = { path in
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 * 1024 * 1024)
        guard response.status == .ok else { throw ProcessFailure("GET \(path): HTTP \(response.status.code)") }
        return String(buffer: body)
    }
    let started = ContinuousClock.now
    while (try? await get("/healthz")) == nil {
        guard process.isRunning, ContinuousClock.now - started < .seconds(30) else {
            process.terminate()
            throw ProcessFailure("the web server did not start:\n\(server.errors)")
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    try await body(get)
}
