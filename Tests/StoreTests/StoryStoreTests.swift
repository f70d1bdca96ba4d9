import Foundation
import KawarabanCore
import Synchronization
import Testing
import TestSupport
@testable import Store

/// Stories on both backends: grouping an item as it is published, the lead (most important, then
/// earliest), lists showing a story once, the operator's split and its pin, 続報 threads newest
/// first, the candidates the grouping compares, and what a crash between steps leaves.
@Suite struct StoryStoreTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)
    let owner = "story-tests"
    let openAI = Entity(name: "OpenAI", kind: .company, rendering: "OpenAI", main: true)
    let anthropic = Entity(name: "Anthropic", kind: .company, rendering: "Anthropic", main: true)

    func at(hours: Double) -> Date { start.addingTimeInterval(hours * 3600) }

    /// An item about `entities` that appeared `hours` after `start`, translated and held by `owner`,
    /// as the worker holds it before publication.
    func translated(_ name: String, source: Int64, hours: Double, importance: Int = 3, entities: [Entity]? = nil,
                    in store: Store) async throws -> Int64 {
        let url = "https://news.example/\(name)"
        let when = at(hours: hours)
        _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url,
                                                             title: "Story \(name)", author: nil, publishedAt: when)], now: when)
        let id = try #require(try await store.itemID(canonicalURL: url))
        let analysis = Analysis(title: "見出し \(name)", tldr: "要約", keyPoints: [KeyPoint(heading: "一", body: "本文")],
                                impact: "影響", editorial: "論評", tags: ["AI"], entities: entities ?? [openAI],
                                scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3), analysedAt: when, model: "m")
        try await store.database.raw("""
            UPDATE items SET stage = \(bind: Stage.translated.rawValue), analysis_json = \(bind: try Store.json(analysis)),
                article_json = \(bind: try Store.json(Article(title: "Story \(name)", blocks: [.paragraph([.text("Text of \(name)")])]))),
                translation_json = \(bind: try Store.json(Translation(language: "ja", blocks: [], translatedAt: when, model: "m"))),
                importance = \(bind: importance), lease_owner = \(bind: owner)
            WHERE id = \(bind: id)
            """).run()
        _ = try #require(try await store.recordEntities(entities ?? [openAI], of: id, owner: owner, now: when, glossaryNames: []))
        return id
    }

    /// Groups the held item as the worker does (unless `placement` is nil: an item published before
    /// stories existed), then publishes it.
    func publish(_ id: Int64, _ placement: StoryPlacement?, in store: Store) async throws {
        if let placement {
            #expect(try await store.placeInStory(id, placement, signature: "signature-\(id)", owner: owner, now: start))
        }
        #expect(try await store.advance(id, owner: owner, to: .published, with: ItemUpdate(), now: start))
    }

    func sources(_ count: Int, in store: Store) async throws -> [Int64] {
        var ids: [Int64] = []
        for number in 1...count {
            ids.append(try await store.addSource(url: "https://outlet\(number).example/feed", name: "Outlet \(number)", kind: .feed).id)
        }
        return ids
    }

    func storyCount(_ store: Store) async throws -> Int {
        try #require(try await store.database.raw("SELECT COUNT(*) AS count FROM stories").first()).decode(column: "count", as: Int.self)
    }

    @Test(arguments: Backend.available)
    func reportsOfOneEventAreListedOnceByTheMostImportantEarliestOfThem(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let outlets = try await sources(3, in: store)
            // Published before stories existed: it gets a story when another joins it.
            let first = try await translated("a", source: outlets[0], hours: 0, importance: 3, in: store)
            try await publish(first, nil, in: store)
            let second = try await translated("b", source: outlets[1], hours: 1, importance: 5, in: store)
            try await publish(second, .sameStory(as: first), in: store)
            let third = try await translated("c", source: outlets[2], hours: 2, importance: 5, in: store)
            try await publish(third, .sameStory(as: first), in: store)

            let elsewhere = try await translated("d", source: outlets[0], hours: 3, importance: 2, in: store)
            try await publish(elsewhere, .alone, in: store)
            #expect(try await store.relatedArticles(of: first, limit: 10).map(\.id) == [elsewhere], "its own story is credited, not related")
            #expect(try await store.relatedArticles(of: elsewhere, limit: 10).map(\.id) == [second], "another story, by its lead")

            #expect(try await storyCount(store) == 2)
            let listed = try await store.headlines(limit: 10, offset: 0)
            #expect(listed.map(\.id) == [elsewhere, second], "the earlier of the two most important")
            #expect(listed.map(\.otherOutlets) == [0, 2])
            #expect(try await store.headlines(matching: ListingFilter(minimumImportance: 3), limit: 10, offset: 0).map(\.id) == [second])
            let context = try #require(try await store.storyContext(ofItem: first))
            #expect(context.lead.id == second)
            #expect(context.others.map(\.id) == [first, third])
            #expect(context.thread.isEmpty)
            let changes = try await store.siteChanges(after: 0, limit: 100)
            #expect(changes.contains { $0.itemID == first && $0.kind == .rewritten }, "the first report's page now credits others")
        }
    }

    @Test(arguments: Backend.available)
    func aSplitItemLeavesItsStoryForGoodAndTheStoryKeepsItsBestLead(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let outlets = try await sources(3, in: store)
            let first = try await translated("a", source: outlets[0], hours: 0, importance: 3, in: store)
            try await publish(first, .alone, in: store)
            let wrong = try await translated("b", source: outlets[1], hours: 1, importance: 5, in: store)
            try await publish(wrong, .sameStory(as: first), in: store)
            let third = try await translated("c", source: outlets[2], hours: 2, importance: 4, in: store)
            try await publish(third, .sameStory(as: first), in: store)
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [wrong])

            let split = try #require(try await store.split(wrong, now: start))
            #expect(split.remainingLead == third)
            #expect(split.toStory != split.fromStory)
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [third, wrong])
            #expect(try await store.storyNeighbourhood(of: wrong, window: 86_400, limit: 5)?.pinned == true)
            #expect(try await store.storyContext(ofItem: wrong) == nil, "alone, with no thread")
            #expect(try await store.split(wrong, now: start) == nil, "nothing left to split")
            #expect(try await store.split(999_999, now: start) == nil)
            let summaries = try await store.storySummaries(changedSince: start.addingTimeInterval(-1))
            #expect(summaries.map { $0.members.map(\.itemID) } == [[third, first]])

            try await store.unpublish(itemID: third, now: start)
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [wrong, first], "the story passes to its next best")
        }
    }

    @Test(arguments: Backend.available)
    func developmentsJoinTheThreadOfItsFirstStoryAndAreShownNewestFirst(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let outlet = try await sources(1, in: store)[0]
            let launch = try await translated("launch", source: outlet, hours: 0, in: store)
            try await publish(launch, .alone, in: store)
            let benchmarks = try await translated("benchmarks", source: outlet, hours: 48, in: store)
            try await publish(benchmarks, .followUp(of: launch), in: store)
            let lawsuit = try await translated("lawsuit", source: outlet, hours: 96, in: store)
            try await publish(lawsuit, .followUp(of: benchmarks), in: store)

            let threads = try await store.database.raw("""
                SELECT items.id, stories.thread_id FROM items JOIN stories ON stories.id = items.story_id ORDER BY items.id
                """).all().map { try $0.decode(column: "thread_id", as: Int64?.self) }
            let root = try #require(try await store.storyContext(ofItem: launch)?.storyID)
            #expect(threads == [nil, root, root], "every development links the thread's first story")
            for item in [launch, benchmarks, lawsuit] {
                #expect(try await store.storyContext(ofItem: item)?.thread.map(\.id) == [lawsuit, benchmarks, launch])
            }
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [lawsuit, benchmarks, launch])

            // A report of an earlier event published late starts the thread, which moves under it.
            let rumour = try await translated("rumour", source: outlet, hours: -24, in: store)
            try await publish(rumour, .followUp(of: benchmarks), in: store)
            let newRoot = try #require(try await store.storyContext(ofItem: rumour)?.storyID)
            let moved = try await store.database.raw("""
                SELECT stories.thread_id FROM items JOIN stories ON stories.id = items.story_id ORDER BY items.id
                """).all().map { try $0.decode(column: "thread_id", as: Int64?.self) }
            #expect(moved == [newRoot, newRoot, newRoot, nil])
            #expect(try await store.storyContext(ofItem: lawsuit)?.thread.map(\.id) == [lawsuit, benchmarks, launch, rumour])
        }
    }

    @Test(arguments: Backend.available)
    func theCandidatesShareAnEntityFallInTheWindowAndComeNewestFirst(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let outlet = try await sources(1, in: store)[0]
            let older = try await translated("older", source: outlet, hours: -400, in: store)
            try await publish(older, .alone, in: store)
            let first = try await translated("first", source: outlet, hours: 0, in: store)
            try await publish(first, .alone, in: store)
            let other = try await translated("other", source: outlet, hours: 1, entities: [anthropic], in: store)
            try await publish(other, .alone, in: store)
            let waiting = try await translated("waiting", source: outlet, hours: 2, in: store)
            let grouped = try await translated("grouped", source: outlet, hours: 3, in: store)
            #expect(try await store.placeInStory(grouped, .alone, signature: "s", owner: owner, now: start))
            let subject = try await translated("subject", source: outlet, hours: 4, in: store)

            let found = try #require(try await store.storyNeighbourhood(of: subject, window: 14 * 86_400, limit: 10))
            #expect(found.subject.itemID == subject && !found.pinned)
            #expect(found.subject.entities == [openAI])
            #expect(found.candidates.map(\.itemID) == [grouped, first], "not \(waiting), \(other) nor \(older)")
            #expect(found.candidates.first?.signature == "s")
            #expect(found.candidates.last?.article?.plainText == "Text of first")
            #expect(try await store.storyNeighbourhood(of: subject, window: 14 * 86_400, limit: 1)?.candidates.map(\.itemID) == [grouped])
            #expect(try await store.storyNeighbourhood(of: 999_999, window: 86_400, limit: 1) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func anArticleNamingAnEntityInAnotherLanguageIsACandidateUnderTheStoredName(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let outlet = try await sources(1, in: store)[0]
            let altman = Entity(name: "Sam Altman", kind: .person, rendering: "サム・アルトマン", main: true)
            let english = try await translated("english", source: outlet, hours: 0, entities: [altman], in: store)
            try await publish(english, .alone, in: store)
            let japanese = try await translated("japanese", source: outlet, hours: 2, entities: [
                Entity(name: "サム・アルトマン", kind: .person, rendering: "サム・アルトマン", main: true),
            ], in: store)

            let found = try #require(try await store.storyNeighbourhood(of: japanese, window: 86_400, limit: 10))
            #expect(found.candidates.map(\.itemID) == [english])
            #expect(found.subject.entities.map(\.name) == ["Sam Altman"])
            #expect(found.candidates.first?.entities.map(\.name) == ["Sam Altman"])
        }
    }

    @Test(arguments: Backend.available)
    func aGroupingCutShortLeavesTheStoryShownAndARepeatReusesWhatItMade(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let outlets = try await sources(2, in: store)
            let first = try await translated("a", source: outlets[0], hours: 0, importance: 3, in: store)
            try await publish(first, .alone, in: store)
            let second = try await translated("b", source: outlets[1], hours: 1, importance: 5, in: store)

            // Grouped alone, then the process died before publishing: the repeat reuses the story.
            #expect(try await store.placeInStory(second, .alone, signature: "s", owner: owner, now: start))
            #expect(try await store.placeInStory(second, .alone, signature: "s", owner: owner, now: start))
            #expect(try await storyCount(store) == 2)
            // A worker that lost the item changes nothing.
            #expect(try await store.placeInStory(second, .sameStory(as: first), signature: "s", owner: "someone else", now: start) == false)
            #expect(try await store.storyContext(ofItem: first) == nil)

            // Joined, then died before publishing: the story is still shown by its published lead.
            #expect(try await store.placeInStory(second, .sameStory(as: first), signature: "s", owner: owner, now: start))
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [first])
            // Published, then died before the lead was chosen again: still shown once, by the old lead.
            try await store.database.raw("""
                UPDATE items SET stage = \(bind: Stage.published.rawValue), lease_owner = NULL WHERE id = \(bind: second)
                """).run()
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [first])
            // The next change to the story chooses the lead again.
            try await store.refreshStory(ofItem: second, now: start)
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [second])
        }
    }

    /// Two groupings at once on PostgreSQL (two worker processes): the second starts when the first is done.
    @Test(arguments: Backend.available.filter { $0 == .postgres })
    func groupingsOfTwoProcessesTakeTurns(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let order = Mutex<[String]>([])
            async let first: Void = store.whileGroupingStories {
                order.withLock { $0.append("first began") }
                try await Task.sleep(for: .milliseconds(400))
                order.withLock { $0.append("first ended") }
            }
            try await Task.sleep(for: .milliseconds(150))
            let second: Void = try await store.whileGroupingStories {
                order.withLock { $0 += ["second began", "second ended"] }
            }
            _ = (try await first, second)
            #expect(order.withLock { $0 } == ["first began", "first ended", "second began", "second ended"])
        }
    }
}
