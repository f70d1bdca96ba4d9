import Foundation
import KawarabanCore
import Testing
import TestSupport
import SQLKit
@testable import Store

/// What the reader's lists filter and sort by (migration 10), on both backends: the date shown
/// fixed at discovery, the importance and tags written with the analysis by its holder, and the
/// same facts filled in for rows stored before the migration.
@Suite struct ListingStoreTests {
    let discovered = Date(timeIntervalSince1970: 1_790_000_000)

    func analysis(tags: [String], depth: Int) -> Analysis {
        Analysis(title: "見出し", tldr: "要約", keyPoints: [KeyPoint(heading: "一", body: "本文")], impact: "影響", editorial: "論評",
                 tags: tags, scores: AxisScores(depth: depth, relevance: 5, practicality: 3, novelty: 2),
                 analysedAt: discovered, model: "m")
    }

    func facts(of id: Int64, in store: Store) async throws -> (shownAt: Double?, importance: Int?, tags: [String]) {
        let row = try #require(try await store.database.raw("SELECT shown_at, importance FROM items WHERE id = \(bind: id)").first())
        let tags = try await store.database.raw("SELECT tag FROM item_tags WHERE item_id = \(bind: id) ORDER BY tag").all()
            .map { try $0.decode(column: "tag", as: String.self) }
        return (try row.decode(column: "shown_at", as: Double?.self), try row.decode(column: "importance", as: Int?.self), tags)
    }

    func entry(_ url: String, source: Int64, feedDate: Date?) -> DiscoveredItem {
        DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url, title: url, author: nil, publishedAt: feedDate)
    }

    @Test(arguments: Backend.available)
    func theShownDateIsTheEarlierOfTheFeedsAndTheDiscovery(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            _ = try await store.insertDiscovered([
                entry("https://a.example/past", source: source, feedDate: discovered.addingTimeInterval(-7200)),
                entry("https://a.example/future", source: source, feedDate: discovered.addingTimeInterval(86400)),
                entry("https://a.example/undated", source: source, feedDate: nil),
            ], now: discovered)
            for (url, expected) in [("past", -7200.0), ("future", 0), ("undated", 0)] {
                let id = try #require(try await store.itemID(canonicalURL: "https://a.example/\(url)"))
                #expect(try await facts(of: id, in: store).shownAt == discovered.addingTimeInterval(expected).storedValue, "\(url)")
            }
        }
    }

    @Test(arguments: Backend.available)
    func theHolderWritesImportanceAndTagsWithTheAnalysisAndALostLeaseWritesNothing(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            _ = try await store.insertDiscovered([entry("https://a.example/1", source: source, feedDate: nil)], now: discovered)
            let id = try #require(try await store.itemID(canonicalURL: "https://a.example/1"))
            try await store.database.raw("UPDATE items SET lease_owner = 'w1' WHERE id = \(bind: id)").run()

            // 5,5,3,2 → 4.3 → 4; a tag named twice is stored once.
            #expect(try await store.advance(id, owner: "w1", to: .analysed,
                                            with: ItemUpdate(analysis: analysis(tags: ["OpenAI", "推論", "OpenAI"], depth: 5)), now: discovered))
            var stored = try await facts(of: id, in: store)
            #expect(stored.importance == 4)
            #expect(stored.tags == ["OpenAI", "推論"])

            #expect(try await !store.advance(id, owner: "w2", to: .translated,
                                             with: ItemUpdate(analysis: analysis(tags: ["別物"], depth: 1)), now: discovered))
            stored = try await facts(of: id, in: store)
            #expect(stored.importance == 4 && stored.tags == ["OpenAI", "推論"], "a worker without the lease changes nothing")

            try await store.rewriteEditorialTexts(of: id, analysis: analysis(tags: ["エージェント"], depth: 5), translation: nil, now: discovered)
            #expect(try await facts(of: id, in: store).tags == ["エージェント"], "an operator's rewrite replaces the tags")
        }
    }

    @Test(arguments: Backend.available)
    func rowsStoredBeforeTheMigrationAreFilledIn(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            _ = try await store.insertDiscovered([entry("https://a.example/old", source: source,
                                                       feedDate: discovered.addingTimeInterval(-600))], now: discovered)
            let id = try #require(try await store.itemID(canonicalURL: "https://a.example/old"))
            // As an older version left the row: the analysis only.
            try await store.database.raw("""
                UPDATE items SET analysis_json = \(bind: try Store.json(analysis(tags: ["RAG", "検索", "RAG"], depth: 1))),
                    importance = NULL, shown_at = NULL WHERE id = \(bind: id)
                """).run()
            try await store.database.raw("DELETE FROM item_tags").run()

            let migration = try #require(Store.migrations.first { $0.version == 10 })
            for statement in migration.statements(store.dialect) where !statement.hasPrefix("ALTER") && !statement.hasPrefix("CREATE") {
                try await store.database.raw(SQLQueryString(statement)).run()
            }

            let stored = try await facts(of: id, in: store)
            #expect(stored.shownAt == discovered.addingTimeInterval(-600).storedValue)
            // 1,5,3,2 → 2.7 → 3, as Importance computes it.
            #expect(stored.importance == Importance(scores: AxisScores(depth: 1, relevance: 5, practicality: 3, novelty: 2)).value)
            #expect(stored.importance == 3)
            #expect(stored.tags == ["RAG", "検索"])
        }
    }
}
