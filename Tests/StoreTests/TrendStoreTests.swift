import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Store

/// The counts behind the pages about companies and tools and the trends, on both backends, with
/// known counts: by entity and tag, by day in the Japanese edition's days, over two periods
/// compared under the trend rule, with ties listed the same way on both databases.
@Suite struct TrendStoreTests {
    /// Midnight in Tokyo that begins the last day counted ("today").
    let today = Edition.japanese.startOfDay(containing: Date(timeIntervalSince1970: 1_790_000_000))
    let rule = TrendRule(minimumCount: 3, smoothing: 2)
    var periods: TrendPeriods { TrendPeriods(days: 7, lastDayStart: today) }

    func entity(_ name: String, kind: EntityKind = .company, main: Bool = false) -> Entity {
        Entity(name: name, kind: kind, rendering: name, main: main)
    }

    /// Stores a published item shown at `shownAt` that names `entities` and carries `tags`.
    @discardableResult
    func item(at shownAt: Date, naming entities: [Entity] = [], tags: [String] = [], in store: Store, source: Int64,
              stage: Stage = .published) async throws -> Int64 {
        let url = "https://news.example/\(UUID().uuidString)"
        _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url,
                                                             title: "Story", author: nil, publishedAt: shownAt)], now: shownAt)
        let id = try #require(try await store.itemID(canonicalURL: url))
        let analysis = Analysis(title: "見出し", tldr: "要約", keyPoints: [KeyPoint(heading: "一", body: "本文")], impact: "影響",
                                editorial: "論評", tags: tags, entities: entities,
                                scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3), analysedAt: shownAt, model: "m")
        try await store.database.raw("""
            UPDATE items SET stage = \(bind: stage.rawValue), analysis_json = \(bind: try Store.json(analysis)),
                published_at = \(bind: shownAt.storedValue), lease_owner = 'trend-tests'
            WHERE id = \(bind: id)
            """).run()
        try await store.replaceTags(of: id, with: tags, heldBy: nil)
        _ = try #require(try await store.recordEntities(entities, of: id, owner: "trend-tests", now: shownAt, glossaryNames: []))
        return id
    }

    /// An hour into day `day` of the 14 days the 7-day periods cover (0…6 before, 7…13 recent).
    func day(_ day: Int) -> Date {
        periods.chart.dayStart(day).addingTimeInterval(3600)
    }

    func storeKnownCounts(in store: Store, source: Int64) async throws {
        let mentions: [(Entity, [Int])] = [
            (entity("Rising Co"), [3, 8, 9, 10, 13]),
            (entity("Steady"), [1, 2, 4, 8, 9, 10]),
            (entity("Newcomer", kind: .model), [11, 12, 13]),
            (entity("Tiny"), [12, 13]),
            (entity("Fading"), [0, 1, 2, 3]),
            (entity("Sam Person", kind: .person), [7, 8, 9, 10]),
        ]
        for (named, days) in mentions {
            for number in days { try await item(at: day(number), naming: [named], in: store, source: source) }
        }
        let tagged: [(String, [Int])] = [("Falling", [0, 1, 2, 5, 6, 7]), ("alpha", [9, 10, 11]), ("Zeta", [9, 10, 11])]
        for (tag, days) in tagged {
            for number in days { try await item(at: day(number), tags: [tag], in: store, source: source) }
        }
        // Counted nowhere in the window: before it, and not published.
        try await item(at: periods.chart.start.addingTimeInterval(-1), naming: [entity("Newcomer", kind: .model)], tags: ["alpha"],
                       in: store, source: source)
        try await item(at: day(12), naming: [entity("Newcomer", kind: .model)], tags: ["alpha"], in: store, source: source,
                       stage: .translated)
    }

    @Test(arguments: Backend.available)
    func risingAndFallingEntitiesFollowTheRuleAndLeaveOutSmallCountsAndOtherKinds(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://news.example/feed", name: "News", kind: .feed)
            try await storeKnownCounts(in: store, source: source.id)
            let kinds: [EntityKind] = [.company, .organisation, .product, .model, .tool]
            let rising = try await store.entityTrends(kinds: kinds, .rising, over: periods, rule: rule, limit: 10)
            // Newcomer 0 → 3: (3+2)/(0+2) = 2.5; Rising Co 1 → 4: 6/3 = 2. Tiny (0 → 2) is under the
            // minimum, Steady (3 → 3) did not move, the person is not among the kinds.
            #expect(rising.map(\.subject.name) == ["Newcomer", "Rising Co"])
            #expect(rising.map(\.current) == [3, 4])
            #expect(rising.map(\.previous) == [0, 1])
            let falling = try await store.entityTrends(kinds: kinds, .falling, over: periods, rule: rule, limit: 10)
            #expect(falling.map(\.subject.name) == ["Fading"])
            #expect(falling.map(\.previous) == [4])
            #expect(try await store.entityTrends(kinds: kinds, .rising, over: periods, rule: rule, limit: 1).map(\.subject.name) == ["Newcomer"])
            let people = try await store.entityTrends(kinds: [.person], .rising, over: periods, rule: rule, limit: 10)
            #expect(people.map(\.subject.name) == ["Sam Person"])
        }
    }

    @Test(arguments: Backend.available)
    func aFallingTagAndTiedRisingTagsAreListedAlikeOnBothDatabases(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://news.example/feed", name: "News", kind: .feed)
            try await storeKnownCounts(in: store, source: source.id)
            let falling = try await store.tagTrends(.falling, over: periods, rule: rule, limit: 10)
            #expect(falling == [TrendChange(subject: "Falling", current: 1, previous: 5)])
            // Equal counts rank equal; the tie goes by the tag's bytes, capitals first, whatever the
            // PostgreSQL database's locale.
            let rising = try await store.tagTrends(.rising, over: periods, rule: rule, limit: 10)
            #expect(rising == [TrendChange(subject: "Zeta", current: 3, previous: 0), TrendChange(subject: "alpha", current: 3, previous: 0)])
        }
    }

    @Test(arguments: Backend.available)
    func dailyCountsFallOnTheEditionsDays(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://news.example/feed", name: "News", kind: .feed)
            try await storeKnownCounts(in: store, source: source.id)
            let window = periods.chart
            let edge = entity("Edge")
            // A second before midnight in Tokyo is the day before; midnight starts the next day; the
            // window's own edges are in, then out.
            for moment in [window.dayStart(5).addingTimeInterval(-1), window.dayStart(5), window.start.addingTimeInterval(-1),
                           window.start, window.end.addingTimeInterval(-1), window.end] {
                try await item(at: moment, naming: [edge], in: store, source: source.id)
            }
            let ids = try await store.entityMentions(kinds: [.company, .model], limit: 20, offset: 0)
                .reduce(into: [String: Int64]()) { $0[$1.entity.name] = $1.entity.id }
            let risingCo = try #require(ids["Rising Co"]), edgeID = try #require(ids["Edge"]), newcomer = try #require(ids["Newcomer"])
            let counts = try await store.dailyCounts(ofEntities: [risingCo, edgeID, newcomer, 99_999, risingCo], in: window)
            #expect(counts.count == 4, "each entity once")
            #expect(counts[risingCo] == [0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1])
            #expect(counts[edgeID] == [1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1])
            #expect(counts[newcomer] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1], "neither before the window nor unpublished")
            #expect(counts[99_999] == Array(repeating: 0, count: 14))
            let tags = try await store.dailyCounts(ofTags: ["Falling", "alpha", "none"], in: window)
            #expect(tags["Falling"] == [1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
            #expect(tags["alpha"] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0])
            #expect(tags["none"] == Array(repeating: 0, count: 14))
        }
    }

    @Test(arguments: Backend.available)
    func entitiesAreCountedOverAllPublishedItemsMostFirstWithTiesByName(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://news.example/feed", name: "News", kind: .feed)
            try await storeKnownCounts(in: store, source: source.id)
            // Two more with four items each, like Fading: ties go by the name's bytes, capitals first.
            for name in ["acme", "Bravo"] {
                for number in [1, 5, 9, 12] { try await item(at: day(number), naming: [entity(name, kind: .organisation)], in: store, source: source.id) }
            }
            let companies = try await store.entityMentions(kinds: [.company, .organisation], limit: 10, offset: 0)
            #expect(companies.map(\.entity.name) == ["Steady", "Rising Co", "Bravo", "Fading", "acme", "Tiny"])
            #expect(companies.map(\.items) == [6, 5, 4, 4, 4, 2])
            #expect(try await store.entityMentions(kinds: [.company, .organisation], limit: 2, offset: 3).map(\.entity.name) == ["Fading", "acme"])
            // Newcomer: three in the window and one before it; the unpublished one is not counted.
            let models = try await store.entityMentions(kinds: [.model], limit: 10, offset: 0)
            #expect(models.map(\.items) == [4])
            let newcomer = try #require(models.first?.entity)
            #expect(try await store.entity(id: newcomer.id, kinds: [.model]) == newcomer)
            #expect(try await store.entity(id: newcomer.id, kinds: [.company, .organisation]) == nil)
            #expect(try await store.mentionCount(ofEntity: newcomer.id) == 4)
            #expect(try await store.headlines(aboutEntityID: newcomer.id, limit: 10, offset: 0).count == 4)
        }
    }

    @Test(arguments: Backend.available)
    func coMentionedEntitiesRankByTheItemsTheyShareWithTiesByName(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://news.example/feed", name: "News", kind: .feed)
            let openAI = entity("OpenAI"), microsoft = entity("Microsoft"), amazon = entity("Amazon"), anthropic = entity("Anthropic")
            let gpt = entity("GPT-5", kind: .model)
            try await item(at: day(1), naming: [openAI, microsoft, gpt], in: store, source: source.id)
            try await item(at: day(2), naming: [openAI, microsoft], in: store, source: source.id)
            try await item(at: day(3), naming: [openAI, amazon], in: store, source: source.id)
            try await item(at: day(4), naming: [openAI, anthropic], in: store, source: source.id)
            try await item(at: day(5), naming: [openAI, microsoft, amazon], in: store, source: source.id, stage: .analysed)
            try await item(at: day(6), naming: [amazon, anthropic], in: store, source: source.id)
            let id = try #require(try await store.entityMentions(kinds: [.company], limit: 10, offset: 0)
                .first { $0.entity.name == "OpenAI" }?.entity.id)
            let companies = try await store.coMentionedEntities(of: id, kinds: [.company, .organisation], limit: 10)
            #expect(companies.map(\.entity.name) == ["Microsoft", "Amazon", "Anthropic"])
            #expect(companies.map(\.items) == [2, 1, 1])
            #expect(try await store.coMentionedEntities(of: id, kinds: [.model], limit: 10).map(\.entity.name) == ["GPT-5"])
            #expect(try await store.coMentionedEntities(of: id, kinds: [.company], limit: 1).map(\.entity.name) == ["Microsoft"])
        }
    }
}
