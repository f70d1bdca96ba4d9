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

/// Grouping at publication through the worker, against a real store and a scripted model: a close
/// call goes to the judge on the stories task, and without a judge, or when it fails, counts as
/// unrelated so that publication goes on.
@Suite struct StoryWorkerTests {
    static let logger = Logger(label: "story-worker-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// Two reports two hours apart sharing their main company and nothing else the matcher reads:
    /// a pair it leaves to the judge.
    static let reports: [(title: String, text: String, entities: [String])] = [
        ("Orion Labs reshapes its research division", "The company moved its researchers into two new groups this week.",
         ["Harbor Bank", "Quill Press", "Nadir Systems", "Vela Works"]),
        ("Orion Labs signs a cloud agreement", "A long partnership with a hosting firm was announced on Tuesday.",
         ["Cinder Cloud", "Brightwater", "Tallis Group", "Marrow Inc"]),
    ]

    static func entities(_ others: [String]) -> [Entity] {
        [Entity(name: "Orion Labs", kind: .company, rendering: "オライオン", main: true)]
            + others.map { Entity(name: $0, kind: .company, rendering: $0, main: false) }
    }

    /// The reports, translated and waiting for publication; their ids in order.
    func translatedReports(in store: Store) async throws -> [Int64] {
        let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
        var ids: [Int64] = []
        for (index, report) in Self.reports.enumerated() {
            let url = "https://a.example/\(index)"
            let when = start.addingTimeInterval(Double(index) * 7200)
            _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source.id, guid: url, url: url, canonicalURL: url,
                                                                 title: report.title, publishedAt: when)], now: when)
            let id = try #require(try await store.itemID(canonicalURL: url))
            let analysis = Analysis(title: "見出し", tldr: "要約", keyPoints: [KeyPoint(heading: "一", body: "本文")], impact: "影響",
                                    editorial: "論評", tags: ["AI"], entities: Self.entities(report.entities),
                                    scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3), analysedAt: when, model: "m")
            try await store.database.raw("""
                UPDATE items SET stage = \(bind: Stage.translated.rawValue), analysis_json = \(bind: try Store.json(analysis)),
                    article_json = \(bind: try Store.json(Article(title: report.title, blocks: [.paragraph([.text(report.text)])]))),
                    translation_json = \(bind: try Store.json(Translation(language: "ja", blocks: [.paragraph([.text("訳")])], translatedAt: when, model: "m"))),
                    importance = 3, lease_owner = 'setup'
                WHERE id = \(bind: id)
                """).run()
            _ = try #require(try await store.recordEntities(analysis.entities, of: id, owner: "setup", now: when, glossaryNames: []))
            try await store.database.raw("UPDATE items SET lease_owner = NULL WHERE id = \(bind: id)").run()
            ids.append(id)
        }
        return ids
    }

    /// Publishes the reports one after the other with a judge on `llm` (none when `judging` is
    /// false); the story of each.
    func publish(judging: Bool, _ llm: ScriptedLLMServer) async throws -> (stories: [Int64?], published: Int) {
        try await withTestStore { store in
            let ids = try await translatedReports(in: store)
            return try await withTestHTTPServer(llm.handler) { port in
                let client = ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m"),
                                        logger: Self.logger)
                let desk = EditorialDesk(triager: Triager(client: client, edition: .japanese),
                                         analyst: Analyst(client: client, edition: .japanese),
                                         translator: Translator(client: client, edition: .japanese),
                                         storyJudge: judging ? StoryJudge(client: client, edition: .japanese) : nil)
                let worker = Worker(store: store, fetcher: Fetcher(policy: FetchPolicy()), pool: testPool, desk: desk,
                                    settings: WorkSettings(lease: 60, concurrency: 1), rules: WorkRules(clock: { self.start }),
                                    logger: Self.logger)
                let summary = try await worker.runUntilIdle()
                var stories: [Int64?] = []
                for id in ids {
                    stories.append(try await store.database.raw("SELECT story_id FROM items WHERE id = \(bind: id)").first()?
                        .decode(column: "story_id", as: Int64?.self))
                }
                return (stories, summary.published)
            }
        }
    }

    @Test func thePairIsACloseCall() throws {
        let matcher = StoryMatcher()
        let evidence = Self.reports.enumerated().map { index, report in
            StoryGrouping.evidence(StoryCandidate(itemID: Int64(index), storyID: nil, sourceID: 1, title: report.title,
                                                  article: Article(title: report.title, blocks: [.paragraph([.text(report.text)])]),
                                                  entities: Self.entities(report.entities),
                                                  shownAt: start.addingTimeInterval(Double(index) * 7200), signature: nil))
        }
        let verdict = matcher.verdict(evidence[0], matcher.signature(of: evidence[0]), evidence[1], matcher.signature(of: evidence[1]))
        guard case .closeCall = verdict else {
            Issue.record("the matcher settled the pair: \(verdict)")
            return
        }
    }

    @Test func aCloseCallTheJudgeFindsTheSameStoryJoinsIt() async throws {
        let llm = ScriptedLLMServer(script: [ScriptedLLMServer.completion(#"{"relations":[{"id":1,"relation":"same-story"}]}"#)])
        let result = try await publish(judging: true, llm)
        #expect(result.published == 2)
        #expect(result.stories[0] != nil && result.stories[0] == result.stories[1])
        #expect(llm.requestCount(schema: "stories") == 1)
    }

    @Test func withoutAJudgeOrWhenItFailsACloseCallIsUnrelatedAndPublicationGoesOn() async throws {
        for (judging, llm) in [(false, ScriptedLLMServer.sensible()),
                               (true, ScriptedLLMServer(script: [ScriptedLLMServer.failure(status: 400)]))] {
            let result = try await publish(judging: judging, llm)
            #expect(result.published == 2)
            #expect(result.stories[0] != nil && result.stories[1] != nil && result.stories[0] != result.stories[1])
            #expect(llm.received.count == (judging ? 1 : 0))
        }
    }
}
