import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Store

@Suite struct StoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let giveUp = ClaimLimit(claims: 3, reason: "abandoned by 3 workers")

    func entry(_ number: Int, source: Int64, url: String? = nil) -> DiscoveredItem {
        let link = url ?? "https://news.example/\(number)"
        return DiscoveredItem(sourceID: source, guid: "g\(number)", url: link, canonicalURL: CanonicalURL.canonicalize(link),
                              title: "Story \(number)", summary: "Summary \(number)", contentHTML: "<p>\(number)</p>",
                              author: "Writer", publishedAt: now.addingTimeInterval(Double(number)))
    }

    @Test(arguments: Backend.available)
    func migrationsAreRecordedOnceAndRerunSafely(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let newlyApplied = try await store.migrate()
            #expect(newlyApplied.isEmpty)
            #expect(try await recordedMigrations(store) == Store.migrations.map(\.version))
        }
    }

    @Test(arguments: Backend.available)
    func twoProcessesStartingTogetherMigrateOnce(backend: Backend) async throws {
        try await withTestLocation(backend) { location in
            try await withStores(2, at: location) { stores in
                let recorded = try await recordedMigrations(stores[0])
                #expect(recorded == Store.migrations.map(\.version))
            }
        }
    }

    @Test(arguments: Backend.available)
    func sourcesAreAddedListedAndRefusedTwice(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let added = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.addSource(url: "https://b.example/feed", name: "B", kind: .feed)
            let duplicate = await #expect(throws: StoreError.self) {
                try await store.addSource(url: "https://a.example/feed", name: "again", kind: .feed)
            }
            guard case .duplicateSource(let url) = duplicate else {
                Issue.record("expected duplicateSource, got \(String(describing: duplicate))")
                return
            }
            #expect(url == "https://a.example/feed")
            #expect(try await store.sources().map(\.name) == ["A", "B"])
            #expect(try await store.source(id: added.id)?.url == "https://a.example/feed")
            #expect(try await store.source(id: 999_999) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func fetchHealthRoundTripsAndDecidesWhatIsDue(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            #expect(try await store.dueSources(now: now).map(\.id) == [source.id])
            let health = SourceHealth(
                lastFetchAt: now, lastStatus: 503, itemsFound: 0, newItems: 0, lastError: "the server answered HTTP 503",
                consecutiveFailures: 2, nextFetchAt: now.addingTimeInterval(7200), etag: "\"e1\"",
                lastModified: "Mon, 23 Nov 2026 10:00:00 GMT")
            try await store.recordFetch(sourceID: source.id, health: health)
            #expect(try await store.source(id: source.id)?.health == health)
            #expect(try await store.dueSources(now: now.addingTimeInterval(3600)).isEmpty)
            #expect(try await store.dueSources(now: now.addingTimeInterval(7200)).count == 1)
            let recovered = SourceHealth(lastFetchAt: now, lastStatus: 200, itemsFound: 7, newItems: 3,
                                         nextFetchAt: now.addingTimeInterval(3600))
            try await store.recordFetch(sourceID: source.id, health: recovered)
            #expect(try await store.source(id: source.id)?.health == recovered)

            let missing = await #expect(throws: StoreError.self) {
                try await store.recordFetch(sourceID: 999_999, health: health)
            }
            #expect(missing?.description == "source 999999 does not exist")
        }
    }

    @Test(arguments: Backend.available)
    func theSameCanonicalURLIsStoredOnceAcrossSources(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let a = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            let b = try await store.addSource(url: "https://b.example/feed", name: "B", kind: .feed)
            #expect(try await store.insertDiscovered([entry(1, source: a.id), entry(2, source: a.id)], now: now) == 2)
            let sameStory = entry(3, source: b.id, url: "https://NEWS.example/1?utm_source=b#top")
            #expect(try await store.insertDiscovered([sameStory, entry(4, source: b.id)], now: now) == 1)
            #expect(try await store.countsByStage() == [.discovered: 3])

            // The story keeps both sources, each with the URL it gave; a repeat adds nothing.
            _ = try await store.insertDiscovered([sameStory], now: now.addingTimeInterval(60))
            let story = try #require(try await store.itemID(canonicalURL: "https://news.example/1"))
            #expect(try await store.carriers(of: story) == [
                StoryCarrier(sourceID: a.id, sourceName: "A", url: "https://news.example/1"),
                StoryCarrier(sourceID: b.id, sourceName: "B", url: "https://NEWS.example/1?utm_source=b#top"),
            ])
        }
    }

    @Test(arguments: Backend.available)
    func videoAndDiscussionDetailsAreKept(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            var video = entry(1, source: source.id)
            video.videoID = "dQw4w9WgXcQ"
            video.imageURL = "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
            var discussed = entry(2, source: source.id)
            discussed.commentsURL = "https://news.ycombinator.com/item?id=42"
            discussed.commentCount = 318
            discussed.score = 1204
            _ = try await store.insertDiscovered([video, discussed], now: now)
            let stored = try await store.claim(stages: [.discovered], owner: "t", limit: 2, lease: 60, giveUp: giveUp)
            #expect(stored.map(\.feedEntry) == [video, discussed])
        }
    }

    @Test(arguments: Backend.available)
    func aDuplicateFoundLaterIsFoldedIntoTheStoryItRepeats(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let a = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            let b = try await store.addSource(url: "https://b.example/feed", name: "B", kind: .feed)
            _ = try await store.insertDiscovered([entry(1, source: a.id)], now: now)
            _ = try await store.insertDiscovered([entry(2, source: b.id, url: "https://proxy.example/~r/1")], now: now)
            let survivor = try #require(try await store.itemID(canonicalURL: "https://news.example/1"))
            let duplicate = try #require(try await store.itemID(canonicalURL: "https://proxy.example/~r/1"))
            _ = try await store.claim(stages: [.discovered], owner: "w1", limit: 2, lease: 60, giveUp: giveUp)

            #expect(try await !store.mergeDuplicate(duplicate, into: survivor, owner: "someone else", now: now))
            #expect(try await store.mergeDuplicate(duplicate, into: survivor, owner: "w1", now: now))

            #expect(try await store.carriers(of: survivor).map(\.sourceName) == ["A", "B"])
            let folded = try #require(try await store.item(id: duplicate))
            #expect(folded.stage == .skipped)
            #expect(folded.lastError == "the same story as item #\(survivor)")
            // A skipped item is no longer found as a story, so two pages naming each other
            // canonical cannot fold both away.
            #expect(try await store.itemID(canonicalURL: "https://proxy.example/~r/1") == nil)
        }
    }

    @Test(arguments: Backend.available)
    func largeBatchesAreSplitAndStillSkipDuplicates(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            let batchSize = Store.insertBatchSize
            _ = try await store.insertDiscovered([entry(batchSize, source: source.id)], now: now)
            // One entry stored before, one repeated across the split between statements.
            let entries = (1...(batchSize + 10)).map { entry($0, source: source.id) } + [entry(1, source: source.id)]
            #expect(try await store.insertDiscovered(entries, now: now) == batchSize + 9)
            #expect(try await store.countsByStage() == [.discovered: batchSize + 10])
        }
    }

    @Test(arguments: Backend.available)
    func claimingRespectsStagesLeasesRetriesAndLimit(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered((1...5).map { entry($0, source: source.id) }, now: now)
            let first = try await store.claim(stages: [.discovered], owner: "w1", limit: 2, lease: 60, giveUp: giveUp)
            #expect(first.map(\.feedEntry.title) == ["Story 1", "Story 2"])
            #expect(first.first?.sourceName == "A")
            #expect(try await store.claim(stages: [.fetched], owner: "w2", limit: 10, lease: 60, giveUp: giveUp).isEmpty)
            let rest = try await store.claim(stages: [.discovered], owner: "w2", limit: 10, lease: 100, giveUp: giveUp)
            #expect(rest.count == 3)
            #expect(try await store.leasedCount(stages: [.discovered]) == 5)

            // An expired lease frees the item for another worker, and the old owner's writes are refused.
            try await passTime(61, in: store)
            let takenOver = try await store.claim(stages: [.discovered], owner: "w3", limit: 1, lease: 60, giveUp: giveUp)
            #expect(takenOver.map(\.id) == [first[0].id])
            #expect(try await !store.advance(first[0].id, owner: "w1", to: .fetched, with: ItemUpdate(), now: now))
            #expect(try await store.advance(first[0].id, owner: "w3", to: .fetched, with: ItemUpdate(page: .store("<p>x</p>")), now: now))
            #expect(try await store.item(id: first[0].id)?.pageHTML == "<p>x</p>")

            // A scheduled retry waits until its time.
            #expect(try await store.recordFailure(first[1].id, owner: "w1", reason: "timed out", retryAfter: 30, now: now))
            try await passTime(10, in: store)
            #expect(try await store.claim(stages: [.discovered], owner: "w4", limit: 1, lease: 60, giveUp: giveUp).isEmpty)
            try await passTime(21, in: store)
            let retried = try await store.claim(stages: [.discovered], owner: "w4", limit: 1, lease: 60, giveUp: giveUp)
            #expect(retried.map(\.id) == [first[1].id])
            #expect(retried.first?.attempts == 1)
            #expect(retried.first?.lastError == "timed out")

            // A worker in a long step keeps its hold; nobody else can extend it.
            #expect(try await store.extendLease(rest[0].id, owner: "w2", lease: 600))
            #expect(try await !store.extendLease(rest[0].id, owner: "w5", lease: 600))
            try await passTime(10, in: store)
            let others = try await store.claim(stages: [.discovered], owner: "w5", limit: 10, lease: 60, giveUp: giveUp)
            #expect(Set(others.map(\.id)) == Set(rest.dropFirst().map(\.id)))
        }
    }

    /// A worker that dies holding an item (a crash, the out-of-memory killer) never writes back;
    /// the third claim without a write is the last, and the queue goes on with the next item.
    @Test(arguments: Backend.available)
    func anItemClaimedThreeTimesWithoutAWriteIsGivenUpAndTheQueueGoesOn(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered([entry(1, source: source.id), entry(2, source: source.id)], now: now)
            var poison: Int64?
            for worker in 1...3 {
                let claimed = try await store.claim(stages: [.discovered], owner: "w\(worker)", limit: 1, lease: 60, giveUp: giveUp)
                #expect(claimed.map(\.feedEntry.title) == ["Story 1"], "claim \(worker)")
                poison = claimed.first?.id
                try await passTime(61, in: store)
            }
            let poisonID = try #require(poison)

            let next = try await store.claim(stages: [.discovered], owner: "w4", limit: 1, lease: 60, giveUp: giveUp)
            #expect(next.map(\.feedEntry.title) == ["Story 2"])
            let givenUp = try #require(try await store.item(id: poisonID))
            #expect(givenUp.stage == .failed)
            #expect(givenUp.lastError == "abandoned by 3 workers")
            #expect(try await store.failures(limit: 10).map(\.reason) == ["abandoned by 3 workers"])
            #expect(try await store.leasedCount(stages: [.discovered]) == 1)
        }
    }

    /// Only claims that never came back count: a write by the holder starts the count over.
    @Test(arguments: Backend.available)
    func aWriteBackStartsTheClaimCountOver(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered([entry(1, source: source.id)], now: now)
            for _ in 1...2 {
                #expect(try await store.claim(stages: [.discovered], owner: "lost", limit: 1, lease: 60, giveUp: giveUp).count == 1)
                try await passTime(61, in: store)
            }
            let item = try #require(try await store.claim(stages: [.discovered], owner: "w", limit: 1, lease: 60, giveUp: giveUp).first)
            #expect(try await store.recordFailure(item.id, owner: "w", reason: "timed out", retryAfter: 0, now: now))
            for round in 1...3 {
                let again = try await store.claim(stages: [.discovered], owner: "w\(round)", limit: 1, lease: 60, giveUp: giveUp)
                #expect(again.map(\.id) == [item.id], "claim \(round) after the write")
                try await passTime(61, in: store)
            }
        }
    }

    /// Claims take turns between sources: a flood from one does not hold back the others.
    @Test(arguments: Backend.available)
    func aFloodFromOneSourceDoesNotStarveTheOthers(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let flood = try await store.addSource(url: "https://flood.example/feed", name: "Flood", kind: .feed)
            let quiet = try await store.addSource(url: "https://quiet.example/feed", name: "Quiet", kind: .feed)
            _ = try await store.insertDiscovered((1...1_000).map { entry($0, source: flood.id) }, now: now)
            _ = try await store.insertDiscovered((1...3).map { entry(1_000 + $0, source: quiet.id) }, now: now)

            var firstClaims: [String] = []
            for _ in 1...6 {
                let claimed = try await store.claim(stages: [.discovered], owner: "w", limit: 1, lease: 60, giveUp: giveUp)
                firstClaims += claimed.map(\.sourceName)
            }
            #expect(firstClaims.filter { $0 == "Quiet" }.count == 3, "\(firstClaims)")
            // Each source's own items still go oldest first.
            let rest = try await store.claim(stages: [.discovered], owner: "w", limit: 3, lease: 60, giveUp: giveUp)
            #expect(rest.map(\.feedEntry.title) == ["Story 4", "Story 5", "Story 6"])
        }
    }

    /// A row whose stored article no longer decodes (nested deeper than the decoder accepts, or
    /// simply broken) would fail every claim; it is failed with the reason instead.
    @Test(arguments: Backend.available)
    func anUnreadableStoredArticleFailsItsItemAndTheQueueGoesOn(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered((1...3).map { entry($0, source: source.id) }, now: now)
            let article = Article(title: "T", blocks: [.paragraph([.text("body")])])
            for item in try await store.claim(stages: [.discovered], owner: "w", limit: 2, lease: 60, giveUp: giveUp) {
                #expect(try await store.advance(item.id, owner: "w", to: .extracted, with: ItemUpdate(article: article), now: now))
            }
            let deep = "{\"title\":\"T\",\"blocks\":" + String(repeating: "[", count: 100_000)
                + String(repeating: "]", count: 100_000) + "}"
            for (title, json) in [("Story 1", "{\"title\": [unfinished"), ("Story 2", deep)] {
                try await store.database.raw("UPDATE items SET article_json = \(bind: json) WHERE title = \(bind: title)").run()
            }

            let claimed = try await store.claim(stages: [.discovered, .extracted], owner: "w", limit: 1, lease: 60, giveUp: giveUp)
            #expect(claimed.map(\.feedEntry.title) == ["Story 3"])
            let failures = try await store.failures(limit: 10)
            #expect(failures.count == 2)
            for failure in failures {
                #expect(failure.stage == .failed)
                #expect(failure.reason.hasPrefix("stored article cannot be read: "), "\(failure.reason)")
                #expect(failure.reason.count < 400)
            }
            #expect(try await store.leasedCount(stages: [.extracted]) == 0)
        }
    }

    /// Leases are written and compared with the database's clock, whatever the caller's says.
    @Test(arguments: Backend.available)
    func leasesRunOnTheDatabasesClock(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered([entry(1, source: source.id)], now: now)
            let item = try #require(try await store.claim(stages: [.discovered], owner: "w", limit: 1, lease: 60, giveUp: giveUp).first)
            func remaining() async throws -> Double {
                try #require(try await store.database.raw("""
                    SELECT lease_until - \(unsafeRaw: store.dialect.now) AS remaining FROM items WHERE id = \(bind: item.id)
                    """).first()?.decode(column: "remaining", as: Double.self))
            }
            let claimed = try await remaining()
            #expect(claimed > 0 && claimed <= 60, "\(claimed)")
            #expect(try await store.extendLease(item.id, owner: "w", lease: 600))
            let extended = try await remaining()
            #expect(extended > 540 && extended <= 600, "\(extended)")
        }
    }

    /// Eight workers in two "processes" (two stores, so two connections even on SQLite) claim
    /// one item at a time until the queue is empty.
    @Test(arguments: Backend.available)
    func concurrentClaimersNeverShareAnItem(backend: Backend) async throws {
        try await withTestLocation(backend) { location in try await withStores(2, at: location) { stores in
            let source = try await stores[0].addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await stores[0].insertDiscovered((1...50).map { entry($0, source: source.id) }, now: now)
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<8 {
                    let store = stores[worker % stores.count]
                    group.addTask {
                        var mine: [Int64] = []
                        while let item = try await store.claim(stages: [.discovered], owner: "w\(worker)", limit: 1,
                                                                lease: 600, giveUp: giveUp).first {
                            mine.append(item.id)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 50)
            #expect(Set(claimed).count == 50)
        } }
    }

    @Test(arguments: Backend.available)
    func advanceIsRefusedToAnyoneButTheLeaseOwner(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered([entry(1, source: source.id)], now: now)
            let item = try #require(try await store.claim(stages: [.discovered], owner: "w1", limit: 1, lease: 60, giveUp: giveUp).first)
            #expect(try await !store.advance(item.id, owner: "w2", to: .fetched, with: ItemUpdate(page: .store("<p>x</p>")), now: now))
            #expect(try await !store.recordFailure(item.id, owner: "w2", reason: "no", retryAfter: nil, now: now))
            let unchanged = try #require(try await store.item(id: item.id))
            #expect(unchanged.stage == .discovered)
            #expect(unchanged.pageHTML == nil)
            #expect(unchanged.attempts == 0)
            // Still held by w1: nobody else can claim it.
            #expect(try await store.claim(stages: [.discovered], owner: "w2", limit: 1, lease: 60, giveUp: giveUp).isEmpty)
            #expect(try await store.advance(item.id, owner: "w1", to: .fetched, with: ItemUpdate(page: .store("<p>x</p>")), now: now))
        }
    }

    @Test(arguments: Backend.available)
    func theStoredPageIsDroppedOnlyWhenTheUpdateSaysSo(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered([entry(1, source: source.id)], now: now)
            let item = try #require(try await store.claim(stages: [.discovered], owner: "w", limit: 1, lease: 60, giveUp: giveUp).first)
            #expect(try await store.advance(item.id, owner: "w", to: .fetched, with: ItemUpdate(page: .store("<p>page</p>")), now: now))
            let fetched = try #require(try await store.claim(stages: [.fetched], owner: "w", limit: 1, lease: 60, giveUp: giveUp).first)
            #expect(fetched.pageHTML == "<p>page</p>")
            let article = Article(title: "T", blocks: [.paragraph([.text("body")])])
            #expect(try await store.advance(item.id, owner: "w", to: .extracted, with: ItemUpdate(article: article), now: now))
            #expect(try await store.item(id: item.id)?.pageHTML == "<p>page</p>")

            let extracted = try #require(try await store.claim(stages: [.extracted], owner: "w", limit: 1, lease: 60, giveUp: giveUp).first)
            #expect(try await store.advance(extracted.id, owner: "w", to: .analysed, with: ItemUpdate(page: .drop), now: now))
            let analysed = try #require(try await store.item(id: item.id))
            #expect(analysed.pageHTML == nil)
            #expect(analysed.article == article)
        }
    }

    @Test(arguments: Backend.available)
    func retriesWaitInTheirStageAndFinalFailuresFail(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered([entry(1, source: source.id), entry(2, source: source.id)], now: now)
            let items = try await store.claim(stages: [.discovered], owner: "w", limit: 2, lease: 60, giveUp: giveUp)
            #expect(try await store.recordFailure(items[0].id, owner: "w", reason: "timed out", retryAfter: 30, now: now))
            #expect(try await store.recordFailure(items[1].id, owner: "w", reason: "no text", retryAfter: nil, now: now.addingTimeInterval(1)))

            let retrying = try #require(try await store.item(id: items[0].id))
            #expect(retrying.stage == .discovered)
            #expect(retrying.attempts == 1)
            #expect(retrying.lastError == "timed out")
            let failed = try #require(try await store.item(id: items[1].id))
            #expect(failed.stage == .failed)
            #expect(failed.attempts == 1)
            #expect(try await store.countsByStage() == [.discovered: 1, .failed: 1])

            // Both show up, newest first; the retry only until it succeeds.
            #expect(try await store.failures(limit: 10).map(\.reason) == ["no text", "timed out"])
            #expect(try await store.failures(limit: 1).map(\.itemID) == [items[1].id])
            try await passTime(30, in: store)
            let retried = try #require(try await store.claim(stages: [.discovered], owner: "w", limit: 1, lease: 60,
                                                             giveUp: giveUp).first)
            #expect(try await store.advance(retried.id, owner: "w", to: .fetched, with: ItemUpdate(), now: now.addingTimeInterval(31)))
            let afterSuccess = try #require(try await store.item(id: retried.id))
            #expect(afterSuccess.attempts == 0)
            #expect(afterSuccess.lastError == nil)
            #expect(try await store.failures(limit: 10).map(\.itemID) == [items[1].id])
        }
    }

    @Test(arguments: Backend.available)
    func pendingCountsWhatAClaimWouldTakeNow(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered((1...4).map { entry($0, source: source.id) }, now: now)
            #expect(try await store.pendingCount(stages: [.discovered]) == 4)
            #expect(try await store.pendingCount(stages: [.fetched]) == 0)
            #expect(try await store.pendingCount(stages: []) == 0)

            let held = try await store.claim(stages: [.discovered], owner: "w", limit: 2, lease: 60, giveUp: giveUp)
            #expect(try await store.recordFailure(held[0].id, owner: "w", reason: "later", retryAfter: 30, now: now))
            #expect(try await store.pendingCount(stages: [.discovered]) == 2)
            #expect(try await store.leasedCount(stages: [.discovered]) == 1)
            // The retry comes due, and the lease of a worker that died runs out.
            try await passTime(61, in: store)
            #expect(try await store.pendingCount(stages: [.discovered]) == 4)
            #expect(try await store.leasedCount(stages: [.discovered]) == 0)
        }
    }

    @Test(arguments: Backend.available)
    func countsByStageCountsEveryStageWithItems(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            #expect(try await store.countsByStage().isEmpty)
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered((1...5).map { entry($0, source: source.id) }, now: now)
            let items = try await store.claim(stages: [.discovered], owner: "w", limit: 3, lease: 60, giveUp: giveUp)
            #expect(try await store.advance(items[0].id, owner: "w", to: .fetched, with: ItemUpdate(), now: now))
            #expect(try await store.advance(items[1].id, owner: "w", to: .fetched, with: ItemUpdate(), now: now))
            #expect(try await store.advance(items[2].id, owner: "w", to: .skipped, with: ItemUpdate(), now: now))
            #expect(try await store.countsByStage() == [.discovered: 2, .fetched: 2, .skipped: 1])
        }
    }

    @Test(arguments: Backend.available)
    func failuresAreFinalWithoutRetryAndListedWithTheirReason(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered([entry(1, source: source.id)], now: now)
            let item = try #require(try await store.claim(stages: [.discovered], owner: "w", limit: 1, lease: 60, giveUp: giveUp).first)
            #expect(try await store.recordFailure(item.id, owner: "w", reason: "extraction: no text", retryAfter: nil, now: now))
            #expect(try await store.countsByStage() == [.failed: 1])
            let failures = try await store.failures(limit: 10)
            #expect(failures.map(\.reason) == ["extraction: no text"])
            #expect(failures.first?.stage == .failed)
            #expect(failures.first?.attempts == 1)
        }
    }

    @Test(arguments: Backend.available)
    func payloadsRoundTripAndPublishingHappensOnce(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            var undated = entry(3, source: source.id)
            undated.publishedAt = nil
            _ = try await store.insertDiscovered([entry(1, source: source.id), entry(2, source: source.id), undated], now: now)
            let article = Article(title: "T", author: "W", publishedAt: now, language: "en", blocks: [
                .heading(level: 2, [.text("H")]),
                .paragraph([.text("a "), .link(href: "https://x.example", [.emphasis([.text("b")])]), .code("c")]),
                .list(ordered: true, items: [[.text("1")], [.strong([.text("2")])]]),
                .code(language: "swift", text: "let x = 1\n"),
                .figure(src: "https://x.example/i.png", alt: "alt", caption: [.text("cap")]),
            ])
            let analysis = Analysis(
                title: "見出し", tldr: "要約", keyPoints: [KeyPoint(heading: "一", body: "本文")], impact: "影響",
                editorial: "論評", tags: ["AI"], scores: AxisScores(depth: 5, relevance: 5, practicality: 3, novelty: 2),
                analysedAt: now, model: "m")
            let translation = Translation(language: "ja", blocks: [.paragraph([.text("訳")])], translatedAt: now, model: "m")
            let publicationTimes = [now, now, now.addingTimeInterval(100)]
            let claimed = try await store.claim(stages: [.discovered], owner: "w", limit: 3, lease: 60, giveUp: giveUp)
            for (item, publishedAt) in zip(claimed, publicationTimes) {
                let update = ItemUpdate(article: article, analysis: analysis, translation: translation)
                #expect(try await store.advance(item.id, owner: "w", to: .published, with: update, now: publishedAt))
            }
            #expect(try await store.headlines(limit: 10, offset: 0).count == 3)
            let first = try #require(try await store.item(id: claimed[0].id))
            #expect(first.stage == .published)
            #expect(first.article == article)
            #expect(first.analysis == analysis)
            #expect(first.translation == translation)
            #expect(first.publishedAt == now)
            #expect(first.sourceName == "A")
            #expect(try await store.claim(stages: Stage.workable, owner: "w", limit: 10, lease: 60, giveUp: giveUp).isEmpty)

            // Finished items are never claimed; and should a holder publish one a second time, the
            // item keeps the time it was first published.
            #expect(try await store.claim(stages: [.published], owner: "w", limit: 1, lease: 60, giveUp: giveUp).isEmpty)
            try await store.database.raw("UPDATE items SET lease_owner = 'w' WHERE id = \(bind: first.id)").run()
            #expect(try await store.advance(first.id, owner: "w", to: .published, with: ItemUpdate(), now: now.addingTimeInterval(500)))
            #expect(try await store.item(id: first.id)?.publishedAt == now)
            #expect(try await store.item(id: first.id)?.article == article)
        }
    }

    @Test(arguments: Backend.available)
    func refusalsByTheDatabaseCarryItsMessage(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let error = await #expect(throws: StoreError.self) {
                try await store.insertDiscovered([entry(1, source: 999_999)], now: now)
            }
            let description = error?.description.lowercased() ?? ""
            #expect(description.hasPrefix("database error: storing discovered items: "))
            #expect(description.contains("foreign key"))
        }
    }

    @Test func databaseErrorsSayWhatTheStoreWasDoing() async throws {
        let missingFolder = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID().uuidString)/db.sqlite")
        let sqliteError = await #expect(throws: StoreError.self) {
            try await Store.open(.sqlite(path: missingFolder.path), logger: TestDatabase.logger)
        }
        #expect(sqliteError?.description.hasPrefix("database error: opening the SQLite file") == true)

        // Port 1 on loopback refuses connections; the reason must not be PostgresNIO's generic text.
        let postgresError = await #expect(throws: StoreError.self) {
            try await Store.open(.postgres(url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable"), logger: TestDatabase.logger)
        }
        let reason = postgresError?.description ?? ""
        #expect(reason.hasPrefix("database error: "))
        #expect(!reason.contains("Generic description"))
    }

    @Test func locationsParse() throws {
        #expect(try DatabaseLocation(parsing: "./kawaraban.sqlite") == .sqlite(path: "./kawaraban.sqlite"))
        #expect(try DatabaseLocation(parsing: "postgres://u:p@db:5432/k") == .postgres(url: "postgres://u:p@db:5432/k"))
        #expect(try DatabaseLocation(parsing: "postgresql://u@db/k") == .postgres(url: "postgresql://u@db/k"))
        #expect(throws: StoreError.self) { try DatabaseLocation(parsing: "mysql://db/k") }
        #expect(throws: StoreError.self) { try DatabaseLocation(parsing: "  ") }
        #expect(DatabaseLocation.postgres(url: "postgres://u:secret@db/k").description == "PostgreSQL postgres://u:***@db/k")
    }
}
