import Feeds
import Fetching
import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// Adding sources from feeds, pages and Hacker News, and moving them through OPML, against a
/// real local server and real SQLite stores.
@Suite struct SourceCatalogTests {
    static let feed = """
        <rss version="2.0"><channel><title>Example AI Wire</title><link>http://example.com/</link>
        <item><title>One</title><link>http://example.com/one</link><guid>1</guid></item>
        </channel></rss>
        """

    static func page(announcing hrefs: [String]) -> TestResponse {
        let links = hrefs.map { #"<link rel="alternate" type="application/rss+xml" title="Feed" href="\#($0)">"# }
        return .text("<!DOCTYPE html><html><head><title>Example AI</title>\(links.joined())</head><body><p>News.</p></body></html>",
                     contentType: "text/html; charset=utf-8")
    }

    /// A catalog over a fresh store and a fetcher allowed to reach the local server.
    func withCatalog(_ routes: FixtureRoutes, _ body: @Sendable (SourceCatalog, Store, String) async throws -> Void) async throws {
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { port in
                let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                try await body(SourceCatalog(store: store, fetcher: fetcher, pool: testPool), store, "http://127.0.0.1:\(port)")
            }
        }
    }

    @Test func aFeedIsAddedAsItIsAndNamedByItsTitle() async throws {
        let routes = FixtureRoutes(["/feed.xml": .text(Self.feed, contentType: "application/rss+xml")])
        try await withCatalog(routes) { catalog, _, server in
            let added = try await catalog.add(url: "\(server)/feed.xml", name: nil, kind: .feed)
            #expect(added.source.url == "\(server)/feed.xml")
            #expect(added.source.name == "Example AI Wire")
            #expect(added.source.kind == .feed)
            #expect(added.discoveredOn == nil)
            await #expect(throws: StoreError.self) { try await catalog.add(url: "\(server)/feed.xml", name: nil, kind: .feed) }
        }
    }

    @Test func aPageIsSearchedAndTheFirstReadableFeedItAnnouncesIsAdded() async throws {
        let routes = FixtureRoutes([
            "/blog/": Self.page(announcing: ["/gone.xml", "feed.xml"]),
            "/blog/feed.xml": .text(Self.feed, contentType: "application/rss+xml"),
        ])
        try await withCatalog(routes) { catalog, store, server in
            let added = try await catalog.add(url: "\(server)/blog/", name: "Chosen name", kind: .feed)
            #expect(added.source.url == "\(server)/blog/feed.xml")
            #expect(added.source.name == "Chosen name")
            #expect(added.discoveredOn == "\(server)/blog/")
            #expect(try await store.sources().map(\.url) == ["\(server)/blog/feed.xml"])
            #expect(routes.received.map(\.path) == ["/blog/", "/gone.xml", "/blog/feed.xml"])
        }
    }

    @Test func aPageWithoutFeedsIsRefusedWithTheReason() async throws {
        let routes = FixtureRoutes([
            "/plain": Self.page(announcing: []),
            "/broken": Self.page(announcing: ["/not-a-feed"]),
            "/not-a-feed": .text("<html><body>hello</body></html>", contentType: "text/html"),
            "/garbage": .text("<<<< not markup at all", contentType: "application/octet-stream"),
        ])
        try await withCatalog(routes) { catalog, store, server in
            await #expect {
                _ = try await catalog.add(url: "\(server)/plain", name: nil, kind: .feed)
            } throws: { error in
                guard case .pageWithoutFeeds(let url) = error as? SourceCatalogError else { return false }
                return url == "\(server)/plain"
            }
            await #expect {
                _ = try await catalog.add(url: "\(server)/garbage", name: nil, kind: .feed)
            } throws: { error in
                guard case .notAFeed(_, .malformed) = error as? SourceCatalogError else { return false }
                return true
            }
            await #expect {
                _ = try await catalog.add(url: "\(server)/broken", name: nil, kind: .feed)
            } throws: { error in
                guard case .announcedFeedsUnreadable(_, let failures) = error as? SourceCatalogError else { return false }
                return failures.map(\.url) == ["\(server)/not-a-feed"]
            }
            await #expect(throws: SourceCatalogError.self) { try await catalog.add(url: "\(server)/missing", name: nil, kind: .feed) }
            await #expect(throws: SourceCatalogError.self) { try await catalog.add(url: "ftp://example.com/feed", name: nil, kind: .feed) }
            let stored = try await store.sources()
            #expect(stored.isEmpty)
        }
    }

    @Test func hackerNewsIsCheckedAgainstItsTopList() async throws {
        let routes = FixtureRoutes([
            "/v0/topstories.json": .text("[1, 2, 3]", contentType: "application/json"),
            "/wrong/topstories.json": .text(Self.feed, contentType: "application/rss+xml"),
        ])
        try await withCatalog(routes) { catalog, _, server in
            let added = try await catalog.add(url: "\(server)/v0/", name: nil, kind: .hackerNews)
            #expect(added.source.kind == .hackerNews)
            #expect(added.source.name == SourceCatalog.hackerNewsDefaultName)
            await #expect {
                _ = try await catalog.add(url: "\(server)/wrong/", name: nil, kind: .hackerNews)
            } throws: { error in
                guard case .notHackerNewsAPI = error as? SourceCatalogError else { return false }
                return true
            }
        }
    }

    @Test func withoutTheCheckNothingIsFetched() async throws {
        let routes = FixtureRoutes()
        try await withCatalog(routes) { catalog, _, _ in
            let added = try await catalog.add(url: "https://offline.example/feed.xml", name: nil, kind: .feed, check: false)
            #expect(added.source.name == "offline.example")
            #expect(routes.received.isEmpty)
        }
    }

    @Test func sourcesTravelThroughOPMLAndDuplicatesAreSkipped() async throws {
        let exported = try await exportOf([
            ("https://wire.example/feed.xml", "Wire & Co <AI>", .feed),
            (HackerNews.officialAPIBase, "Hacker News", .hackerNews),
            ("https://jp.example/index.rdf", "日本語の\"ニュース\"", .feed),
        ])
        try await withTestStore { store in
            let fetcher = Fetcher(policy: FetchPolicy())
            let catalog = SourceCatalog(store: store, fetcher: fetcher, pool: testPool)
            _ = try await catalog.add(url: "https://jp.example/index.rdf", name: "Already here", kind: .feed, check: false)
            let first = try await catalog.importOPML(Data(exported.utf8))
            #expect(first.added.map(\.url) == ["https://wire.example/feed.xml", HackerNews.officialAPIBase])
            #expect(first.alreadyPresent == ["https://jp.example/index.rdf"])
            let imported = try await store.sources()
            #expect(imported.map(\.name) == ["Already here", "Wire & Co <AI>", "Hacker News"])
            #expect(imported.map(\.kind) == [.feed, .feed, .hackerNews])
            let second = try await catalog.importOPML(Data(exported.utf8))
            #expect(second.added.isEmpty)
            #expect(second.alreadyPresent.count == 3)
        }
    }

    @Test func anAllAISourceKeepsItsTopicThroughOPML() async throws {
        let exported = try await withTestStore { store in
            _ = try await store.addSource(url: "https://ai.example/feed.xml", name: "AI only", kind: .feed, topic: .ai)
            _ = try await store.addSource(url: "https://mixed.example/feed.xml", name: "Mixed", kind: .feed)
            return try await SourceCatalog(store: store, fetcher: Fetcher(policy: FetchPolicy()), pool: testPool).exportOPML()
        }
        #expect(exported.contains(#"xmlUrl="https://ai.example/feed.xml" category="/kawaraban/topic/ai"/>"#), "\(exported)")
        let folderNamedAI = #"<opml version="2.0"><body><outline text="F" xmlUrl="https://f.example/rss" category="/AI"/></body></opml>"#
        try await withTestStore { store in
            let catalog = SourceCatalog(store: store, fetcher: Fetcher(policy: FetchPolicy()), pool: testPool)
            _ = try await catalog.importOPML(Data(exported.utf8))
            _ = try await catalog.importOPML(Data(folderNamedAI.utf8))
            #expect(try await store.sources().map(\.topic) == [.ai, nil, nil])
        }
    }

    @Test func importCountsWhatItCannotUse() async throws {
        let opml = """
            <opml version="1.0"><body>
            <outline text="Folder"><outline text="Good" xmlUrl="https://good.example/rss"/></outline>
            <outline text="Mail" xmlUrl="mailto:news@example.com"/>
            <outline text="Relative" xmlUrl="/feed.xml"/>
            <outline text="A note"/>
            </body></opml>
            """
        try await withTestStore { store in
            let fetcher = Fetcher(policy: FetchPolicy())
            let summary = try await SourceCatalog(store: store, fetcher: fetcher, pool: testPool).importOPML(Data(opml.utf8))
            #expect(summary.added.map(\.name) == ["Good"])
            #expect(summary.invalid.map(\.url) == ["mailto:news@example.com", "/feed.xml"])
            #expect(summary.ignoredOutlines == 1)
        }
    }

    /// The OPML a store holding `sources` exports.
    func exportOf(_ sources: [(String, String, SourceKind)]) async throws -> String {
        try await withTestStore { store in
            for (url, name, kind) in sources { _ = try await store.addSource(url: url, name: name, kind: kind) }
            let fetcher = Fetcher(policy: FetchPolicy())
            let opml = try await SourceCatalog(store: store, fetcher: fetcher, pool: testPool).exportOPML()
            return opml
        }
    }

    @Test func theSourceListShowsKindTimesStatusCountsAndErrors() async throws {
        try await withTestStore { store in
            let hackerNews = try await store.addSource(url: HackerNews.officialAPIBase, name: "Hacker News", kind: .hackerNews)
            let feed = try await store.addSource(url: "https://wire.example/feed.xml", name: "Wire", kind: .feed)
            _ = try await store.addSource(url: "https://new.example/feed.xml", name: "New", kind: .feed)
            // 2026-05-08 15:25 UTC is 2026-05-09 00:25 in Tokyo.
            let fetched = Date(timeIntervalSince1970: 1_778_253_900)
            try await store.recordFetch(sourceID: hackerNews.id, health: SourceHealth(
                lastFetchAt: fetched, lastStatus: 200, itemsFound: 4_000, itemsKept: 30, newItems: 4, nextFetchAt: fetched.addingTimeInterval(3600)))
            try await store.recordFetch(sourceID: feed.id, health: SourceHealth(
                lastFetchAt: fetched, lastStatus: 503, lastError: "the server answered HTTP 503", consecutiveFailures: 1,
                nextFetchAt: fetched.addingTimeInterval(7200)))
            let report = try await StatusReport.gather(from: store, settings: try Settings.load(environment: [:]))
            let lines = report.sources.map { StatusReport.describe($0, edition: .japanese) }
            #expect(lines == [
                "#1 Hacker News [hackernews] <https://hacker-news.firebaseio.com/v0/> last: 2026年5月9日 00:25 JST, HTTP 200, 30 of 4,000 kept, 4 new; 0/200 in 24 h; next: 2026年5月9日 01:25 JST",
                "#2 Wire [feed] <https://wire.example/feed.xml> last: 2026年5月9日 00:25 JST, HTTP 503; FAILING: the server answered HTTP 503; 0/200 in 24 h; next: 2026年5月9日 02:25 JST",
                "#3 New [feed] <https://new.example/feed.xml> never fetched; 0/200 in 24 h; next: at the next collection",
            ])
        }
    }
}
