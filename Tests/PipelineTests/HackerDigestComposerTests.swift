import Fetching
import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import SQLKit
import Synchronization
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// Hacker日報 composed from a real store, a scripted Hacker News API and a scripted model, both
/// behind one real local server.
@Suite struct HackerDigestComposerTests {
    static let logger = Logger(label: "hacker-digest-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    static let usernames = ["alice_ml", "bob42", "carol_x", "dave_k", "submitter_a", "submitter_b"]
    static let validSummary = """
        {"overview":"評価方法が実務を映すかどうかをめぐって議論が続きました。",\
        "positions":[{"stance":"ベンチマークは実際の仕事を反映しないという指摘がありました。","reception":"agreed"},\
        {"stance":"公開重みの意義を評価する声もありました。","reception":"divided"}]}
        """
    static let namingSummary = """
        {"overview":"alice_ml が評価方法を批判しました。",\
        "positions":[{"stance":"ベンチマークは実際の仕事を反映しないという指摘がありました。","reception":"agreed"}]}
        """
    static let lead = "この日は評価方法と公開重みをめぐる議論が目立ちました。"

    /// The API's documents: story 1001 with a nested thread, 1002 with one comment, 1003 missing.
    static let hackerNews: [String: String] = [
        "/v0/item/1001.json": #"{"id":1001,"type":"story","by":"submitter_a","score":300,"descendants":85,"kids":[2001,2002],"title":"A"}"#,
        "/v0/item/2001.json": #"{"id":2001,"type":"comment","by":"alice_ml","kids":[2003],"text":"Benchmarks don&#x27;t reflect real work."}"#,
        "/v0/item/2002.json": #"{"id":2002,"type":"comment","by":"bob42","text":"Open weights <i>matter</i>."}"#,
        "/v0/item/2003.json": #"{"id":2003,"type":"comment","by":"carol_x","text":"Agreed, the tasks are too short."}"#,
        "/v0/item/1002.json": #"{"id":1002,"type":"story","by":"submitter_b","score":250,"descendants":30,"kids":[2101],"title":"B"}"#,
        "/v0/item/2101.json": #"{"id":2101,"type":"comment","by":"dave_k","text":"Impressive results."}"#,
    ]

    /// The model: thread summaries (the first one naming a commenter) and the lead; every request kept.
    final class Model: Sendable {
        private let requests = Mutex<[TestRequest]>([])
        private let summariesAnswered = Mutex(0)
        /// Every summary names a commenter, not only the first.
        let alwaysNaming: Bool

        init(alwaysNaming: Bool = false) { self.alwaysNaming = alwaysNaming }

        var received: [TestRequest] { requests.withLock { $0 } }

        func answer(_ request: TestRequest) -> TestResponse {
            requests.withLock { $0.append(request) }
            let body = request.bodyText
            if body.contains("hacker_lead") {
                return ScriptedLLMServer.completion(#"{"lead":"\#(HackerDigestComposerTests.lead)"}"#)
            }
            let first = summariesAnswered.withLock { count in
                count += 1
                return count == 1
            }
            return ScriptedLLMServer.completion(first || alwaysNaming ? HackerDigestComposerTests.namingSummary : HackerDigestComposerTests.validSummary)
        }

        /// The first user message of each request: the data the composer sent, before any re-ask.
        var payloads: [String] {
            received.compactMap { request in
                guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                      let messages = object["messages"] as? [[String: Any]] else { return nil }
                return messages.first { $0["role"] as? String == "user" }?["content"] as? String
            }
        }
    }

    /// A published item a source carried, shown at `shownAt`, with the discussion Hacker News gave it.
    /// `foundFirstBy`: a feed that stored the article before Hacker News carried it, as the collector records it.
    static func storePublished(_ store: Store, source: Int64, key: Int, title: String, shownAt: Date,
                               points: Int? = nil, comments: Int? = nil, foundFirstBy feed: Int64? = nil) async throws -> Int64 {
        let url = "https://example.com/story/\(key)"
        if let feed {
            let first = DiscoveredItem(sourceID: feed, guid: url, url: url, canonicalURL: url, title: "Story \(key)", publishedAt: shownAt)
            _ = try await store.insertDiscovered([first], now: shownAt)
        }
        let discussion = points.map { _ in "https://news.ycombinator.com/item?id=\(key)" }
        let entry = DiscoveredItem(sourceID: source, guid: discussion ?? url, url: url, canonicalURL: url, title: "Story \(key)",
                                   publishedAt: shownAt, commentsURL: discussion, commentCount: comments, score: points)
        _ = try await store.insertDiscovered([entry], now: shownAt)
        try await store.recordDiscussions([entry])
        let id = try #require(try await store.itemID(canonicalURL: url))
        let analysis = Analysis(title: title, tldr: "\(title)の要約。", keyPoints: [], impact: "", editorial: "", tags: [],
                                scores: AxisScores(depth: 4, relevance: 4, practicality: 3, novelty: 3), analysedAt: shownAt,
                                model: "m")
        try await store.database.raw("""
            UPDATE items SET stage = \(bind: Stage.published.rawValue), analysis_json = \(bind: try Store.json(analysis)),
                importance = \(bind: analysis.importance.value) WHERE id = \(bind: id)
            """).run()
        return id
    }

    static func score(of id: Int64, in store: Store) async throws -> Int? {
        try await store.database.raw("SELECT score FROM items WHERE id = \(bind: id)").first()?.decode(column: "score", as: Int?.self)
    }

    @Test(arguments: Backend.available)
    func aDayIsWrittenWithThreadSummariesPointsAndCounts(_ backend: Backend) async throws {
        let model = Model()
        let handler: TestHandler = { request in
            if request.path.hasPrefix("/v1/") { return model.answer(request) }
            return Self.hackerNews[request.path].map { .text($0, contentType: "application/json") } ?? .notFound()
        }
        let edition = Edition.japanese
        // 03:00 JST on 29 November 2026, and the day before.
        let day = Date(timeIntervalSince1970: 1_795_888_800)
        let dayBefore = day.addingTimeInterval(-86_400)
        try await withTestStore(backend) { store in
            try await withTestHTTPServer(handler) { port in
                let hn = try await store.addSource(url: "http://127.0.0.1:\(port)/v0", name: "Hacker News", kind: .hackerNews)
                let feed = try await store.addSource(url: "http://127.0.0.1:\(port)/feed.xml", name: "A Feed", kind: .feed)
                let first = try await Self.storePublished(store, source: hn.id, key: 1001, title: "評価をめぐる論争", shownAt: day,
                                                          points: 120, comments: 40)
                let second = try await Self.storePublished(store, source: hn.id, key: 1002, title: "公開モデルの新記録",
                                                           shownAt: day.addingTimeInterval(3_600), points: 200, comments: 20,
                                                           foundFirstBy: feed.id)
                let third = try await Self.storePublished(store, source: hn.id, key: 1003, title: "推論チップの話",
                                                          shownAt: day.addingTimeInterval(7_200), points: 90, comments: 10)
                _ = try await Self.storePublished(store, source: hn.id, key: 1004, title: "前日の話題", shownAt: dayBefore,
                                                  points: 500, comments: 300)
                let feedOnly = try await Self.storePublished(store, source: feed.id, key: 1005, title: "フィードだけの記事",
                                                             shownAt: day.addingTimeInterval(600))
                let grouped = try await Self.storePublished(store, source: feed.id, key: 1006, title: "チップ新製品の発表",
                                                            shownAt: day.addingTimeInterval(900))
                // 1003 (Hacker News) and 1006 (a feed) report one event; the feed's article is the story's lead.
                try await store.database.raw("""
                    INSERT INTO stories (id, lead_item_id, created_at, updated_at) VALUES (1, \(bind: grouped), 0, 0)
                    """).run()
                try await store.database.raw("UPDATE items SET story_id = 1 WHERE id IN (\(bind: third), \(bind: grouped))").run()

                let client = ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!,
                                                                        model: "m", retryBaseDelay: .milliseconds(10)),
                                        logger: Self.logger)
                let policy = FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)])
                let composer = HackerDigestComposer(
                    store: store, threads: HackerNewsThreads(limits: ThreadLimits(), fetchPolicy: policy, pool: testPool, logger: Self.logger),
                    summarizer: ThreadSummarizer(client: client, edition: edition), edition: edition, summarisedStories: 2,
                    logger: Self.logger)
                let slot = try #require(DigestSlot(kind: .hacker, key: "2026-11-29"))
                let digest = try await composer.compose(slot, now: day.addingTimeInterval(86_400))

                #expect(digest.title == "Hacker日報 2026年11月29日（日）")
                #expect(digest.lead == Self.lead)
                #expect(digest.model == "scripted-model")
                #expect(digest.sections.map(\.theme) == [HackerDigestComposer.summarisedTheme, HackerDigestComposer.otherTheme])
                // Ordered by the points the API gives now: 300, 250, then 90 as stored (1003 is gone from the
                // API), shown through its story's lead; the article only a feed carried is not listed.
                #expect(digest.itemIDs == [first, second, grouped])
                #expect(!digest.itemIDs.contains(feedOnly))
                let entries = digest.sections.flatMap(\.entries)
                #expect(entries.map { $0.discussion?.points } == [300, 250, 90])
                #expect(entries.map { $0.discussion?.commentCount } == [85, 30, 10])
                #expect(entries.map { $0.discussion?.storyID } == [1001, 1002, 1003])
                #expect(entries[0].title == "評価をめぐる論争" && entries[0].summary == "評価をめぐる論争の要約。")
                #expect(entries.map(\.sourceName) == ["Hacker News", "A Feed", "A Feed"])
                #expect(entries[2].title == "チップ新製品の発表")
                let summary = try #require(entries[0].discussion?.summary)
                #expect(summary.commentsRead == 3)
                #expect(summary.positions.map(\.reception) == [.agreed, .divided])
                #expect(entries[1].discussion?.summary?.commentsRead == 1)
                #expect(entries[2].discussion?.summary == nil)
                #expect(try await Self.score(of: first, in: store) == 300)
                #expect(try await Self.score(of: third, in: store) == 90)

                // Two answers for the first thread (the one naming a commenter was refused), one for
                // the second, one lead; the model saw the comments, never who wrote them.
                let requests = model.received
                #expect(requests.count == 4)
                #expect(requests[1].bodyText.contains("names alice_ml"))
                let payloads = model.payloads
                #expect(payloads.count == 4)
                #expect(payloads[0].contains("Benchmarks don't reflect real work.") && payloads[0].contains("the tasks are too short"))
                for payload in payloads {
                    for name in Self.usernames { #expect(!payload.contains(name), "the model saw \(name)") }
                }

                // A day without stories: written empty, without a call.
                let empty = try await composer.compose(try #require(DigestSlot(kind: .hacker, key: "2026-11-27")), now: day)
                #expect(empty.isEmpty && empty.sections.isEmpty && empty.lead == nil && empty.model == nil)
                #expect(model.received.count == 4)
            }
        }
    }

    @Test func aThreadWhoseSummariesAreAllRefusedLeavesItsStoryWithoutOne() async throws {
        let model = Model(alwaysNaming: true)
        let handler: TestHandler = { request in
            if request.path.hasPrefix("/v1/") { return model.answer(request) }
            return Self.hackerNews[request.path].map { .text($0, contentType: "application/json") } ?? .notFound()
        }
        let day = Date(timeIntervalSince1970: 1_795_888_800)
        try await withTestStore { store in
            try await withTestHTTPServer(handler) { port in
                let hn = try await store.addSource(url: "http://127.0.0.1:\(port)/v0", name: "Hacker News", kind: .hackerNews)
                let id = try await Self.storePublished(store, source: hn.id, key: 1001, title: "評価をめぐる論争", shownAt: day,
                                                       points: 120, comments: 40)
                let configuration = LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m",
                                                     retryBaseDelay: .milliseconds(10))
                let composer = HackerDigestComposer(
                    store: store,
                    threads: HackerNewsThreads(limits: ThreadLimits(), fetchPolicy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]),
                                               pool: testPool, logger: Self.logger),
                    summarizer: ThreadSummarizer(client: ChatClient(configuration: configuration, logger: Self.logger), edition: .japanese),
                    edition: .japanese, logger: Self.logger)
                let digest = try await composer.compose(try #require(DigestSlot(kind: .hacker, key: "2026-11-29")), now: day)
                #expect(digest.itemIDs == [id])
                #expect(digest.sections.map(\.theme) == [HackerDigestComposer.otherTheme])
                #expect(digest.sections[0].entries[0].discussion?.summary == nil)
                #expect(digest.sections[0].entries[0].discussion?.points == 300)
                #expect(digest.lead == Self.lead)
                #expect(model.received.count == configuration.maximumAttempts + 1)
            }
        }
    }

    @Test func aStoryAFeedFoundFirstGetsItsDiscussionWhenHackerNewsCarriesIt() async throws {
        let routes = FixtureRoutes()
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { port in
                routes.set("/v0/topstories.json", .text("[101]", contentType: "application/json"))
                routes.set("/v0/item/101.json", HackerNewsTests.story(101, port: port))
                let feed = try await store.addSource(url: "http://127.0.0.1:\(port)/feed.xml", name: "A Feed", kind: .feed)
                let url = "http://127.0.0.1:\(port)/story/101"
                _ = try await store.insertDiscovered([DiscoveredItem(sourceID: feed.id, guid: url, url: url,
                                                                     canonicalURL: CanonicalURL.canonicalize(url), title: "Story 101")],
                                                     now: Date())
                let hackerNews = try await store.addSource(url: "http://127.0.0.1:\(port)/v0", name: "Hacker News", kind: .hackerNews)
                let collector = Collector(store: store, fetcher: Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)])),
                                          pool: testPool, hackerNews: HackerNews(storyCount: 1, minimumScore: 0, minimumComments: 0),
                                          logger: Self.logger)
                let outcome = try await collector.collect(hackerNews)
                #expect(outcome.health.lastError == nil && outcome.health.newItems == 0)
                let item = try #require(try await store.item(id: 1))
                #expect(item.sourceName == "A Feed")
                #expect(item.feedEntry.commentsURL == "https://news.ycombinator.com/item?id=101")
                #expect(item.feedEntry.score == 1_010 && item.feedEntry.commentCount == 3)
            }
        }
    }
}
