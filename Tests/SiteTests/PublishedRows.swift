import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Logging
import Testing
@testable import Site
@testable import Store

/// The site's router over a real SQLite store in a folder of its own, removed afterwards.
func withSite(_ body: @Sendable (Store, any TestClientProtocol) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-site-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let logger = Logger(label: "site-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    let store = try await Store.open(.sqlite(path: folder.appendingPathComponent("db.sqlite").path), logger: logger)
    let outcome: Result<Void, any Error>
    do {
        let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
        let app = Application(router: try SiteApplication.router(store: store, renderer: renderer))
        try await app.test(.router) { client in try await body(store, client) }
        outcome = .success(())
    } catch {
        outcome = .failure(error)
    }
    try await store.close()
    try outcome.get()
}

extension Store {
    /// Stores an entry discovered at `discoveredAt` and sets it as the pipeline leaves a published
    /// one, written straight to the row: the site reads rows however they were stored.
    func storePublished(source: Int64, url: String, feedDate: Date?, discoveredAt: Date,
                        analysis: Analysis = SampleItems.analysis) async throws -> Int64 {
        let entry = DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url, title: "Story at \(url)",
                                   author: "Tom Writer", publishedAt: feedDate)
        _ = try await insertDiscovered([entry], now: discoveredAt)
        let id = try #require(try await itemID(canonicalURL: url))
        try await database.raw("""
            UPDATE items SET stage = \(bind: Stage.published.rawValue), article_json = \(bind: try Self.json(SampleItems.article)),
                analysis_json = \(bind: try Self.json(analysis)), translation_json = \(bind: try Self.json(SampleItems.translation())),
                published_at = \(bind: discoveredAt.addingTimeInterval(60).storedValue)
            WHERE id = \(bind: id)
            """).run()
        return id
    }

    /// Overwrites one column of a row, for rows a bug or an older version left behind.
    func overwrite(_ column: String, of id: Int64, with value: String?) async throws {
        try await database.raw("UPDATE items SET \(ident: column) = \(bind: value) WHERE id = \(bind: id)").run()
    }
}
