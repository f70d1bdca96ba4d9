import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Store

/// The reader's lists over the listing columns, on both backends: the latest list's filters
/// alone and combined, videos, tag counts, the sources offered, an article's neighbours at both
/// ends and its related articles (never itself, never the same story twice).
@Suite struct ListingQueriesTests {
    let discovered = Date(timeIntervalSince1970: 1_790_000_000)
    let owner = "listing-tests"

    /// Stores story `number`, shown `number` hours after `discovered` (or at `shownAt` hours),
    /// published with `importance`, `tags` and `entities`; returns its id.
    @discardableResult
    func story(_ number: Int, in store: Store, source: Int64, importance: Int = 3, tags: [String] = [],
               entities: [Entity] = [], videoID: String? = nil, shownAt hours: Int? = nil,
               stage: Stage = .published) async throws -> Int64 {
        let url = "https://news.example/\(number)"
        let at = discovered.addingTimeInterval(Double(hours ?? number) * 3600)
        _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url,
                                                             title: "Story \(number)", videoID: videoID)], now: at)
        let id = try #require(try await store.itemID(canonicalURL: url))
        let analysis = Analysis(title: "見出し\(number)", tldr: "要約", keyPoints: [KeyPoint(heading: "一", body: "本文")],
                                impact: "影響", editorial: "論評", tags: tags, entities: entities,
                                scores: AxisScores(depth: importance, relevance: importance, practicality: importance, novelty: importance),
                                analysedAt: at, model: "m")
        try await store.database.raw("""
            UPDATE items SET stage = \(bind: stage.rawValue), analysis_json = \(bind: try Store.json(analysis)),
                importance = \(bind: importance), published_at = \(bind: at.storedValue), lease_owner = \(bind: owner)
            WHERE id = \(bind: id)
            """).run()
        try await store.replaceTags(of: id, with: tags, heldBy: nil)
        _ = try #require(try await store.recordEntities(entities, of: id, owner: owner, now: at, glossaryNames: []))
        return id
    }

    func ids(_ filter: ListingFilter, in store: Store, limit: Int = 50, offset: Int = 0) async throws -> [Int64] {
        try await store.headlines(matching: filter, limit: limit, offset: offset).map(\.id)
    }

    @Test(arguments: Backend.available)
    func filtersNarrowTheListAloneAndCombined(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let wire = try await store.addSource(url: "https://a.example/feed", name: "Wire", kind: .feed).id
            let tube = try await store.addSource(url: "https://b.example/feed", name: "Tube", kind: .feed).id
            let minor = try await story(1, in: store, source: wire, importance: 2, tags: ["OpenAI"])
            let major = try await story(2, in: store, source: wire, importance: 5, tags: ["OpenAI", "推論"])
            let video = try await story(3, in: store, source: tube, importance: 4, tags: ["推論"], videoID: "dQw4w9WgXcQ")
            try await story(4, in: store, source: wire, importance: 5, tags: ["OpenAI"], stage: .translated)

            #expect(try await ids(ListingFilter(), in: store) == [video, major, minor])
            #expect(try await ids(ListingFilter(minimumImportance: 4), in: store) == [video, major])
            #expect(try await ids(ListingFilter(tag: "OpenAI"), in: store) == [major, minor])
            #expect(try await ids(ListingFilter(tag: "openai"), in: store).isEmpty, "tags match exactly")
            #expect(try await ids(ListingFilter(sourceID: tube), in: store) == [video])
            #expect(try await ids(ListingFilter(kind: .video), in: store) == [video])
            #expect(try await ids(ListingFilter(kind: .article), in: store) == [major, minor])
            #expect(try await ids(ListingFilter(minimumImportance: 4, tag: "推論"), in: store) == [video, major])
            #expect(try await ids(ListingFilter(minimumImportance: 4, tag: "推論", kind: .article), in: store) == [major])
            #expect(try await ids(ListingFilter(minimumImportance: 3, tag: "OpenAI", sourceID: wire, kind: .article), in: store) == [major])
            #expect(try await ids(ListingFilter(tag: "推論", sourceID: wire, kind: .video), in: store).isEmpty)
            #expect(try await ids(ListingFilter(tag: "OpenAI"), in: store, limit: 1, offset: 1) == [minor])

            #expect(try await store.videoHeadlines(limit: 10, offset: 0).map { "\($0.headline.id):\($0.videoID)" } == ["\(video):dQw4w9WgXcQ"])
            #expect(try await store.headlines(matching: ListingFilter(), limit: 1, offset: 0).first?.originalTitle == "Story 3")
            #expect(try await store.listedSources(limit: 10).map(\.name) == ["Tube", "Wire"])
            #expect(try await store.listedSources(limit: 1).map(\.id) == [tube])
        }
    }

    @Test(arguments: Backend.available)
    func tagsAreCountedOverPublishedItemsMostUsedFirst(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            try await story(1, in: store, source: source, tags: ["OpenAI", "推論"])
            try await story(2, in: store, source: source, tags: ["OpenAI", "Anthropic"])
            try await story(3, in: store, source: source, tags: ["推論", "OpenAI"])
            try await story(4, in: store, source: source, tags: ["Anthropic", "Gemini"], stage: .analysed)
            let counts = try await store.tagCounts(limit: 10).map { "\($0.tag)=\($0.items)" }
            #expect(counts == ["OpenAI=3", "推論=2", "Anthropic=1"])
            #expect(try await store.tagCounts(limit: 1).map(\.tag) == ["OpenAI"])
        }
    }

    @Test(arguments: Backend.available)
    func neighboursFollowTheListOrderAndStopAtBothEnds(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            let oldest = try await story(1, in: store, source: source)
            // Two shown at the same time: the id orders them.
            let tiedLow = try await story(2, in: store, source: source, shownAt: 5)
            let tiedHigh = try await story(3, in: store, source: source, shownAt: 5)
            try await story(4, in: store, source: source, shownAt: 6, stage: .failed)
            let newest = try await story(5, in: store, source: source, shownAt: 7)
            let list = try await store.headlines(limit: 10, offset: 0)
            #expect(list.map(\.id) == [newest, tiedHigh, tiedLow, oldest])
            func neighbours(_ id: Int64) async throws -> [Int64?] {
                let headline = try #require(list.first { $0.id == id })
                let found = try await store.neighbours(of: headline)
                return [found.older?.id, found.newer?.id]
            }
            #expect(try await neighbours(oldest) == [nil, tiedLow])
            #expect(try await neighbours(tiedLow) == [oldest, tiedHigh])
            #expect(try await neighbours(tiedHigh) == [tiedLow, newest])
            #expect(try await neighbours(newest) == [tiedHigh, nil])
        }
    }

    @Test(arguments: Backend.available)
    func relatedArticlesShareEntitiesOrTagsAndNeverRepeatTheStory(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            let other = try await store.addSource(url: "https://b.example/feed", name: "B", kind: .feed).id
            let openAI = Entity(name: "OpenAI", kind: .company, rendering: "OpenAI", main: true)
            let subject = try await story(1, in: store, source: source, tags: ["推論", "クラウド"], entities: [openAI])
            let sameMain = try await story(2, in: store, source: source, tags: [], entities: [openAI])
            let twoTags = try await story(3, in: store, source: source, tags: ["推論", "クラウド"])
            let olderOneTag = try await story(4, in: store, source: source, tags: ["推論"], shownAt: 0)
            let newerOneTag = try await story(5, in: store, source: source, tags: ["クラウド"])
            let merged = try await story(6, in: store, source: source, tags: ["推論", "クラウド"], entities: [openAI])
            try await store.database.raw("UPDATE items SET merged_into = \(bind: subject) WHERE id = \(bind: merged)").run()
            // Another source carried story 7 under the subject's link: the same story.
            let sameLink = try await story(7, in: store, source: other, tags: ["推論", "クラウド"], entities: [openAI])
            try await store.database.raw("""
                INSERT INTO item_sources (item_id, source_id, url, discovered_at)
                VALUES (\(bind: sameLink), \(bind: source), 'https://news.example/1', \(bind: discovered.storedValue))
                """).run()
            try await story(8, in: store, source: source, tags: ["推論"], entities: [openAI], stage: .translated)
            try await story(9, in: store, source: source, tags: ["無関係"])

            let related = try await store.relatedArticles(of: subject, limit: 10).map(\.id)
            #expect(related == [sameMain, twoTags, newerOneTag, olderOneTag])
            #expect(!related.contains(subject))
            #expect(try await store.relatedArticles(of: subject, limit: 2).map(\.id) == [sameMain, twoTags])
            // The subject and story 7 are one story: the first ranked (the newer) is kept, never both.
            #expect(try await store.relatedArticles(of: sameMain, limit: 10).map(\.id) == [sameLink])
        }
    }
}
