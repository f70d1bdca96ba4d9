import Foundation
import KawarabanCore
import SQLKit

/// The facts the reader's lists filter by, kept in rows of their own beside the analysis they come
/// from (migration 10): `item_tags` here; `items.importance` and `items.shown_at` are written with
/// the analysis and the entry.
extension Store {
    /// Replaces an item's tags with `tags` (each once). With `owner`, only while that worker still
    /// holds the item, so a worker that lost its lease changes nothing; the analysis is written
    /// after, by the same holder, and a crash in between leaves the step to be repeated whole.
    func replaceTags(of itemID: Int64, with tags: [String], heldBy owner: String?) async throws {
        let held: SQLQueryString = owner.map {
            "EXISTS (SELECT 1 FROM items WHERE id = \(bind: itemID) AND lease_owner = \(bind: $0))"
        } ?? "TRUE"
        try await database.raw("DELETE FROM item_tags WHERE item_id = \(bind: itemID) AND \(held)").run()
        let distinct = tags.reduce(into: [String]()) { kept, tag in if !kept.contains(tag) { kept.append(tag) } }
        guard !distinct.isEmpty else { return }
        let rows: [SQLQueryString] = distinct.map { "(\(bind: itemID), \(bind: $0))" }
        try await database.raw("""
            INSERT INTO item_tags (item_id, tag) SELECT column1, column2 FROM (VALUES \(rows.joined(separator: ", "))) AS tagged
            WHERE \(held) ON CONFLICT DO NOTHING
            """).run()
    }
}

/// What a feed narrows the published headlines to: a tag, an entity, a lowest importance.
public struct HeadlineFilter: Sendable, Hashable {
    public var tag: String?
    public var entityID: Int64?
    public var minimumImportance: Int?

    public init(tag: String? = nil, entityID: Int64? = nil, minimumImportance: Int? = nil) {
        self.tag = tag
        self.entityID = entityID
        self.minimumImportance = minimumImportance
    }
}

extension Store {
    /// Published headlines that meet `filter`, newest first by `shownAt`: the site's feeds of the
    /// latest articles, of a tag and of a company.
    public func headlines(_ filter: HeadlineFilter, limit: Int) async throws(StoreError) -> [PublishedHeadline] {
        var conditions: [SQLQueryString] = []
        if let tag = filter.tag {
            conditions.append("items.id IN (SELECT item_tags.item_id FROM item_tags WHERE item_tags.tag = \(bind: tag))")
        }
        if let entityID = filter.entityID {
            conditions.append(
                "items.id IN (SELECT item_entities.item_id FROM item_entities WHERE item_entities.entity_id = \(bind: entityID))")
        }
        if let minimumImportance = filter.minimumImportance {
            conditions.append("items.importance >= \(bind: minimumImportance)")
        }
        return try await headlines(where: conditions.isEmpty ? "TRUE" : conditions.joined(separator: " AND "),
                                   limit: limit, offset: 0, doing: "listing the headlines of a feed")
    }

    /// The entity with this id when it is of one of `kinds`; nil otherwise.
    public func entity(id: Int64, ofKinds kinds: [EntityKind]) async throws(StoreError) -> StoredEntity? {
        guard !kinds.isEmpty else { return nil }
        return try await translatingErrors("reading entity \(id)") {
            try await database.raw("""
                SELECT id, name, kind, name_key FROM entities WHERE id = \(bind: id) AND kind IN (\(binds: kinds.map(\.rawValue)))
                """).first().map { row in
                StoredEntity(id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
                             kind: EntityKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .product,
                             nameKey: try row.decode(column: "name_key", as: String.self))
            }
        }
    }
}
