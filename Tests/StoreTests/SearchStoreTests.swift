import Foundation
import KawarabanCore
import SQLKit
import Testing
import TestSupport
@testable import Store

/// Search (migration 11) on both backends: Japanese and English terms, short terms, ranking,
/// hostile queries, and the index following publication, unpublication, rewrites and the backfill.
@Suite struct SearchStoreTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// One published story: its Japanese title and TL;DR, the original title, and body text in
    /// both languages.
    struct Story: Sendable {
        var title: String
        var tldr: String
        var originalTitle: String
        var translatedBody: String
        var originalBody: String
        var keyPoint = "要点"
    }

    /// Stories published an hour apart in this order, so the later ones are newer.
    static let stories = [
        Story(title: "OpenAI、新しい推論モデルを発表", tldr: "数学とコードの能力が向上した。",
              originalTitle: "OpenAI unveils a new reasoning model", translatedBody: "新モデルは難問に強い。",
              originalBody: "The model is better at hard problems."),
        Story(title: "オープンソースの生成AIモデルが公開", tldr: "誰でも使える重みが配布された。",
              originalTitle: "Open-source generative AI model released", translatedBody: "推論ベンチマークで上位に入った。",
              originalBody: "It scores well on reasoning benchmarks."),
        Story(title: "半導体メーカーの決算が好調", tldr: "GPUの需要が続いている。",
              originalTitle: "Chipmaker earnings beat estimates", translatedBody: "大口顧客にはOpenAIがいる。",
              originalBody: "Its large customers include OpenAI."),
        Story(title: "ＡＩ規制の動向", tldr: "欧州で新しい規則が決まった。",
              originalTitle: "EU settles rules", translatedBody: "推論の透明性も議題になった。",
              originalBody: "Transparency was discussed."),
    ]

    /// Queries with the stories (by position in `stories`) each finds, best first. Titles outrank
    /// the TL;DR and the body; ties go to the newer story.
    static let expectations: [(query: String, found: [Int])] = [
        ("推論", [0]),                  // two characters: titles and TL;DR only, not story 1's or 3's body
        ("推", [0]),
        ("推論モデル", [0]),
        ("推論ベンチマーク", [1]),       // three or more: the body too
        ("reasoning", [0, 1]),          // story 0's original title, story 1's original body
        ("OpenAI", [0, 2]),             // a title, then a body
        ("openai", [0, 2]),
        ("ＯｐｅｎＡＩ", [0, 2]),          // full-width letters fold to ASCII
        ("OpenAI 推論", [0]),           // every term must occur
        ("生成AI", [1]),
        ("オープンソース", [1]),
        ("AI規制", [3]),                // stored full-width, asked half-width
        ("model", [1, 0]),              // both in the titles: the newer first
        ("GPU", [2]),
        ("新しい", [0, 3]),              // story 0's title outranks story 3's TL;DR, though older
        ("qwerty", []),
    ]

    /// Queries built to break a query language or a LIKE pattern: none errs, none matches anything.
    static let hostileQueries = [
        String(repeating: "あ", count: 10_000), String(repeating: "a", count: 10_000),
        (0..<500).map { "w\($0)" }.joined(separator: " "),
        "%", "%%", "_", "__", "___", "\"", "\"\"", "*", "re*", "NEAR(", "NEAR(openai reasoning)", "OR", "AND", "NOT",
        "\"a\" OR \"b\"", "openai OR", "'; DROP TABLE items; --", "\\", "\\%", "heading:open", "{heading}: x", "^ope",
        "\u{0}\u{1}\u{7}", "\u{200B}", "\u{0}NEAR\u{7}(", "%ai%", "_penAI",
    ]

    func publish(_ stories: [Story], in store: Store) async throws -> [Int64] {
        let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed).id
        var ids: [Int64] = []
        for (index, story) in stories.enumerated() {
            let url = "https://wire.example/\(index)"
            let at = Self.start.addingTimeInterval(Double(index) * 3600)
            _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url,
                                                                 title: story.originalTitle, publishedAt: at)], now: at)
            let id = try #require(try await store.itemID(canonicalURL: url))
            try await store.database.raw("UPDATE items SET lease_owner = 'w1' WHERE id = \(bind: id)").run()
            let update = ItemUpdate(
                article: Article(title: story.originalTitle, blocks: [.paragraph([.text(story.originalBody)])]),
                analysis: analysis(story), translation: translation(story.translatedBody))
            #expect(try await store.advance(id, owner: "w1", to: .published, with: update, now: at))
            ids.append(id)
        }
        return ids
    }

    func analysis(_ story: Story) -> Analysis {
        Analysis(title: story.title, tldr: story.tldr, keyPoints: [KeyPoint(heading: story.keyPoint, body: "本文")], impact: "影響",
                 editorial: "論評", tags: [], scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3),
                 analysedAt: Self.start, model: "m")
    }

    func translation(_ text: String) -> Translation {
        Translation(language: "ja", blocks: [.paragraph([.text(text)])], translatedAt: Self.start, model: "m")
    }

    func found(_ text: String, in store: Store, limit: Int = 50, offset: Int = 0) async throws -> [Int64] {
        try await store.search(SearchQuery(text), limit: limit, offset: offset).hits.map(\.headline.id)
    }

    @Test(arguments: Backend.available)
    func japaneseAndEnglishQueriesFindTheSameStoriesRankedTitlesFirst(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let ids = try await publish(Self.stories, in: store)
            for (query, expected) in Self.expectations {
                let results = try await store.search(SearchQuery(query), limit: 50, offset: 0)
                #expect(results.hits.map(\.headline.id) == expected.map { ids[$0] }, "\(query)")
                #expect(results.total == expected.count, "\(query)")
            }
            let hit = try #require(try await store.search(SearchQuery("reasoning"), limit: 1, offset: 0).hits.first)
            #expect(hit.headline.originalTitle == "OpenAI unveils a new reasoning model")
            #expect(hit.headline.analysis.title == "OpenAI、新しい推論モデルを発表")
        }
    }

    @Test(arguments: Backend.available)
    func pagesSplitTheRankingAndCountTheWholeOfIt(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let ids = try await publish(Self.stories, in: store)
            // "の" is in three titles (newest first) and in story 0's TL;DR (last).
            #expect(try await found("の", in: store) == ids.reversed())
            let second = try await store.search(SearchQuery("の"), limit: 3, offset: 3)
            #expect(second.hits.map(\.headline.id) == [ids[0]])
            #expect(second.total == 4)
            #expect(try await found("の", in: store, limit: 3, offset: 4).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func hostileQueriesNeitherFailNorMatchEverything(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            _ = try await publish(Self.stories, in: store)
            for query in Self.hostileQueries {
                let results = try await store.search(SearchQuery(query), limit: 50, offset: 0)
                #expect(results.hits.isEmpty && results.total == 0, "\(query.prefix(40))")
            }
            #expect(SearchQuery(Self.hostileQueries[2]).terms.count == SearchQuery.maximumTerms)
            #expect(SearchQuery(Self.hostileQueries[2]).wasShortened)
            #expect(SearchQuery(Self.hostileQueries[0]).terms == [String(repeating: "あ", count: SearchQuery.maximumLength)])
            #expect(SearchQuery("\u{0}\u{1}").isEmpty)
            // A control character separates terms rather than hiding one.
            #expect(SearchQuery("open\u{7}ai").terms == ["open", "ai"])
        }
    }

    @Test(arguments: Backend.available)
    func theIndexFollowsUnpublicationRewritesAndTheBackfill(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let ids = try await publish(Self.stories, in: store)
            try await store.unpublish(itemID: ids[2], now: Self.start)
            #expect(try await found("openai", in: store) == [ids[0]])
            #expect(try await store.database.raw("SELECT COUNT(*) AS count FROM search_text").first()?
                .decode(column: "count", as: Int.self) == 3)

            var renamed = Self.stories[1]
            renamed.title = "量子コンピュータの新発表"
            try await store.rewriteEditorialTexts(of: ids[1], analysis: analysis(renamed), translation: nil, now: Self.start)
            #expect(try await found("量子", in: store) == [ids[1]])
            #expect(try await found("オープンソース", in: store).isEmpty)
            #expect(try await found("推論ベンチマーク", in: store) == [ids[1]], "the translation kept is still indexed")

            for table in store.dialect == .sqlite ? ["search_text", "search_heads"] : ["search_text"] {
                try await store.database.raw("DELETE FROM \(ident: table)").run()
            }
            #expect(try await found("推論", in: store).isEmpty)
            #expect(try await store.indexPublishedMissingFromSearch() == 3)
            #expect(try await store.indexPublishedMissingFromSearch() == 0, "a second run finds nothing to do")
            #expect(try await found("推論", in: store) == [ids[0]])
            #expect(try await found("openai", in: store) == [ids[0]], "the unpublished story stays out")
        }
    }

    /// SQLite's plan starts from the FTS5 index and never walks every published item (probing
    /// FTS5 for each); PostgreSQL's GIN indexes answer a long term's condition. (On four rows
    /// PostgreSQL rightly prefers to read them all; over 10,000 it plans the BitmapOr itself.)
    @Test(arguments: Backend.available)
    func longTermsAreLookedUpThroughTheTrigramIndex(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            _ = try await publish(Self.stories, in: store)
            switch backend {
            case .sqlite:
                let statement = store.searchStatement(SearchQuery("openai reasoning"), limit: 20, offset: 0)
                let plan = try await store.database.raw("EXPLAIN QUERY PLAN " + statement).all()
                    .map { try $0.decode(column: "detail", as: String.self) }.joined(separator: "\n")
                #expect(plan.contains("VIRTUAL TABLE INDEX"), "\(plan)")
                #expect(plan.contains("SEARCH heads USING INTEGER PRIMARY KEY"), "\(plan)")
                #expect(!plan.contains("SCAN items") && !plan.contains("SCAN heads"), "\(plan)")
            case .postgres:
                let plan = try await store.withSingleConnection { connection in
                    try await connection.raw("SET enable_seqscan = off").run()
                    return try await connection.raw("""
                        EXPLAIN (COSTS OFF) SELECT item_id FROM search_text
                        WHERE heading LIKE '%openai%' OR tldr LIKE '%openai%' OR body LIKE '%openai%'
                        """).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: "\n")
                }
                for index in ["search_text_heading", "search_text_tldr", "search_text_body"] {
                    #expect(plan.contains("Bitmap Index Scan on \(index)"), "\(plan)")
                }
            }
        }
    }

    /// Both engines answer every query above with the same ids in the same order.
    @Test func sqliteAndPostgreSQLAgree() async throws {
        guard Backend.available.contains(.postgres) else { return }
        let queries = Self.expectations.map(\.query) + ["の", "モデル", "ai", "a", "新", "e", "の ai"] + Self.hostileQueries
        let answers = try await withTestStore(.sqlite) { store in
            _ = try await publish(Self.stories, in: store)
            return try await queries.asyncMap { try await found($0, in: store) }
        }
        let postgres = try await withTestStore(.postgres) { store in
            _ = try await publish(Self.stories, in: store)
            return try await queries.asyncMap { try await found($0, in: store) }
        }
        // Ids are assigned from 1 on both, in the order stored.
        for (index, query) in queries.enumerated() {
            #expect(answers[index] == postgres[index], "\(query.prefix(40))")
        }
        #expect(answers.contains { $0.count > 1 }, "the comparison covers rankings, not only empty answers")
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
