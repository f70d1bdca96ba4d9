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
func withSite<Value: Sendable>(
    _ backend: Backend = .sqlite,
    configuration: SiteConfiguration = SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!),
    _ body: @Sendable (Store, any TestClientProtocol) async throws -> Value
) async throws -> Value {
    try await withTestStore(backend) { store in
        let renderer = try await SiteRenderer(configuration: configuration)
        let app = Application(responder: try SiteApplication.responder(store: store, renderer: renderer, cache: RenderedPageCache()))
        return try await app.test(.router) { client in try await body(store, client) }
    }
}

/// What the site answered at `uri`: the status, the content type and the body as text.
func read(_ client: some TestClientProtocol, _ uri: String) async throws -> (status: HTTPResponse.Status, type: String?, body: String) {
    try await client.execute(uri: uri, method: .get) { response in
        (response.status, response.headers[.contentType], String(buffer: response.body))
    }
}

extension Store {
    /// Stores an entry discovered at `discoveredAt` and sets it as the pipeline leaves a published
    /// one, written straight to the row (the site reads rows however they were stored), and
    /// indexes it for search as the demo database does.
    func storePublished(source: Int64, url: String, feedDate: Date?, discoveredAt: Date,
                        analysis: Analysis = SampleItems.analysis, article: Article = SampleItems.article,
                        translation: Translation = SampleItems.translation(), videoID: String? = nil,
                        entities: [Entity] = [], originalTitle: String? = nil) async throws -> Int64 {
        let entry = DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url,
                                   title: originalTitle ?? Self.publishedTitle(url),
                                   author: "Tom Writer", publishedAt: feedDate, videoID: videoID)
        _ = try await insertDiscovered([entry], now: discoveredAt)
        let id = try #require(try await itemID(canonicalURL: url))
        try await database.raw("""
            UPDATE items SET stage = \(bind: Stage.published.rawValue), article_json = \(bind: try Self.json(article)),
                analysis_json = \(bind: try Self.json(analysis)), translation_json = \(bind: try Self.json(translation)),
                importance = \(bind: analysis.importance.value),
                published_at = \(bind: discoveredAt.addingTimeInterval(60).storedValue)
            WHERE id = \(bind: id)
            """).run()
        try await replaceTags(of: id, with: analysis.tags, heldBy: nil)
        if !entities.isEmpty {
            // Entities are recorded only by the item's holder, as the pipeline does it.
            let owner = "site-tests"
            try await database.raw("UPDATE items SET lease_owner = \(bind: owner) WHERE id = \(bind: id)").run()
            _ = try #require(try await recordEntities(entities, of: id, owner: owner, now: discoveredAt, glossaryNames: []))
            try await database.raw("UPDATE items SET lease_owner = NULL WHERE id = \(bind: id)").run()
        }
        try await indexForSearch(itemIDs: [id])
        return id
    }

    /// The original title `storePublished` gives the entry at `url`.
    static func publishedTitle(_ url: String) -> String { "Story at \(url)" }

    /// The canonical address of the article `storePublished` stored from `url`.
    static func articlePath(_ id: Int64, url: String) -> String {
        SitePages.articlePath(id: id, title: publishedTitle(url))
    }

    /// Overwrites one column of a row, for rows a bug or an older version left behind.
    func overwrite(_ column: String, of id: Int64, with value: String?) async throws {
        try await database.raw("UPDATE items SET \(ident: column) = \(bind: value) WHERE id = \(bind: id)").run()
    }
}
