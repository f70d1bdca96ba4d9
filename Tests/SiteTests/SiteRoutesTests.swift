import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
@testable import Store

/// The site's routes over a real SQLite store.
@Suite struct SiteRoutesTests {
    static let discovered = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21 23:13 JST

    /// Numbers no page of the list has: too large for any integer type, past the last page we
    /// serve, signed, zero, not decimal, empty, written with a leading zero, given twice.
    static let pagesNotServed = [
        "9223372036854775807", "9223372036854775808", "99999999999999999999", "-9223372036854775808",
        "10001", "-1", "0", "abc", "1e3", "0x10", "1.0", "+2", "02", " 2", "%00", "%32", "",
        "2&page=99999999999999999999", "2&page=2", "1&page=",
    ]

    /// Ids no article has: past Int64, signed, zero, not decimal, NUL, leading zero.
    static let idsNotServed = [
        "9223372036854775808", "99999999999999999999999999", "-1", "0", "abc", "1e3", "%00", "0x1", "1.0", "+1", "01",
        "%31", "1%00", "9223372036854775807",
    ]

    @Test func pagesAreServedWithSecurityHeadersAndUnpublishedItemsAreNotFound() async throws {
        try await withSite { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "The Example AI", kind: .feed)
            let published = try await store.storePublished(source: source.id, url: "https://wire.example/1",
                                                            feedDate: Self.discovered, discoveredAt: Self.discovered)
            let queued = DiscoveredItem(sourceID: source.id, guid: "2", url: "https://wire.example/2",
                                        canonicalURL: "https://wire.example/2", title: "Still queued")
            _ = try await store.insertDiscovered([queued], now: Self.discovered)

            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(String(buffer: response.body).contains("href=\"\(Store.articlePath(published, url: "https://wire.example/1"))\""))
            }
            try await client.execute(uri: Store.articlePath(published, url: "https://wire.example/1"), method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("AI深層分析"))
            }
            // The second item is still in the queue: no page for it.
            try await client.execute(uri: "/articles/\(published + 1)", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("ページが見つかりません"))
                #expect(response.headers[.contentSecurityPolicy] != nil)
            }
            try await client.execute(uri: "/no/such/page", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("ページが見つかりません"))
            }
            try await client.execute(uri: "/feed.xml", method: .get) { response in
                #expect(response.headers[.contentType] == "application/rss+xml; charset=utf-8")
                #expect(String(buffer: response.body).contains("\(Store.articlePath(published, url: "https://wire.example/1"))</link>"))
            }
            try await client.execute(uri: "/assets/site.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
            }
        }
    }

    @Test(arguments: pagesNotServed)
    func pageNumberOutsideTheListIsNotFoundAndTheSiteGoesOn(page: String) async throws {
        try await withSite { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            _ = try await store.storePublished(source: source.id, url: "https://wire.example/1",
                                               feedDate: nil, discoveredAt: Self.discovered)
            try await client.execute(uri: "/?page=\(page)", method: .get) { response in
                #expect(response.status == .notFound, "page=\(page)")
                #expect(String(buffer: response.body).contains("ページが見つかりません"))
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func pagesOfTheListExistUpToTheLastArticle() async throws {
        try await withSite { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            for number in 0...SitePages.headlinesPerPage {
                _ = try await store.storePublished(source: source.id, url: "https://wire.example/\(number)", feedDate: nil,
                                                   discoveredAt: Self.discovered.addingTimeInterval(Double(number)))
            }
            try await client.execute(uri: "/?page=1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("href=\"/?page=2\""))
            }
            try await client.execute(uri: "/?page=2", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.components(separatedBy: "class=\"news-item").count == 2)
                #expect(!body.contains("href=\"/?page=3\""))
            }
            try await client.execute(uri: "/?page=3", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/?page=\(URLNumber.maximumPage)", method: .get) { response in
                #expect(response.status == .notFound)
            }
            // Parameters that are not ours change nothing.
            try await client.execute(uri: "/?page=2&utm_source=x&utm_source=y", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(arguments: idsNotServed)
    func articleIDOutsideWhatIsStoredIsNotFoundAndTheSiteGoesOn(id: String) async throws {
        try await withSite { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let published = try await store.storePublished(source: source.id, url: "https://wire.example/1",
                                                            feedDate: nil, discoveredAt: Self.discovered)
            #expect(published == 1)
            try await client.execute(uri: "/articles/\(id)", method: .get) { response in
                #expect(response.status == .notFound, "id \(id)")
                #expect(String(buffer: response.body).contains("ページが見つかりません"))
            }
            try await client.execute(uri: Store.articlePath(1, url: "https://wire.example/1"), method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    /// Up to year 9999 is a date a feed may give; the site shows and sorts by the time we found
    /// the entry instead, for rows stored before this rule too.
    @Test func feedDateInTheFutureDoesNotPinAnArticleToTheTop() async throws {
        try await withSite { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let farFuture = try #require(ISO8601DateFormatter().date(from: "9999-12-31T23:59:59Z"))
            var pinned = SampleItems.analysis
            pinned.title = "未来の日付の記事"
            let future = try await store.storePublished(source: source.id, url: "https://wire.example/future", feedDate: farFuture,
                                                        discoveredAt: Self.discovered, analysis: pinned)
            var newer = SampleItems.analysis
            newer.title = "後から見つけた記事"
            _ = try await store.storePublished(source: source.id, url: "https://wire.example/later", feedDate: nil,
                                               discoveredAt: Self.discovered.addingTimeInterval(3600), analysis: newer)
            try await client.execute(uri: "/", method: .get) { response in
                let body = String(buffer: response.body)
                let later = try #require(body.range(of: "後から見つけた記事"))
                let pinnedTitle = try #require(body.range(of: "未来の日付の記事"))
                #expect(later.lowerBound < pinnedTitle.lowerBound)
                #expect(!body.contains("9999"))
                #expect(body.contains("2026年9月21日 23:13"))
            }
            try await client.execute(uri: Store.articlePath(future, url: "https://wire.example/future"), method: .get) { response in
                let body = String(buffer: response.body)
                #expect(!body.contains("9999"))
                #expect(body.contains("<time datetime=\"2026-09-21T23:13:20+09:00\">2026年9月21日 23:13</time>"))
            }
            try await client.execute(uri: "/feed.xml", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(!body.contains("9999"))
                #expect(body.contains("<pubDate>Mon, 21 Sep 2026 14:13:20 GMT</pubDate>"))
            }
        }
    }

    /// The list reads no article or translation, and the article page reads nothing of an item
    /// that is not published: a payload they do not show cannot break them.
    @Test func pagesReadOnlyPublishedRowsAndTheColumnsTheyShow() async throws {
        try await withSite { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let listed = try await store.storePublished(source: source.id, url: "https://wire.example/1",
                                                        feedDate: nil, discoveredAt: Self.discovered)
            try await store.overwrite("translation_json", of: listed, with: "{not json")
            try await store.overwrite("article_json", of: listed, with: "{not json")
            let queued = try await store.storePublished(source: source.id, url: "https://wire.example/2",
                                                        feedDate: nil, discoveredAt: Self.discovered)
            try await store.overwrite("stage", of: queued, with: Stage.analysed.rawValue)
            try await store.overwrite("article_json", of: queued, with: "{not json")
            try await store.overwrite("page_html", of: queued, with: "<p>stored page</p>")

            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("href=\"\(Store.articlePath(listed, url: "https://wire.example/1"))\""))
                #expect(!body.contains("href=\"/articles/\(queued)"))
            }
            try await client.execute(uri: "/feed.xml", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/articles/\(queued)", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
