import Feeds
import Fetching
import Foundation
import KawarabanCore
import Logging
import Synchronization
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// What one source may cost: how many entries a fetch keeps, how many items a day adds, how long
/// a pass waits for it, how often several collectors fetch it, and what its text may carry.
@Suite struct CollectionLimitsTests {
    static let logger = Logger(label: "collection-limits", factory: { _ in SwiftLogNoOpLogHandler() })
    static let entryCount = 5_000
    /// Entries are a minute apart, oldest first in the document, all well before any test's `now`.
    static let firstEntryDate = Date(timeIntervalSince1970: 1_767_225_600)

    /// An Atom feed of `count` entries numbered from `first`, oldest first, so that keeping the
    /// first entries in document order would keep the wrong ones.
    static func atomFeed(first: Int = 0, count: Int = entryCount) -> String {
        let formatter = ISO8601DateFormatter()
        let entries = (first..<first + count).map { number in
            """
            <entry><title>Entry \(number)</title><link href="https://news.example/\(number)"/><id>urn:entry:\(number)</id>\
            <updated>\(formatter.string(from: firstEntryDate.addingTimeInterval(Double(number) * 60)))</updated></entry>
            """
        }
        return #"<feed xmlns="http://www.w3.org/2005/Atom"><title>Flood</title>"# + entries.joined() + "</feed>"
    }

    func withCollectorParts(_ routes: FixtureRoutes,
                            _ body: @Sendable (Store, Fetcher, String) async throws -> Void) async throws {
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { port in
                let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                try await body(store, fetcher, "http://127.0.0.1:\(port)")
            }
        }
    }

    @Test func aFeedOfFiveThousandEntriesQueuesOnlyTheNewestFifty() async throws {
        let routes = FixtureRoutes(["/flood.xml": .text(Self.atomFeed(), contentType: "application/atom+xml")])
        try await withCollectorParts(routes) { store, fetcher, server in
            let source = try await store.addSource(url: "\(server)/flood.xml", name: "Flood", kind: .feed)
            let collector = Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger)

            let outcome = try await collector.collect(source)

            #expect(outcome.health.lastError == nil)
            #expect(outcome.health.itemsFound == Self.entryCount)
            #expect(outcome.health.itemsKept == CollectionSettings.defaultEntriesPerFetch)
            #expect(outcome.health.newItems == CollectionSettings.defaultEntriesPerFetch)
            #expect(try await store.countsByStage() == [.discovered: CollectionSettings.defaultEntriesPerFetch])
            let titles = Set(try await store.claim(stages: [.discovered], owner: "t", limit: 100, lease: 60, giveUp: WorkRules().claimLimit)
                .map(\.feedEntry.title))
            let newest = (Self.entryCount - CollectionSettings.defaultEntriesPerFetch..<Self.entryCount).map { "Entry \($0)" }
            #expect(titles == Set(newest))
        }
    }

    @Test func newestComesFirstAndAFutureDateDoesNotJumpTheQueue() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func entry(_ title: String, _ date: Date?) -> ParsedItem {
            ParsedItem(id: title, title: title, link: "https://news.example/\(title)", published: date, updated: nil,
                       author: nil, summary: nil, contentHTML: nil, categories: [])
        }
        let entries = [
            entry("undated-first", nil), entry("old", now.addingTimeInterval(-7200)),
            entry("year-9999", Date(timeIntervalSince1970: 253_370_764_800)), entry("recent", now.addingTimeInterval(-60)),
            entry("undated-second", nil),
        ]
        let newest = Collector.newest(entries, limit: 4, now: now).map(\.title)
        // The far-future date counts as "now": first, but no later than an entry dated now would be.
        #expect(newest == ["year-9999", "recent", "old", "undated-first"])
    }

    @Test func aSourceAddsNoMoreThanItsDailyQuotaAndSourcesListSaysSo() async throws {
        let routes = FixtureRoutes()
        try await withCollectorParts(routes) { store, fetcher, server in
            let source = try await store.addSource(url: "\(server)/flood.xml", name: "Flood", kind: .feed)
            let settings = CollectionSettings(entriesPerFetch: 50, dailyQuota: 120)
            let collector = Collector(store: store, fetcher: fetcher, pool: testPool, settings: settings, logger: Self.logger)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            var newPerFetch: [Int] = []
            // Each fetch finds 5,000 entries none of which is stored yet; the last comes a day later.
            for (index, hoursLater) in [0, 1, 2, 25].enumerated() {
                routes.set("/flood.xml", .text(Self.atomFeed(first: index * Self.entryCount), contentType: "application/atom+xml"))
                let current = try #require(try await store.source(id: source.id))
                let outcome = try await collector.collect(current, now: start.addingTimeInterval(Double(hoursLater) * 3600))
                newPerFetch.append(outcome.health.newItems)
            }
            #expect(newPerFetch == [50, 50, 20, 50])

            let report = try await StatusReport.gather(
                from: store, settings: Settings.load(environment: ["KAWARABAN_COLLECT_DAILY_QUOTA": "120"]))
            let line = try #require(report.sources.first)
            #expect(line.itemsFound == Self.entryCount)
            #expect(line.itemsKept == 50)
            let described = StatusReport.describe(line, edition: .japanese)
            #expect(described.contains("50 of 5,000 kept, 50 new"), "\(described)")
            // The test's fetches are dated in 2027, so none falls in the real last 24 hours.
            #expect(described.contains("0/120 in 24 h"), "\(described)")
        }
    }

    @Test func theQuotaWindowCountsTheItemsASourceAddedInTheLast24Hours() async throws {
        let routes = FixtureRoutes(["/flood.xml": .text(Self.atomFeed(count: 30), contentType: "application/atom+xml")])
        try await withCollectorParts(routes) { store, fetcher, server in
            let source = try await store.addSource(url: "\(server)/flood.xml", name: "Flood", kind: .feed)
            _ = try await Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger).collect(source)
            let report = try await StatusReport.gather(from: store, settings: Settings.load(environment: [:]))
            let line = try #require(report.sources.first)
            #expect(line.addedInQuotaWindow == 30)
            #expect(StatusReport.describe(line, edition: .japanese).contains("30 of 30 kept, 30 new; 30/200 in 24 h"))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aPassDoesNotWaitForASourceThatDripsForever() async throws {
        let routes = FixtureRoutes()
        try await withCollectorParts(routes) { store, _, server in
            let port = Int(server.split(separator: ":").last ?? "") ?? 0
            routes.set("/drip.xml", TestResponse(headers: [("Content-Type", "application/rss+xml")],
                                                 body: Array("<rss version=\"2.0\"><channel><title>Drip</title>".utf8),
                                                 stream: TestStream(chunk: Array(" ".utf8), interval: .milliseconds(50))))
            for name in ["one", "two"] {
                routes.set("/\(name).xml", .text(Self.atomFeed(first: name == "one" ? 0 : 100, count: 3),
                                                 contentType: "application/atom+xml"))
            }
            let drip = try await store.addSource(url: "\(server)/drip.xml", name: "Drip", kind: .feed)
            let one = try await store.addSource(url: "\(server)/one.xml", name: "One", kind: .feed)
            let two = try await store.addSource(url: "\(server)/two.xml", name: "Two", kind: .feed)
            // The fetch itself would wait ten minutes: only the source's own deadline ends it.
            let patient = Fetcher(policy: FetchPolicy(timeout: .seconds(600),
                                                      allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
            // Long enough for the good sources while the rest of the suite shares the pool and the
            // cores; far shorter than the drip's ten minutes.
            let collector = Collector(store: store, fetcher: patient, pool: testPool, sourceDeadline: .seconds(8),
                                      logger: Self.logger)

            let outcomes = try await collector.collectDue()

            #expect(outcomes.count == 3)
            let dripHealth = try #require(try await store.source(id: drip.id)).health
            #expect(dripHealth.lastError?.contains("did not finish within 8 s") == true, "\(dripHealth.lastError ?? "no error")")
            #expect(dripHealth.consecutiveFailures == 1)
            for source in [one, two] {
                #expect(try await store.source(id: source.id)?.health.newItems == 3)
            }
            #expect(try await store.countsByStage() == [.discovered: 6])
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aDeadlineDoesNotWaitForWorkThatCannotBeInterrupted() async throws {
        let pool = CPUPool(threadCount: 1)
        let released = Mutex(false)
        let finished = Mutex(false)
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(200)) {
                // Busy on a pool thread, deaf to cancellation, until the test lets it go.
                try await pool.run {
                    while !released.withLock({ $0 }) { usleep(1_000) }
                    finished.withLock { $0 = true }
                }
            }
        }
        #expect(!finished.withLock { $0 }, "the caller waited for the straggler")
        released.withLock { $0 = true }
        await pool.shutdown()
        #expect(finished.withLock { $0 })
    }

    @Test func aClaimedSourceIsNobodyElsesUntilItsLeaseRunsOut() async throws {
        try await withTestStore { store in
            let source = try await store.addSource(url: "https://news.example/feed.xml", name: "F", kind: .feed)
            let now = Date()
            #expect(try await store.claimDueSource(owner: "a", lease: 60, now: now)?.id == source.id)
            #expect(try await store.claimDueSource(owner: "b", lease: 60, now: now.addingTimeInterval(59)) == nil)
            // Collector a died without recording its fetch: b takes the source over.
            #expect(try await store.claimDueSource(owner: "b", lease: 60, now: now.addingTimeInterval(61))?.id == source.id)
        }
    }

    @Test func controlCharactersNeverReachTheStoreOrStatus() async throws {
        let title = "\u{1B}[2J\u{1B}[31mRed alert\u{07}\r\nsecond line\u{202E}txt.exe"
        let feed = #"{"version":"https://jsonfeed.org/version/1.1","title":"Wire","items":[{"id":"1","url":"https://news.example/1","title":"\#(Self.jsonEscaped(title))","content_text":"Body."}]}"#
        let routes = FixtureRoutes(["/feed.json": .text(feed, contentType: "application/feed+json")])
        try await withCollectorParts(routes) { store, fetcher, server in
            let source = try await store.addSource(url: "\(server)/feed.json", name: "Wire\u{1B}]0;owned\u{07}\nTwo", kind: .feed)
            _ = try await Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger).collect(source)
            let item = try #require(try await store.item(id: 1))
            #expect(item.feedEntry.title == "[2J[31mRed alert second linetxt.exe")
            #expect(try await store.source(id: source.id)?.name == "Wire]0;owned Two")

            var failing = source.health
            failing.lastError = "the server said \u{1B}[8mhidden\u{1B}[0m\r\nand more\u{9B}"
            try await store.recordFetch(sourceID: source.id, health: failing)
            #expect(try await store.source(id: source.id)?.health.lastError == "the server said [8mhidden[0m\nand more")
            let claimed = try #require(try await store.claim(stages: [.discovered], owner: "w", limit: 1, lease: 60, giveUp: WorkRules().claimLimit).first)
            _ = try await store.recordFailure(claimed.id, owner: "w", reason: "page \u{1B}[31m\u{07}gone", retryAfter: nil, now: Date())
            #expect(try await store.failures(limit: 1).first?.reason == "page [31mgone")

            let status = try await StatusReport.gather(from: store, settings: Settings.load(environment: [:]))
                .text(edition: .japanese)
            #expect(!status.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) })
        }
    }

    static func jsonEscaped(_ text: String) -> String {
        text.unicodeScalars.map { $0.value < 0x20 ? String(format: "\\u%04x", $0.value) : String($0) }.joined()
    }

    @Test(arguments: Backend.available)
    func severalCollectorsFetchEachDueSourceOnce(_ backend: Backend) async throws {
        let requests = FixtureRoutes()
        let sourceCount = 6
        let collectorCount = 4
        for number in 0..<sourceCount {
            requests.set("/feed\(number).xml", .text(Self.atomFeed(first: number * 10, count: 2), contentType: "application/atom+xml"))
        }
        try await withTestHTTPServer(requests.handler) { port in
            try await withSharedDatabase(backend, stores: collectorCount) { stores in
                for number in 0..<sourceCount {
                    _ = try await stores[0].addSource(url: "http://127.0.0.1:\(port)/feed\(number).xml", name: "F\(number)", kind: .feed)
                }
                let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                let now = Date()
                let collectors = stores.enumerated().map { index, store in
                    Collector(store: store, fetcher: fetcher, pool: testPool, owner: "collector-\(index)", logger: Self.logger)
                }
                // Every collector runs a pass at once, then again within the same due period.
                for _ in 0..<2 {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for collector in collectors { group.addTask { _ = try await collector.collectDue(now: now) } }
                        try await group.waitForAll()
                    }
                }
                let fetched = Dictionary(grouping: requests.received, by: \.path).mapValues(\.count)
                #expect(fetched == Dictionary(uniqueKeysWithValues: (0..<sourceCount).map { ("/feed\($0).xml", 1) }))
                #expect(try await stores[0].countsByStage() == [.discovered: 2 * sourceCount])
                // The claims were let go when each fetch was recorded.
                #expect(try await stores[0].claimDueSource(owner: "later", lease: 60, now: now.addingTimeInterval(Source.defaultInterval)) != nil)
            }
        }
    }

    /// `count` stores open on one new database: a SQLite file, or a PostgreSQL schema of its own
    /// (named through `search_path`), dropped afterwards.
    func withSharedDatabase(_ backend: Backend, stores count: Int, _ body: @Sendable ([Store]) async throws -> Void) async throws {
        let location: DatabaseLocation
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-shared-\(UUID().uuidString)")
        let schema = "test_\(UUID().uuidString.prefix(12).lowercased())"
        switch backend {
        case .sqlite:
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            location = .sqlite(path: folder.appendingPathComponent("db.sqlite").path)
        case .postgres:
            let url = try Backend.postgresURL()
            location = .postgres(url: url + (url.contains("?") ? "&" : "?") + "search_path=\(schema)")
        }
        var stores: [Store] = []
        for _ in 0..<count { stores.append(try await Store.open(location, logger: Self.logger)) }
        let outcome = await Result { try await body(stores) }
        if backend == .postgres { try await stores[0].database.raw("DROP SCHEMA \(ident: schema) CASCADE").run() }
        for store in stores { try await store.close() }
        try? FileManager.default.removeItem(at: folder)
        try outcome.get()
    }
}
