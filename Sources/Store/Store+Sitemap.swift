import Foundation
import KawarabanCore
import SQLKit

/// How many addresses of each kind the site map lists.
public struct SitemapCounts: Sendable, Hashable {
    public var articles: Int
    public var tags: Int
    public var entities: Int
    /// Written digests of every kind.
    public var digests: Int

    public var total: Int { articles + tags + entities + digests }
}

/// A published article as the site map lists it: its address and when it last changed.
public struct SitemapArticle: Sendable, Hashable {
    public var id: Int64
    /// The title as the source wrote it, which the address's slug is made from.
    public var originalTitle: String
    public var modifiedAt: Date
}

/// The site map's queries: ids, titles, tags and dates only, a slice at a time, so that a site of a
/// million articles is listed without reading any analysis.
extension Store {
    /// Published articles, the distinct tags they carry, and the entities of `kinds` they name.
    public func sitemapCounts(entityKinds kinds: [EntityKind]) async throws(StoreError) -> SitemapCounts {
        try await translatingErrors("counting the site map's addresses") {
            let row = try await database.raw("""
                SELECT (SELECT COUNT(*) FROM items WHERE \(Self.listable)) AS articles,
                    (SELECT COUNT(DISTINCT item_tags.tag) FROM item_tags JOIN items ON items.id = item_tags.item_id
                        WHERE \(Self.listable)) AS tags,
                    (\(Self.listedEntityIDs(kinds, distinct: "COUNT(DISTINCT entities.id)"))) AS entities,
                    (SELECT COUNT(*) FROM digests WHERE \(Self.writtenDigest)) AS digests
                """).first()
            return SitemapCounts(articles: try row?.decode(column: "articles", as: Int.self) ?? 0,
                                 tags: try row?.decode(column: "tags", as: Int.self) ?? 0,
                                 entities: try row?.decode(column: "entities", as: Int.self) ?? 0,
                                 digests: try row?.decode(column: "digests", as: Int.self) ?? 0)
        }
    }

    /// Published articles by id, with the time each was published.
    public func sitemapArticles(limit: Int, offset: Int) async throws(StoreError) -> [SitemapArticle] {
        guard limit > 0, offset >= 0 else { return [] }
        return try await translatingErrors("listing the site map's articles") {
            try await database.raw("""
                SELECT items.id, items.title, COALESCE(items.published_at, items.shown_at) AS modified_at FROM items
                WHERE \(Self.listable) ORDER BY items.id LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all().map { row in
                SitemapArticle(id: try row.decode(column: "id", as: Int64.self),
                               originalTitle: try row.decode(column: "title", as: String.self),
                               modifiedAt: Date(stored: try row.decode(column: "modified_at", as: Double.self)))
            }
        }
    }

    /// The tags of published articles, in order.
    public func sitemapTags(limit: Int, offset: Int) async throws(StoreError) -> [String] {
        guard limit > 0, offset >= 0 else { return [] }
        return try await translatingErrors("listing the site map's tags") {
            try await database.raw("""
                SELECT DISTINCT item_tags.tag FROM item_tags JOIN items ON items.id = item_tags.item_id
                WHERE \(Self.listable) ORDER BY item_tags.tag LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all().map { try $0.decode(column: "tag", as: String.self) }
        }
    }

    /// The ids of entities of `kinds` that published articles name, in order.
    public func sitemapEntities(ofKinds kinds: [EntityKind], limit: Int, offset: Int) async throws(StoreError) -> [Int64] {
        guard limit > 0, offset >= 0 else { return [] }
        return try await translatingErrors("listing the site map's entities") {
            try await database.raw("""
                \(Self.listedEntityIDs(kinds, distinct: "DISTINCT entities.id"))
                ORDER BY entities.id LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
        }
    }

    /// `SELECT selection` over the entities of `kinds` that a published article names.
    private static func listedEntityIDs(_ kinds: [EntityKind], distinct selection: String) -> SQLQueryString {
        """
        SELECT \(unsafeRaw: selection) AS id FROM entities
        JOIN item_entities ON item_entities.entity_id = entities.id
        JOIN items ON items.id = item_entities.item_id
        WHERE \(listable) AND entities.kind IN (\(binds: kinds.map(\.rawValue)))
        """
    }
}
