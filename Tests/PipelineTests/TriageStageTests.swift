import Fetching
import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// Triage before spending, against a real store, a real news site and the scripted model, which
/// judges items by their words: what is not about AI is skipped with the reason, and never
/// fetched, analysed or translated; one call judges up to 25 items.
@Suite struct TriageStageTests {
    static let logger = Logger(label: "triage-stage-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    static let aiTitles = [
        "OpenAI releases a smaller reasoning model", "Anthropic adds tool use to Claude", "Google ships Gemini 3 for phones",
        "A new open LLM tops the coding benchmark", "Neural network predicts protein folding in minutes",
        "Machine learning cuts data-centre cooling costs", "Meta trains a speech model on 1,000 languages",
        "GPT-5 arrives in the API with a lower price", "Chip start-up raises $200m for AI inference",
        "EU publishes guidance on general-purpose AI models",
    ]
    static let otherTitles = [
        "A slow-cooked beef stew for winter evenings", "Five soups to make with leftover vegetables",
        "Lemon tart with a crisp almond crust", "City council votes to widen the harbour bridge",
        "Mayor proposes new parking fees in the old town", "Local election: turnout falls to a record low",
        "United beat City 2-1 in the derby", "Marathon runner breaks the course record in the rain",
        "Tennis: the champion retires after a long season", "Regional rail timetable changes next month",
    ]

    /// An RSS feed of these titles, each linking to a page of its own on the site.
    static func feed(_ titles: [String], host: String) -> String {
        let items = titles.enumerated().map { index, title in
            "<item><title>\(title)</title><link>http://\(host)/story/\(index)</link><guid>story-\(index)</guid>"
                + "<description>\(title). The full story is on the site.</description></item>"
        }
        return "<rss version=\"2.0\"><channel><title>Mixed Wire</title>\(items.joined())</channel></rss>"
    }

    static func page(_ title: String) -> TestResponse {
        let paragraph = "<p>" + String(repeating: "\(title) is reported here at length, with details and quotes. ", count: 6) + "</p>"
        return .text("<html><body><article><h1>\(title)</h1>\(paragraph)\(paragraph)</article></body></html>", contentType: "text/html")
    }

    func desk(port: Int) -> EditorialDesk {
        let client = ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m",
                                                                retryBaseDelay: .milliseconds(10)), logger: Self.logger)
        return EditorialDesk(triager: Triager(client: client, edition: .japanese), analyst: Analyst(client: client, edition: .japanese),
                             translator: Translator(client: client, edition: .japanese))
    }

    /// Collects a feed of `titles` from a source (all-AI with `topic`), triaging when a model is
    /// configured, and works until idle with the scripted model `llm`.
    func run(_ titles: [String], topic: SourceTopic? = nil, llm: ScriptedLLMServer,
             _ check: @Sendable (Store, FixtureRoutes, WorkSummary) async throws -> Void) async throws {
        let routes = FixtureRoutes()
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { sitePort in
                try await withTestHTTPServer(llm.handler) { llmPort in
                    let host = "127.0.0.1:\(sitePort)"
                    routes.set("/feed.xml", .text(Self.feed(titles, host: host), contentType: "application/rss+xml"))
                    for (index, title) in titles.enumerated() { routes.set("/story/\(index)", Self.page(title)) }
                    let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: sitePort)]))
                    let source = try await store.addSource(url: "http://\(host)/feed.xml", name: "Mixed Wire", kind: .feed, topic: topic)
                    _ = try await Collector(store: store, fetcher: fetcher, pool: testPool, settings: CollectionSettings(entriesPerFetch: 100),
                                            triaging: true, logger: Self.logger).collect([source])
                    let worker = Worker(store: store, fetcher: fetcher, pool: testPool, desk: desk(port: llmPort),
                                        settings: WorkSettings(lease: 60, concurrency: 2), logger: Self.logger)
                    try await check(store, routes, try await worker.runUntilIdle())
                }
            }
        }
    }

    @Test func itemsNotAboutAIAreSkippedWithAReasonAndCostNothingMore() async throws {
        let llm = ScriptedLLMServer.sensible()
        let titles = zip(Self.aiTitles, Self.otherTitles).flatMap { [$0, $1] }
        try await run(titles, llm: llm) { store, routes, summary async throws in
            #expect(summary.skipped == 10)
            #expect(try await store.countsByStage() == [.published: 10, .skipped: 10])
            #expect(llm.requestCount(schema: "triage") == 1)

            let fetched = Set(routes.received.map(\.path))
            let requestsToModel = llm.received.filter { ScriptedLLMServer.schemaName(of: $0) != "triage" }.map(\.bodyText)
            #expect(requestsToModel.count >= 20, "an analysis and a translation for each AI story")
            for (index, title) in titles.enumerated() {
                let item = try #require(try await store.item(id: Int64(index + 1)))
                #expect(item.feedEntry.title == title)
                if Self.otherTitles.contains(title) {
                    #expect(item.stage == .skipped)
                    #expect(item.lastError == "triage: not about AI: AIと無関係な話題")
                    #expect(item.triage == TriageVerdict(aboutAI: false, worth: 1, reason: "AIと無関係な話題"))
                    #expect(!fetched.contains("/story/\(index)"), "\(title) was fetched")
                    #expect(!requestsToModel.contains { $0.contains(title) }, "\(title) was analysed or translated")
                } else {
                    #expect(item.stage == .published)
                    #expect(item.triage?.worth == 4)
                    #expect(fetched.contains("/story/\(index)"))
                }
            }
            let skips = try await store.triageSkips(limit: 20)
            #expect(skips.count == 10)
            #expect(try await store.merges(limit: 20).isEmpty, "triage skips are not merges")
        }
    }

    @Test func thirtyItemsTakeTwoCalls() async throws {
        let llm = ScriptedLLMServer.sensible()
        let titles = (0..<30).map { "Recipe \($0): a pie with seasonal fruit" }
        try await run(titles, llm: llm) { store, _, summary async throws in
            #expect(summary.skipped == 30)
            #expect(try await store.countsByStage() == [.skipped: 30])
            #expect(llm.requestCount(schema: "triage") == 2)
        }
    }

    @Test func anAllAISourceIsNeverTriaged() async throws {
        let llm = ScriptedLLMServer.sensible()
        try await run(Array(Self.otherTitles.prefix(2)), topic: .ai, llm: llm) { store, _, _ async throws in
            #expect(llm.requestCount(schema: "triage") == 0)
            #expect(try await store.countsByStage() == [.published: 2])
        }
    }

    @Test func theSameContentUnderAnotherURLIsNotJudgedTwice() async throws {
        let llm = ScriptedLLMServer.sensible()
        let routes = FixtureRoutes()
        try await withTestStore { store in
            try await withTestHTTPServer(llm.handler) { llmPort in
                let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
                func entry(_ path: String, _ title: String) -> DiscoveredItem {
                    DiscoveredItem(sourceID: source.id, guid: path, url: "https://wire.example/\(path)",
                                   canonicalURL: "https://wire.example/\(path)", title: title, summary: "<p>Recipe of the week.</p>")
                }
                _ = try await store.insertDiscovered([entry("a", "A beef stew")], stage: .collected, now: Date())
                let worker = Worker(store: store, fetcher: Fetcher(policy: FetchPolicy()), pool: testPool, desk: desk(port: llmPort),
                                    settings: WorkSettings(lease: 60, concurrency: 1), logger: Self.logger)
                _ = try await worker.runUntilIdle()
                _ = try await store.insertDiscovered([entry("b", "A  BEEF stew")], stage: .collected, now: Date())
                let summary = try await worker.runUntilIdle()
                #expect(summary.skipped == 1)
                #expect(llm.requestCount(schema: "triage") == 1)
                let second = try #require(try await store.item(id: 2))
                #expect(second.stage == .skipped)
                #expect(second.triage == TriageVerdict(aboutAI: false, worth: 1, reason: "AIと無関係な話題"))
                #expect(routes.received.isEmpty)
            }
        }
    }

    @Test func aProviderDownDefersTheWholeBatchWithoutCostingAnAttempt() async throws {
        let llm = ScriptedLLMServer(script: Array(repeating: ScriptedLLMServer.failure(status: 500, retryAfter: 0), count: 20))
        try await withTestStore { store in
            try await withTestHTTPServer(llm.handler) { llmPort in
                let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
                let entries = (1...2).map { number in
                    DiscoveredItem(sourceID: source.id, guid: "\(number)", url: "https://wire.example/\(number)",
                                   canonicalURL: "https://wire.example/\(number)", title: "A model story \(number)")
                }
                _ = try await store.insertDiscovered(entries, stage: .collected, now: Date())
                let worker = Worker(store: store, fetcher: Fetcher(policy: FetchPolicy()), pool: testPool, desk: desk(port: llmPort),
                                    settings: WorkSettings(lease: 60, concurrency: 1), logger: Self.logger)
                let result = try await worker.stepOne()
                guard case .batch(let results) = try #require(result) else {
                    Issue.record("expected a batch, got \(String(describing: result))")
                    return
                }
                #expect(results.count == 2)
                #expect(results.allSatisfy { if case .retryScheduled = $0 { true } else { false } })
                #expect(llm.received.count == LLMConfiguration.defaultMaximumAttempts, "one call, with the client's own retries")
                #expect(try await store.llmCircuit().state.consecutiveFailures == 1, "one failure for one call")
                for id in Int64(1)...2 {
                    let item = try #require(try await store.item(id: id))
                    #expect(item.stage == .collected)
                    #expect(item.attempts == 0)
                    #expect(item.lastError?.contains("500") == true)
                }
            }
        }
    }

    @Test func theBarDecidesWhatGoesOn() {
        let rules = WorkRules()
        #expect(rules.outcome(of: TriageVerdict(aboutAI: true, worth: 3, reason: "r"), minimumWorth: 3) == .proceed)
        #expect(rules.outcome(of: TriageVerdict(aboutAI: true, worth: 2, reason: "thin"), minimumWorth: 3)
                == .skip(reason: "triage: worth 2 of 5, under the bar of 3: thin"))
        #expect(rules.outcome(of: TriageVerdict(aboutAI: false, worth: 5, reason: "sport"), minimumWorth: 1)
                == .skip(reason: "triage: not about AI: sport"))
        #expect(WorkRules.entryStage(triaging: true, topic: nil) == .collected)
        #expect(WorkRules.entryStage(triaging: true, topic: .ai) == .discovered)
        #expect(WorkRules.entryStage(triaging: false, topic: nil) == .discovered)
    }
}
