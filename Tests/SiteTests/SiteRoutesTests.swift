import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
import Store

/// The site's routes over a real SQLite store.
@Suite struct SiteRoutesTests {
    @Test func pagesAreServedWithSecurityHeadersAndUnpublishedItemsAreNotFound() async throws {
        let database = try await TestDatabase.create(.sqlite)
        let store = try await Store.open(database.databaseLocation, logger: TestDatabase.logger)
        let source = try await store.addSource(url: "https://wire.example/feed", name: "The Example AI", kind: .feed)
        let sample = SampleItems.published()
        let entries = (1...2).map { number in
            var entry = sample.feedEntry
            entry.sourceID = source.id
            entry.url = "https://wire.example/\(number)"
            entry.canonicalURL = entry.url
            return entry
        }
        _ = try await store.insertDiscovered(entries, now: Date())
        let claimed = try await store.claim(stages: [.discovered], owner: "t", limit: 1, lease: 60,
                                           giveUp: ClaimLimit(claims: 3, reason: "abandoned"))
        let published = try #require(claimed.first)
        let update = ItemUpdate(article: sample.article, analysis: sample.analysis, translation: sample.translation)
        #expect(try await store.advance(published.id, owner: "t", to: .published, with: update, now: Date()))

        let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
        let app = Application(router: try SiteApplication.router(store: store, renderer: renderer))
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(String(buffer: response.body).contains("href=\"/articles/\(published.id)\""))
            }
            try await client.execute(uri: "/articles/\(published.id)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("AI深層分析"))
            }
            // The second item is still in the queue: no page for it.
            try await client.execute(uri: "/articles/\(published.id + 1)", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("ページが見つかりません"))
            }
            try await client.execute(uri: "/articles/not-a-number", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/feed.xml", method: .get) { response in
                #expect(response.headers[.contentType] == "application/rss+xml; charset=utf-8")
                #expect(String(buffer: response.body).contains("/articles/\(published.id)</link>"))
            }
            try await client.execute(uri: "/assets/site.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
            }
        }
        try await store.close()
        try await database.remove()
    }
}
