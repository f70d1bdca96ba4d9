import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Logging
import TestSupport
import Testing
@testable import Site
@testable import Store

/// The site's router over a real store on a database of its own (a SQLite file, or a PostgreSQL
/// schema), removed afterwards.
func withSite(_ backend: Backend = .sqlite, _ body: @Sendable (Store, any TestClientProtocol) async throws -> Void) async throws {
    try await withTestStore(backend) { store in
        let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
        let app = Application(router: try SiteApplication.router(store: store, renderer: renderer))
        try await app.test(.router) { client in try await body(store, client) }
    }
}

extension Store {
    /// Stores an entry discovered at `discoveredAt` and sets it as the pipeline leaves a published
    /// one, written straight to the row (the site reads rows however they were stored), and
    /// indexes it for search as the demo database does.
    func storePublished(source: Int64, url: String, feedDate: Date?, discoveredAt: Date,
                        analysis: Analysis = SampleItems.analysis, originalTitle: String? = nil) async throws -> Int64 {
        let entry = DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url, title: originalTitle ?? "Story at \(url)",
                                   author: "Tom Writer", publishedAt: feedDate)
        _ = try await insertDiscovered([entry], now: discoveredAt)
        let id = try #require(try await itemID(canonicalURL: url))
        try await database.raw("""
            UPDATE items SET stage = \(bind: Stage.published.rawValue), article_json = \(bind: try Self.json(SampleItems.article)),
                analysis_json = \(bind: try Self.json(analysis)), translation_json = \(bind: try Self.json(SampleItems.translation())),
                importance = \(bind: analysis.importance.value),
                published_at = \(bind: discoveredAt.addingTimeInterval(60).storedValue)
            WHERE id = \(bind: id)
            """).run()
        try await replaceTags(of: id, with: analysis.tags, heldBy: nil)
        try await indexForSearch(itemIDs: [id])
        return id
    }

    /// Overwrites one column of a row, for rows a bug or an older version left behind.
    func overwrite(_ column: String, of id: Int64, with value: String?) async throws {
        try await database.raw("UPDATE items SET \(ident: column) = \(bind: value) WHERE id = \(bind: id)").run()
    }
}
