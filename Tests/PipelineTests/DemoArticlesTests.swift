import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// `kawaraban demo`'s articles: published, marked synthetic, shaped like the pipeline's.
@Suite struct DemoArticlesTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: Backend.available)
    func aDemoDatabaseHoldsPublishedSyntheticArticlesOverNinetyDays(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            #expect(try await !store.holdsAnyContent())
            #expect(try await !store.holdsSyntheticData())
            let count = 2_300
            let stored = try await DemoArticles.fill(store, count: count, now: Self.now) { _ in }
            #expect(stored == count)
            #expect(try await store.holdsAnyContent())
            #expect(try await store.holdsSyntheticData())

            let headlines = try await store.headlines(limit: count + 1, offset: 0)
            #expect(headlines.count == count)
            let oldest = try #require(headlines.last?.shownAt)
            #expect(oldest >= Self.now.addingTimeInterval(-Double(DemoArticles.days) * 86_400))
            #expect(try #require(headlines.first?.shownAt) <= Self.now)
            #expect(Set(headlines.map(\.analysis.importance.value)).count >= 4)
            #expect(Set(headlines.flatMap(\.analysis.tags)).isSubset(of: Set(DemoArticles.tags)))
            #expect(headlines.allSatisfy { $0.analysis.title.unicodeScalars.contains { $0.value >= 0x3040 } })

            let row = try await store.database.raw("""
                SELECT COUNT(*) AS videos, (SELECT COUNT(*) FROM item_entities WHERE main = 1) AS mains,
                    (SELECT COUNT(DISTINCT tag) FROM item_tags) AS tags FROM items WHERE video_id IS NOT NULL
                """).first()
            let videos = try #require(try row?.decode(column: "videos", as: Int.self))
            #expect(videos > count / 20 && videos < count / 4)
            #expect(try row?.decode(column: "mains", as: Int.self) == count)
            #expect(try row?.decode(column: "tags", as: Int.self) ?? 0 > 30)

            // Trends: an entity set to rise is the main one more often in the last 30 days than in
            // the 30 days of 60 to 90 days ago, one set to fall less often.
            let deepSeek = try await Self.mainMentions(of: "DeepSeek", in: store)
            #expect(Double(deepSeek.recent) > Double(deepSeek.early) * 1.3, "\(deepSeek)")
            let meta = try await Self.mainMentions(of: "Meta", in: store)
            #expect(Double(meta.recent) * 1.3 < Double(meta.early), "\(meta)")
        }
    }

    static func mainMentions(of name: String, in store: Store) async throws -> (recent: Int, early: Int) {
        let row = try await store.database.raw("""
            SELECT SUM(CASE WHEN items.shown_at >= \(bind: now.addingTimeInterval(-30 * 86_400).storedValue) THEN 1 ELSE 0 END) AS recent,
                SUM(CASE WHEN items.shown_at < \(bind: now.addingTimeInterval(-60 * 86_400).storedValue) THEN 1 ELSE 0 END) AS early
            FROM items JOIN item_entities ON item_entities.item_id = items.id
            JOIN entities ON entities.id = item_entities.entity_id
            WHERE entities.name = \(bind: name) AND item_entities.main = 1
            """).first()
        return (try #require(try row?.decode(column: "recent", as: Int.self)), try #require(try row?.decode(column: "early", as: Int.self)))
    }
}
