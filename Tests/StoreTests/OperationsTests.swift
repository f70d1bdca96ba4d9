import Foundation
import KawarabanCore
import Logging
import Testing
import TestSupport
@testable import Store

/// The operator's levers on a real database: requeue, unpublish, remove a source, drop old pages,
/// the merges listed apart from failures, the LLM pause row, and opening without migrating.
@Suite struct OperationsTests {
    static let logger = Logger(label: "operations-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let giveUp = ClaimLimit(claims: 3, reason: "abandoned by 3 workers")
    let article = Article(title: "A", blocks: [.paragraph([.text("text")])], path: .page)

    func entry(_ number: Int, source: Int64) -> DiscoveredItem {
        let link = "https://news.example/\(number)"
        return DiscoveredItem(sourceID: source, guid: "g\(number)", url: link, canonicalURL: link, title: "Story \(number)")
    }

    /// Moves item `id` one step to `stage` with `update`, as a worker would.
    func step(_ store: Store, _ id: Int64, to stage: Stage, _ update: ItemUpdate = ItemUpdate()) async throws {
        let claimed = try await store.claim(stages: Stage.workable, owner: "w", limit: 100, lease: 60, giveUp: giveUp)
        #expect(claimed.contains { $0.id == id })
        #expect(try await store.advance(id, owner: "w", to: stage, with: update, now: now))
        for other in claimed where other.id != id {
            _ = try await store.deferItem(other.id, owner: "w", reason: "not this test's item", retryAfter: 0, now: now)
        }
    }

    func fail(_ store: Store, _ id: Int64, at time: Date) async throws {
        let claimed = try await store.claim(stages: Stage.workable, owner: "w", limit: 100, lease: 60, giveUp: giveUp)
        for item in claimed {
            if item.id == id {
                #expect(try await store.recordFailure(id, owner: "w", reason: "extraction: too little text", retryAfter: nil, now: time))
            } else {
                _ = try await store.deferItem(item.id, owner: "w", reason: "not this test's item", retryAfter: 0, now: time)
            }
        }
    }

    /// Source "A" with `count` discovered stories; returns their ids in order.
    func discovered(_ count: Int, in store: Store) async throws -> [Int64] {
        let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
        _ = try await store.insertDiscovered((1...count).map { entry($0, source: source.id) }, now: now)
        return try await ids(store)
    }

    func ids(_ store: Store) async throws -> [Int64] {
        try await store.database.raw("SELECT id FROM items ORDER BY id").all().map { try $0.decode(column: "id", as: Int64.self) }
    }

    @Test(arguments: Backend.available)
    func aFailedItemGoesBackToTheStageItFailedInWithItsAttemptsReset(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let all = try await discovered(2, in: store)
            let (first, second) = (all[0], all[1])
            try await step(store, first, to: .fetched, ItemUpdate(page: .store("<html>page</html>")))
            try await step(store, first, to: .extracted, ItemUpdate(article: article))
            try await fail(store, first, at: now)
            try await fail(store, second, at: now)

            let one = try await store.requeue(itemID: first, now: now)
            #expect(one.stage == .extracted)
            let requeued = try #require(try await store.item(id: first))
            #expect(requeued.stage == .extracted)
            #expect(requeued.attempts == 0)
            #expect(requeued.lastError == nil)
            #expect(try await store.claim(stages: [.extracted], owner: "w2", limit: 1, lease: 60, giveUp: giveUp).first?.id == first)

            #expect(try await store.requeueFailed(now: now).map(\.stage) == [.discovered])
            #expect(try await store.countsByStage()[.failed] == nil)

            let refused = await #expect(throws: StoreError.self) { try await store.requeue(itemID: 999_999, now: now) }
            #expect(refused?.description == "item #999999 does not exist")
        }
    }

    @Test(arguments: Backend.available)
    func anUnpublishedItemLeavesTheSiteStaysStoredAndIsNeverClaimed(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let id = try await discovered(1, in: store)[0]
            let analysis = Analysis(
                title: "見出し", tldr: "要約", keyPoints: [], impact: "影響", editorial: "論評", tags: [],
                scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3), analysedAt: now, model: "m")
            try await step(store, id, to: .published, ItemUpdate(analysis: analysis))
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [id])

            try await store.unpublish(itemID: id, now: now)

            #expect(try await store.headlines(limit: 10, offset: 0).isEmpty)
            #expect(try await store.item(id: id)?.stage == .unpublished)
            #expect(try await store.claim(stages: Stage.workable, owner: "w", limit: 10, lease: 60, giveUp: giveUp).isEmpty)
            let again = await #expect(throws: StoreError.self) { try await store.unpublish(itemID: id, now: now) }
            #expect(again?.description == "item #\(id) is unpublished, not published")
            let requeue = await #expect(throws: StoreError.self) { try await store.requeue(itemID: id, now: now) }
            #expect(requeue?.description.contains("only failed items") == true)
        }
    }

    @Test(arguments: Backend.available)
    func aRemovedSourceKeepsItsArticlesHandsOverSharedStoriesAndDropsTheRest(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let removed = try await store.addSource(url: "https://a.example/feed", name: "Gone Wire", kind: .feed)
            let other = try await store.addSource(url: "https://b.example/feed", name: "Other", kind: .feed)
            _ = try await store.insertDiscovered((1...3).map { entry($0, source: removed.id) }, now: now)
            // Story 3 is carried by the other source too.
            _ = try await store.insertDiscovered([entry(3, source: other.id)], now: now.addingTimeInterval(1))
            let all = try await ids(store)
            try await step(store, all[0], to: .published)

            let removal = try await store.removeSource(id: removed.id, now: now)

            #expect(removal.keptArticles == 1)
            #expect(removal.handedOver == 1)
            #expect(removal.dropped == 1)
            #expect(try await ids(store) == [all[0], all[2]])
            #expect(try await store.item(id: all[0])?.sourceName == "Gone Wire", "the article is still credited")
            #expect(try await store.item(id: all[2])?.sourceName == "Other")
            #expect(try await store.carriers(of: all[2]).map(\.sourceName) == ["Other"])
            #expect(try await store.sources().map(\.id) == [other.id])
            #expect(try await store.dueSources(now: now).map(\.id) == [other.id])
            #expect(try await store.source(id: removed.id) == nil)

            // Repeating it finishes nothing new; adding the URL again brings the source back.
            #expect(try await store.removeSource(id: removed.id, now: now).dropped == 0)
            let back = try await store.addSource(url: "https://a.example/feed", name: "Back Wire", kind: .feed)
            #expect(back.id == removed.id)
            #expect(try await store.item(id: all[0])?.sourceName == "Back Wire")
        }
    }

    @Test(arguments: Backend.available)
    func storedPagesOfItemsFailedBeforeTheCutoffAreDropped(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let all = try await discovered(2, in: store)
            let page = "<html>" + String(repeating: "é", count: 500) + "</html>"
            try await step(store, all[0], to: .fetched, ItemUpdate(page: .store(page)))
            try await step(store, all[1], to: .fetched, ItemUpdate(page: .store(page)))
            let later = now.addingTimeInterval(40 * 86_400)
            try await fail(store, all[0], at: now)
            try await fail(store, all[1], at: later)

            let dropped = try await store.dropStoredPages(ofFailedItemsChangedBefore: later.addingTimeInterval(-30 * 86_400))

            #expect(dropped == DroppedPages(items: 1, bytes: page.utf8.count))
            #expect(try await store.item(id: all[0])?.pageHTML == nil)
            #expect(try await store.item(id: all[0])?.stage == .failed, "the item and its reason stay")
            #expect(try await store.item(id: all[1])?.pageHTML == page)
            #expect(try await store.requeue(itemID: all[0], now: now).stage == .discovered, "fetched again on requeue")
            #expect(try await store.requeue(itemID: all[1], now: now).stage == .fetched)
        }
    }

    @Test(arguments: Backend.available)
    func mergedStoriesAreListedAsMergesNotFailures(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let all = try await discovered(2, in: store)
            _ = try await store.claim(stages: [.discovered], owner: "w", limit: 10, lease: 60, giveUp: giveUp)
            #expect(try await store.mergeDuplicate(all[1], into: all[0], owner: "w", now: now))

            #expect(try await store.failures(limit: 10).isEmpty)
            let merge = try #require(try await store.merges(limit: 10).first)
            #expect(merge.itemID == all[1])
            #expect(merge.mergedInto == all[0])
        }
    }

    @Test(arguments: Backend.available)
    func theLLMCircuitIsWrittenOnlyOverTheVersionItWasReadAt(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let read = try await store.llmCircuit()
            #expect(read.state == LLMCircuitState())
            let paused = LLMCircuitState(consecutiveFailures: 5, pauses: 1, pausedSince: now,
                                         nextProbeAt: now.addingTimeInterval(60), lastError: "HTTP 500")
            #expect(try await store.replaceLLMCircuit(paused, ifVersion: read.version))
            #expect(try await !store.replaceLLMCircuit(LLMCircuitState(), ifVersion: read.version), "a stale write is refused")
            #expect(try await store.llmCircuit().state == paused)
        }
    }

    @Test(arguments: Backend.available)
    func aProcessThatMayNotMigrateRefusesAnOutdatedSchemaAndChangesNothing(backend: Backend) async throws {
        try await withTestLocation(backend) { location in
            let refused = await #expect(throws: StoreError.self) {
                try await Store.open(location, logger: Self.logger, schema: .requireCurrent)
            }
            #expect(refused?.description.contains("kawaraban migrate") == true, "\(refused?.description ?? "no error")")
            let untouched = try await Store.open(location, logger: Self.logger, schema: .leaveAsIs)
            let pending = try await untouched.pendingMigrations()
            #expect(pending == Store.migrations.map(\.version))
            #expect(try await untouched.migrate() == pending)
            try await untouched.close()
            let current = try await Store.open(location, logger: Self.logger, schema: .requireCurrent)
            #expect(try await current.pendingMigrations().isEmpty)
            try await current.close()
        }
    }
}
