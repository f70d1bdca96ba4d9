import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Store

/// Entities stored normalised and the glossary, on both backends: the queries later pages read
/// (articles about an entity, related articles, the most mentioned) and the rules of the glossary
/// (the first rendering of a new name wins, an operator's entry is never overwritten).
@Suite struct EntityStoreTests {
    let discovered = Date(timeIntervalSince1970: 1_790_000_000)
    let owner = "entity-tests"

    func analysis(_ entities: [Entity]) -> Analysis {
        Analysis(title: "見出し", tldr: "要約", keyPoints: [KeyPoint(heading: "一", body: "本文")], impact: "影響", editorial: "論評",
                 tags: ["AI"], entities: entities, scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3),
                 analysedAt: discovered, model: "m")
    }

    func entity(_ name: String, _ rendering: String? = nil, kind: EntityKind = .company, main: Bool = false) -> Entity {
        Entity(name: name, kind: kind, rendering: rendering ?? name, main: main)
    }

    /// Stores story `number`, found and published `number` hours after `discovered`, held by
    /// `owner` while its entities are recorded; returns its id and the glossary entries recorded.
    @discardableResult
    func story(_ number: Int, naming entities: [Entity], in store: Store, source: Int64,
               stage: Stage = .published) async throws -> (id: Int64, glossary: [GlossaryEntry]) {
        let url = "https://news.example/\(number)"
        let at = discovered.addingTimeInterval(Double(number) * 3600)
        _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url,
                                                             title: "Story \(number)", author: nil, publishedAt: nil)], now: at)
        let id = try #require(try await store.itemID(canonicalURL: url))
        try await store.database.raw("""
            UPDATE items SET stage = \(bind: stage.rawValue), analysis_json = \(bind: try Store.json(analysis(entities))),
                published_at = \(bind: stage == .published ? at.storedValue : nil), lease_owner = \(bind: owner)
            WHERE id = \(bind: id)
            """).run()
        let recorded = try #require(try await store.recordEntities(entities, of: id, owner: owner, now: at,
                                                                   glossaryNames: Set(entities.map { NameKey.of($0.name) })))
        return (id, recorded)
    }

    @Test(arguments: Backend.available)
    func itemsAboutAnEntityAreFoundByNameOrAliasNewestFirstAndPublishedOnly(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            let first = try await story(1, naming: [entity("OpenAI", main: true)], in: store, source: source).id
            let second = try await story(2, naming: [entity("OPENAI", "オープンAI")], in: store, source: source).id
            try await story(3, naming: [entity("Anthropic")], in: store, source: source)
            try await story(4, naming: [entity("OpenAI")], in: store, source: source, stage: .translated)
            let third = try await story(5, naming: [entity("Anthropic"), entity("ＯｐｅｎＡＩ")], in: store, source: source).id

            #expect(try await store.headlines(aboutEntity: "openai", limit: 10, offset: 0).map(\.id) == [third, second, first])
            #expect(try await store.headlines(aboutEntity: "オープンAI", limit: 10, offset: 0).map(\.id) == [third, second, first])
            #expect(try await store.headlines(aboutEntity: "OpenAI", limit: 2, offset: 1).map(\.id) == [second, first])
            #expect(try await store.headlines(aboutEntity: "Nobody", limit: 10, offset: 0).isEmpty)
            let stored = try await store.database.raw("SELECT name, kind FROM entities ORDER BY id").all()
                .map { "\(try $0.decode(column: "name", as: String.self)):\(try $0.decode(column: "kind", as: String.self))" }
            #expect(stored == ["OpenAI:company", "Anthropic:company"], "one row per name, the first spelling kept")
            #expect(try await store.entityAliases(nameKeys: ["openai", "anthropic", "nobody"])
                == ["openai": ["オープンai"], "anthropic": [], "nobody": []])
        }
    }

    @Test(arguments: Backend.available)
    func aNameAnotherArticleGaveAsItsRenderingIsThatEntity(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            let english = try await story(1, naming: [entity("Sam Altman", "サム・アルトマン", kind: .person, main: true)],
                                          in: store, source: source).id
            // A Japanese article names him in katakana, which the English one recorded as his rendering.
            let japanese = try await story(2, naming: [entity("サム・アルトマン", kind: .person, main: true),
                                                       entity("ソフトバンク")], in: store, source: source).id
            let entityOf = { (item: Int64) in
                try await store.database.raw("""
                    SELECT entities.name FROM item_entities JOIN entities ON entities.id = item_entities.entity_id
                    WHERE item_entities.item_id = \(bind: item) ORDER BY entities.id
                    """).all().map { try $0.decode(column: "name", as: String.self) }
            }
            #expect(try await entityOf(english) == ["Sam Altman"])
            #expect(try await entityOf(japanese) == ["Sam Altman", "ソフトバンク"])
            #expect(try await store.headlines(aboutEntity: "Sam Altman", limit: 10, offset: 0).map(\.id) == [japanese, english])
        }
    }

    @Test(arguments: Backend.available)
    func relatedItemsRankBySharedEntitiesWithMainEntitiesWeighingMore(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            let subject = try await story(1, naming: [entity("OpenAI", main: true), entity("Sam Altman", kind: .person),
                                                      entity("Microsoft")], in: store, source: source).id
            let bothMain = try await story(2, naming: [entity("OpenAI", main: true)], in: store, source: source).id
            let twoMentions = try await story(3, naming: [entity("Sam Altman", kind: .person), entity("Microsoft")],
                                              in: store, source: source).id
            let theirMain = try await story(4, naming: [entity("Microsoft", main: true)], in: store, source: source).id
            try await story(5, naming: [entity("OpenAI", main: true)], in: store, source: source, stage: .analysed)
            try await story(6, naming: [entity("Google")], in: store, source: source)

            let related = try await store.relatedHeadlines(of: subject, limit: 10)
            #expect(related.map(\.headline.id) == [bothMain, theirMain, twoMentions])
            #expect(related.map(\.weight) == [3, 2, 2])
            #expect(try await store.relatedHeadlines(of: subject, limit: 1).map(\.headline.id) == [bothMain])
        }
    }

    @Test(arguments: Backend.available)
    func theMostMentionedEntitiesAreCountedOverAPeriodOfPublishedItems(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            try await story(1, naming: [entity("OpenAI"), entity("Claude", kind: .product)], in: store, source: source)
            try await story(2, naming: [entity("Claude", kind: .product)], in: store, source: source)
            try await story(3, naming: [entity("Claude", kind: .product), entity("OpenAI")], in: store, source: source)
            try await story(4, naming: [entity("Gemini", kind: .product)], in: store, source: source, stage: .failed)
            try await story(30, naming: [entity("Gemini", kind: .product)], in: store, source: source)

            let day = discovered..<discovered.addingTimeInterval(86_400)
            let counted = try await store.mostMentionedEntities(publishedIn: day, limit: 10)
            #expect(counted.map { "\($0.entity.name)=\($0.items)" } == ["Claude=3", "OpenAI=2"])
            #expect(counted.first?.entity.kind == .product)
            #expect(try await store.mostMentionedEntities(publishedIn: day, limit: 1).count == 1)
        }
    }

    @Test(arguments: Backend.available)
    func theFirstRenderingOfANewNameWinsAndAnOperatorsEntryIsNeverOverwritten(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            let walton = { (rendering: String) in self.entity("Kenji Walton", rendering, kind: .person) }
            let first = try await story(1, naming: [walton("ケンジ・ウォルトン")], in: store, source: source).glossary
            let second = try await story(2, naming: [walton("ケンジ・ワルトン")], in: store, source: source).glossary
            #expect(first.map(\.rendering) == ["ケンジ・ウォルトン"])
            #expect(second.map(\.rendering) == ["ケンジ・ウォルトン"], "the first rendering wins")
            #expect(second.first?.origin == .entity)
            #expect(try await store.headlines(aboutEntity: "ケンジ・ワルトン", limit: 5, offset: 0).count == 2, "every rendering is an alias")

            let key = NameKey.of("Kenji Walton")
            func current() async throws -> GlossaryEntry { try #require(try await store.glossaryEntries().first { $0.key == key }) }
            let seeded = GlossaryEntry(original: "Kenji Walton", rendering: "ケンジ・ウォールトン", kind: .person, origin: .seed)
            #expect(try await store.writeGlossaryEntry(seeded, .replaceUnlessOperator, now: discovered))
            #expect(try await current().previousRenderings == ["ケンジ・ウォルトン"])

            let operators = GlossaryEntry(original: "Kenji Walton", rendering: "ウォルトン・ケンジ", kind: nil, origin: .operator)
            #expect(try await store.writeGlossaryEntry(operators, .replace, now: discovered.addingTimeInterval(1)))
            #expect(try await store.writeGlossaryEntry(seeded, .replaceUnlessOperator, now: discovered.addingTimeInterval(2)) == false)
            #expect(try await store.writeGlossaryEntry(walton("x").asGlossaryEntry, .addIfNew, now: discovered) == false)
            let kept = try await current()
            #expect(kept.rendering == "ウォルトン・ケンジ")
            #expect(kept.origin == .operator)
            #expect(kept.kind == .person, "a write without a kind keeps the one known")
            #expect(kept.previousRenderings == ["ケンジ・ウォルトン", "ケンジ・ウォールトン"])

            // Back to an earlier rendering: it is current again, no longer one to replace.
            _ = try await store.writeGlossaryEntry(
                GlossaryEntry(original: "Kenji Walton", rendering: "ケンジ・ウォルトン", kind: nil, origin: .operator), .replace,
                now: discovered.addingTimeInterval(3))
            #expect(try await current().previousRenderings == ["ケンジ・ウォールトン", "ウォルトン・ケンジ"])
        }
    }

    @Test(arguments: Backend.available)
    func entitiesAreRecordedOnlyByTheHolderOfTheItem(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            let id = try await story(1, naming: [entity("OpenAI")], in: store, source: source).id
            #expect(try await store.recordEntities([entity("Anthropic")], of: id, owner: "someone-else", now: discovered,
                                                   glossaryNames: ["anthropic"]) == nil)
            #expect(try await store.headlines(aboutEntity: "Anthropic", limit: 5, offset: 0).isEmpty)
            #expect(try await store.headlines(aboutEntity: "OpenAI", limit: 5, offset: 0).map(\.id) == [id])
            #expect(try await store.glossaryEntries().map(\.original) == ["OpenAI"])

            // Linked, but kept out of the glossary when the pipeline says so.
            let other = try await story(2, naming: [], in: store, source: source).id
            #expect(try await store.recordEntities([entity("The")], of: other, owner: owner, now: discovered, glossaryNames: []) == [])
            #expect(try await store.headlines(aboutEntity: "The", limit: 5, offset: 0).map(\.id) == [other])
            #expect(try await store.glossaryEntries().map(\.original) == ["OpenAI"])
        }
    }
}

private extension Entity {
    var asGlossaryEntry: GlossaryEntry { GlossaryEntry(original: name, rendering: rendering, kind: kind, origin: .entity) }
}
