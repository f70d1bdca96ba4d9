import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Store

@Suite struct StoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func entry(_ number: Int, source: Int64, url: String? = nil) -> DiscoveredItem {
        let link = url ?? "https://news.example/\(number)"
        return DiscoveredItem(sourceID: source, guid: "g\(number)", url: link, canonicalURL: CanonicalURL.canonicalize(link),
                              title: "Story \(number)", summary: "Summary \(number)", contentHTML: "<p>\(number)</p>",
                              author: "Writer", publishedAt: now.addingTimeInterval(Double(number)))
    }

    @Test(arguments: Backend.available)
    func migrationsAreRecordedOnceAndRerunSafely(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            #expect(try await store.migrate().isEmpty)
            let versions = try await store.database.raw("SELECT version FROM kawaraban_migrations").all()
                .map { try $0.decode(column: "version", as: Int.self) }
            #expect(versions == Store.migrations.map(\.version))
        }
    }

    @Test(arguments: Backend.available)
    func sourcesAreAddedListedAndRefusedTwice(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let added = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.addSource(url: "https://b.example/feed", name: "B", kind: .feed)
            await #expect(throws: StoreError.self) {
                try await store.addSource(url: "https://a.example/feed", name: "again", kind: .feed)
            }
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
        }
    }

    @Test(arguments: Backend.available)
    func claimingRespectsStagesLeasesRetriesAndLimit(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered((1...5).map { entry($0, source: source.id) }, now: now)
            let first = try await store.claim(stages: [.discovered], owner: "w1", limit: 2, lease: 60, now: now)
            #expect(first.map(\.feedEntry.title) == ["Story 1", "Story 2"])
            #expect(first.first?.sourceName == "A")
            #expect(try await store.claim(stages: [.fetched], owner: "w2", limit: 10, lease: 60, now: now).isEmpty)
            let rest = try await store.claim(stages: [.discovered], owner: "w2", limit: 10, lease: 60, now: now)
            #expect(rest.count == 3)
            #expect(try await store.leasedCount(stages: [.discovered], now: now) == 5)

            // An expired lease frees the item for another worker, and the old owner's writes are refused.
            let later = now.addingTimeInterval(61)
            let takenOver = try await store.claim(stages: [.discovered], owner: "w3", limit: 1, lease: 60, now: later)
            #expect(takenOver.map(\.id) == [first[0].id])
            #expect(try await !store.advance(first[0].id, owner: "w1", to: .fetched, with: ItemUpdate(), now: later))
            #expect(try await store.advance(first[0].id, owner: "w3", to: .fetched, with: ItemUpdate(pageHTML: "<p>x</p>"), now: later))
            #expect(try await store.item(id: first[0].id)?.pageHTML == "<p>x</p>")

            // A scheduled retry waits until its time.
            #expect(try await store.recordFailure(first[1].id, owner: "w1", reason: "timed out", retryAt: now.addingTimeInterval(30), now: now))
            #expect(try await store.claim(stages: [.discovered], owner: "w4", limit: 1, lease: 60, now: now.addingTimeInterval(10)).isEmpty)
            let retried = try await store.claim(stages: [.discovered], owner: "w4", limit: 1, lease: 60, now: now.addingTimeInterval(31))
            #expect(retried.map(\.id) == [first[1].id])
            #expect(retried.first?.attempts == 1)
            #expect(retried.first?.lastError == "timed out")

            // A worker in a long step keeps its hold; nobody else can extend it.
            #expect(try await store.extendLease(rest[0].id, owner: "w2", until: later.addingTimeInterval(600)))
            #expect(try await !store.extendLease(rest[0].id, owner: "w5", until: later.addingTimeInterval(600)))
            let others = try await store.claim(stages: [.discovered], owner: "w5", limit: 10, lease: 60, now: later)
            #expect(Set(others.map(\.id)) == Set(rest.dropFirst().map(\.id)))
        }
    }

    @Test(arguments: Backend.available)
    func concurrentClaimersNeverShareAnItem(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered((1...50).map { entry($0, source: source.id) }, now: now)
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [Int64] = []
                        while let item = try await store.claim(stages: [.discovered], owner: "w\(worker)", limit: 1,
                                                                lease: 600, now: now).first {
                            mine.append(item.id)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 50)
            #expect(Set(claimed).count == 50)
        }
    }

    @Test(arguments: Backend.available)
    func failuresAreFinalWithoutRetryAndListedWithTheirReason(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered([entry(1, source: source.id)], now: now)
            let item = try #require(try await store.claim(stages: [.discovered], owner: "w", limit: 1, lease: 60, now: now).first)
            #expect(try await store.recordFailure(item.id, owner: "w", reason: "extraction: no text", retryAt: nil, now: now))
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
            _ = try await store.insertDiscovered([entry(1, source: source.id), entry(2, source: source.id)], now: now)
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
            for (index, item) in try await store.claim(stages: [.discovered], owner: "w", limit: 2, lease: 60, now: now).enumerated() {
                let update = ItemUpdate(article: article, analysis: analysis, translation: translation)
                #expect(try await store.advance(item.id, owner: "w", to: .published, with: update,
                                                now: now.addingTimeInterval(Double(index))))
            }
            let published = try await store.publishedItems(limit: 10, offset: 0)
            #expect(published.map(\.feedEntry.title) == ["Story 2", "Story 1"])
            let first = try #require(published.last)
            #expect(first.article == article)
            #expect(first.analysis == analysis)
            #expect(first.translation == translation)
            #expect(first.publishedAt == now)
            #expect(try await store.publishedItems(limit: 1, offset: 1).map(\.feedEntry.title) == ["Story 1"])
            #expect(try await store.claim(stages: Stage.workable, owner: "w", limit: 10, lease: 60, now: now).isEmpty)
        }
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
