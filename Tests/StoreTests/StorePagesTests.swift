import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Store

/// The queries the site's pages read: published rows only, the columns each page shows, dated
/// never later than discovery.
@Suite struct StorePagesTests {
    let discovered = Date(timeIntervalSince1970: 1_790_000_000)
    let analysis = Analysis(
        title: "見出し", tldr: "要約", keyPoints: [KeyPoint(heading: "一", body: "本文")], impact: "影響", editorial: "論評",
        tags: ["AI"], scores: AxisScores(depth: 5, relevance: 4, practicality: 3, novelty: 2),
        analysedAt: Date(timeIntervalSince1970: 1_790_000_100), model: "m")
    let article = Article(title: "T", author: "W", language: "en", blocks: [.paragraph([.text("a")])])
    let translation = Translation(language: "ja", blocks: [.paragraph([.text("訳")])],
                                  translatedAt: Date(timeIntervalSince1970: 1_790_000_200), model: "m")

    /// Stores story `number` as found at `discovered + number` seconds and, unless `stage` says
    /// otherwise, as the pipeline leaves a published one.
    func store(_ number: Int, in store: Store, source: Int64, feedDate: Date?, stage: Stage = .published) async throws -> Int64 {
        let url = "https://news.example/\(number)"
        let entry = DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url, title: "Story \(number)",
                                   author: "Writer \(number)", publishedAt: feedDate)
        _ = try await store.insertDiscovered([entry], now: discovered.addingTimeInterval(Double(number)))
        let id = try #require(try await store.itemID(canonicalURL: url))
        try await store.database.raw("""
            UPDATE items SET stage = \(bind: stage.rawValue), article_json = \(bind: try Store.json(article)),
                analysis_json = \(bind: try Store.json(analysis)), translation_json = \(bind: try Store.json(translation)),
                page_html = '<p>the stored page</p>'
            WHERE id = \(bind: id)
            """).run()
        return id
    }

    @Test(arguments: Backend.available)
    func headlinesAreNewestFirstAndNeverDatedAfterTheirDiscovery(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            let farFuture = try #require(ISO8601DateFormatter().date(from: "9999-12-31T23:59:59Z"))
            let future = try await self.store(1, in: store, source: source.id, feedDate: farFuture)
            let undated = try await self.store(2, in: store, source: source.id, feedDate: nil)
            let dated = try await self.store(3, in: store, source: source.id, feedDate: discovered.addingTimeInterval(-3600))
            _ = try await self.store(4, in: store, source: source.id, feedDate: nil, stage: .translated)

            let headlines = try await store.headlines(limit: 10, offset: 0)
            #expect(headlines.map(\.id) == [undated, future, dated])
            #expect(headlines.map(\.shownAt) == [discovered.addingTimeInterval(2), discovered.addingTimeInterval(1),
                                                 discovered.addingTimeInterval(-3600)])
            let first = try #require(headlines.first)
            #expect(first.analysis == analysis)
            #expect(first.sourceName == "A")
            #expect(first.url == "https://news.example/2")
            #expect(try await store.headlines(limit: 1, offset: 1).map(\.id) == [future])
            #expect(try await store.headlines(limit: 10, offset: 3).isEmpty)
            #expect(try await store.headlines(limit: 0, offset: 0).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func headlinesDoNotReadTheArticleTranslationOrPage(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            let id = try await self.store(1, in: store, source: source.id, feedDate: nil)
            try await store.database.raw("""
                UPDATE items SET article_json = '{broken', translation_json = '{broken' WHERE id = \(bind: id)
                """).run()
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [id])
        }
    }

    @Test(arguments: Backend.available)
    func publishedArticleHasWhatItsPageShows(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            let farFuture = try #require(ISO8601DateFormatter().date(from: "9999-12-31T23:59:59Z"))
            let id = try await self.store(5, in: store, source: source.id, feedDate: farFuture)
            let read = try #require(try await store.publishedArticle(id: id))
            #expect(read == PublishedArticle(
                headline: PublishedHeadline(id: id, sourceName: "A", url: "https://news.example/5",
                                            shownAt: discovered.addingTimeInterval(5), analysis: analysis, originalTitle: "Story 5"),
                sourceID: source.id, originalTitle: "Story 5", author: "Writer 5", article: article, translation: translation))
        }
    }

    /// The stage is part of the query, so an item still in the queue is never decoded: a payload
    /// the pipeline has not finished, or a broken one, cannot reach or break the page.
    @Test(arguments: Backend.available)
    func publishedArticleIsNilForEveryItemNotPublished(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            let unpublished = [Stage.discovered, .fetched, .extracted, .analysed, .translated, .failed, .skipped]
            for (number, stage) in unpublished.enumerated() {
                let id = try await self.store(number, in: store, source: source.id, feedDate: nil, stage: stage)
                try await store.database.raw("UPDATE items SET article_json = '{broken' WHERE id = \(bind: id)").run()
                #expect(try await store.publishedArticle(id: id) == nil, "\(stage)")
            }
            let unfinished = try await self.store(99, in: store, source: source.id, feedDate: nil)
            try await store.database.raw("UPDATE items SET translation_json = NULL WHERE id = \(bind: unfinished)").run()
            #expect(try await store.publishedArticle(id: unfinished) == nil)
            #expect(try await store.headlines(limit: 10, offset: 0).map(\.id) == [unfinished])
            #expect(try await store.publishedArticle(id: Int64.max) == nil)
        }
    }
}
