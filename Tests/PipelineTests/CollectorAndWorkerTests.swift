import Fetching
import Foundation
import KawarabanCore
import Logging
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// The collector and the worker against a real SQLite store and real local servers.
@Suite struct CollectorAndWorkerTests {
    static let logger = Logger(label: "pipeline-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    static let feed = """
        <rss version="2.0"><channel><title>Wire</title>
        <item><title>One</title><link>http://HOST/one?utm_source=x</link><guid>1</guid>
        <description>Feed summary one that is long enough.</description></item>
        <item><title>Two</title><link>http://HOST/two</link><guid>2</guid></item>
        </channel></rss>
        """

    func withPipeline(
        routes: FixtureRoutes, _ body: @Sendable (Store, Fetcher, Int) async throws -> Void
    ) async throws {
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { port in
                let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                try await body(store, fetcher, port)
            }
        }
    }

    @Test func aBrokenFeedIsMarkedAndTheOthersCarryOn() async throws {
        let routes = FixtureRoutes()
        try await withPipeline(routes: routes) { store, fetcher, port in
            routes.set("/good.xml", .text(Self.feed.replacingOccurrences(of: "HOST", with: "127.0.0.1:\(port)"),
                                          contentType: "application/rss+xml"))
            routes.set("/page.xml", .text("<html><body>not a feed</body></html>", contentType: "text/html"))
            routes.set("/down.xml", .text("maintenance", status: 503))
            let good = try await store.addSource(url: "http://127.0.0.1:\(port)/good.xml", name: "Good", kind: .feed)
            let page = try await store.addSource(url: "http://127.0.0.1:\(port)/page.xml", name: "Page", kind: .feed)
            let down = try await store.addSource(url: "http://127.0.0.1:\(port)/down.xml", name: "Down", kind: .feed)
            // Whole seconds, so that times read back from the store compare exactly.
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())
            let outcomes = try await Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger).collectDue(now: now)
            #expect(outcomes.count == 3)

            let goodHealth = try #require(try await store.source(id: good.id)).health
            #expect(goodHealth.lastError == nil)
            #expect(goodHealth.itemsFound == 2)
            #expect(goodHealth.newItems == 2)
            let pageHealth = try #require(try await store.source(id: page.id)).health
            #expect(pageHealth.lastError?.contains("HTML page, not a feed") == true)
            let downHealth = try #require(try await store.source(id: down.id)).health
            #expect(downHealth.lastError == "the server answered HTTP 503")
            #expect(downHealth.consecutiveFailures == 1)
            #expect(downHealth.nextFetchAt == now.addingTimeInterval(Source.defaultInterval))

            // Nothing is due before its time; a second failure doubles the wait.
            #expect(try await store.dueSources(now: now.addingTimeInterval(60)).isEmpty)
            let later = now.addingTimeInterval(Source.defaultInterval)
            let second = try await Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger).collectDue(now: later)
            #expect(second.count == 3)
            let backedOff = try #require(try await store.source(id: down.id)).health
            #expect(backedOff.consecutiveFailures == 2)
            #expect(backedOff.nextFetchAt == later.addingTimeInterval(2 * Source.defaultInterval))
            #expect(try await store.countsByStage() == [.discovered: 2])
        }
    }

    @Test func unchangedFeedsCostNothing() async throws {
        let routes = FixtureRoutes()
        try await withTestHTTPServer({ request in
            request.header("If-None-Match") == "\"v1\""
                ? TestResponse(status: 304)
                : TestResponse(headers: [("ETag", "\"v1\""), ("Content-Type", "application/rss+xml")],
                               body: Array(Self.feed.replacingOccurrences(of: "HOST", with: "example.com").utf8))
        }) { feedPort in
            try await withPipeline(routes: routes) { store, _, _ in
                let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: feedPort)]))
                let collector = Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger)
                let source = try await store.addSource(url: "http://127.0.0.1:\(feedPort)/feed", name: "F", kind: .feed)
                _ = try await collector.collect([source])
                let refreshed = try #require(try await store.source(id: source.id))
                #expect(refreshed.health.etag == "\"v1\"")
                let outcome = try await collector.collect(refreshed)
                #expect(outcome.health.lastStatus == 304)
                #expect(outcome.health.lastError == nil)
                #expect(outcome.health.etag == "\"v1\"")
            }
        }
    }

    @Test func withoutAnLLMItemsStopAtExtractedWithTheirArticle() async throws {
        let routes = FixtureRoutes()
        try await withPipeline(routes: routes) { store, fetcher, port in
            let paragraph = "<p>" + String(repeating: "A sentence about a new model and its training data. ", count: 8) + "</p>"
            routes.set("/feed.xml", .text(Self.feed.replacingOccurrences(of: "HOST", with: "127.0.0.1:\(port)")))
            routes.set("/one", .text("<html><body><article><h1>One</h1>\(paragraph)\(paragraph)</article></body></html>",
                                     contentType: "text/html"))
            // /two is missing: the page cannot be had, and the feed has no content for it.
            let source = try await store.addSource(url: "http://127.0.0.1:\(port)/feed.xml", name: "Wire", kind: .feed)
            _ = try await Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger).collect([source])
            let worker = Worker(store: store, fetcher: fetcher, pool: testPool, desk: nil, settings: WorkSettings(lease: 60, concurrency: 2),
                                logger: Self.logger)
            let summary = try await worker.runUntilIdle()
            #expect(summary.failed == 1)
            let counts = try await store.countsByStage()
            #expect(counts[.extracted] == 1)
            #expect(counts[.failed] == 1)
            let failure = try #require(try await store.failures(limit: 5).first)
            #expect(failure.title == "Two")
            #expect(failure.reason.contains("characters of readable text"))
            let claimed = try await store.claim(stages: [.extracted], owner: "t", limit: 1, lease: 1, giveUp: WorkRules().claimLimit)
            #expect(claimed.first?.article?.blocks.count == 2)
            #expect(claimed.first?.article?.path == .page)
        }
    }

    @Test func theSameStoryReachedThroughAProxyOrASyndicatedCopyIsOneStory() async throws {
        let routes = FixtureRoutes()
        try await withPipeline(routes: routes) { store, fetcher, port in
            let host = "127.0.0.1:\(port)"
            let paragraph = "<p>" + String(repeating: "A sentence about a new model and its training data. ", count: 8) + "</p>"
            func page(canonical: String) -> TestResponse {
                .text("<html><head><link rel=\"canonical\" href=\"\(canonical)\"></head><body><article><h1>Story</h1>"
                      + paragraph + paragraph + "</article></body></html>", contentType: "text/html")
            }
            func feed(_ link: String) -> TestResponse {
                .text("<rss version=\"2.0\"><channel><title>F</title><item><title>Story</title><link>\(link)</link></item></channel></rss>",
                      contentType: "application/rss+xml")
            }
            routes.set("/original", page(canonical: "http://\(host)/original"))
            routes.set("/~r/story", TestResponse(status: 302, headers: [("Location", "http://\(host)/original?utm_medium=feed")]))
            routes.set("/copy", page(canonical: "http://\(host)/original"))
            routes.set("/publisher.xml", feed("http://\(host)/original"))
            routes.set("/proxy.xml", feed("http://\(host)/~r/story"))
            routes.set("/aggregator.xml", feed("http://\(host)/copy"))
            for name in ["publisher", "proxy", "aggregator"] {
                _ = try await store.addSource(url: "http://\(host)/\(name).xml", name: name, kind: .feed)
            }
            _ = try await Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger).collectDue()
            #expect(try await store.countsByStage() == [.discovered: 3])

            let summary = try await Worker(store: store, fetcher: fetcher, pool: testPool, desk: nil,
                                           settings: WorkSettings(lease: 60, concurrency: 1), logger: Self.logger).runUntilIdle()

            #expect(summary.merged == 2)
            #expect(try await store.countsByStage() == [.extracted: 1, .skipped: 2])
            let story = try #require(try await store.itemID(canonicalURL: "http://\(host)/original"))
            #expect(Set(try await store.carriers(of: story).map(\.sourceName)) == ["publisher", "proxy", "aggregator"])
        }
    }
}
