import Foundation
import KawarabanCore
import SQLKit

/// What happened to a published item that changes what the site shows.
public enum SiteChangeKind: String, Sendable {
    case published, unpublished, rewritten
    /// A digest was written: its item is one the digest carries, or 0 for a digest carrying none.
    case digested
}

/// One row of `site_changes`, in the order the changes were made.
public struct SiteChange: Sendable, Hashable {
    public var id: Int64
    public var itemID: Int64
    public var kind: SiteChangeKind
    /// The tags the item had before a rewrite replaced them: their pages listed it.
    public var previousTags: [String]
}

/// An entity an item names, as the pages about entities need it: which page, which index.
public struct EntityReference: Sendable, Hashable {
    public var id: Int64
    public var kind: EntityKind

    public init(id: Int64, kind: EntityKind) {
        self.id = id
        self.kind = kind
    }
}

/// What an item is about, as far as the site's pages group items: its tags and its entities.
public struct ItemTopics: Sendable, Hashable {
    public var tags: [String]
    public var entities: [EntityReference]

    public init(tags: [String], entities: [EntityReference]) {
        self.tags = tags
        self.entities = entities
    }
}

/// The log of changes the site's caches follow (migration 12), and the flags about the whole
/// database the site shows. Changes are written by the store wherever an item is published,
/// unpublished or rewritten, so that a web process learns of a change made by any process.
extension Store {
    /// Changes older than this are dropped when a new one is written: a web process reads the log
    /// every second or so, and one that starts reads only what comes after its start.
    static let siteChangeRetention: TimeInterval = 86_400
    /// The flag `kawaraban demo` sets: every article of this database is synthetic.
    static let syntheticFlag = "synthetic"

    /// Records that `itemIDs` changed in a way the site shows, and drops entries past retention;
    /// on `connection` when the change is part of a transaction there.
    func recordSiteChange(of itemIDs: [Int64], _ kind: SiteChangeKind, previousTags: [String] = [], now: Date,
                          on connection: (any SQLDatabase)? = nil) async throws {
        guard !itemIDs.isEmpty else { return }
        let database = connection ?? self.database
        let previous = previousTags.isEmpty ? nil : try Self.json(previousTags)
        let rows: [SQLQueryString] = itemIDs.map {
            "(\(bind: $0), \(bind: kind.rawValue), \(bind: previous), \(bind: now.storedValue))"
        }
        try await database.raw("""
            INSERT INTO site_changes (item_id, kind, previous_tags, changed_at) VALUES \(rows.joined(separator: ", "))
            """).run()
        try await database.raw("""
            DELETE FROM site_changes WHERE changed_at < \(bind: now.addingTimeInterval(-Self.siteChangeRetention).storedValue)
            """).run()
    }

    /// The id of the newest change, 0 when there is none: where a process starting now begins to read.
    public func latestSiteChangeID() async throws(StoreError) -> Int64 {
        try await translatingErrors("reading the latest site change") {
            try await database.raw("SELECT MAX(id) AS id FROM site_changes").first()?.decode(column: "id", as: Int64?.self) ?? 0
        }
    }

    /// Changes after `id`, oldest first, at most `limit`.
    public func siteChanges(after id: Int64, limit: Int) async throws(StoreError) -> [SiteChange] {
        try await translatingErrors("reading site changes") {
            try await database.raw("""
                SELECT id, item_id, kind, previous_tags FROM site_changes WHERE id > \(bind: id) ORDER BY id LIMIT \(bind: limit)
                """).all().compactMap { row in
                guard let kind = SiteChangeKind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
                return SiteChange(id: try row.decode(column: "id", as: Int64.self),
                                  itemID: try row.decode(column: "item_id", as: Int64.self), kind: kind,
                                  previousTags: try Self.decodeJSON([String].self, row.decode(column: "previous_tags", as: String?.self)) ?? [])
            }
        }
    }

    /// An item's tags and entities, whatever its stage.
    public func topics(ofItem itemID: Int64) async throws(StoreError) -> ItemTopics {
        try await translatingErrors("reading the topics of item \(itemID)") {
            let tags = try await database.raw("SELECT tag FROM item_tags WHERE item_id = \(bind: itemID)").all()
                .map { try $0.decode(column: "tag", as: String.self) }
            let entities = try await database.raw("""
                SELECT entities.id, entities.kind FROM item_entities JOIN entities ON entities.id = item_entities.entity_id
                WHERE item_entities.item_id = \(bind: itemID)
                """).all().compactMap { row in
                try EntityKind(rawValue: try row.decode(column: "kind", as: String.self)).map {
                    EntityReference(id: try row.decode(column: "id", as: Int64.self), kind: $0)
                }
            }
            return ItemTopics(tags: tags, entities: entities)
        }
    }

    /// The published items just before and just after `itemID` in the order the lists show
    /// (`shown_at`, then id), whether or not the item itself is published: after an item comes
    /// or goes, these are the articles whose previous or next link changed.
    public func neighbours(ofItem itemID: Int64) async throws(StoreError) -> [Int64] {
        try await translatingErrors("reading the neighbours of item \(itemID)") {
            guard let shownAt = try await database.raw("SELECT shown_at FROM items WHERE id = \(bind: itemID)").first()?
                .decode(column: "shown_at", as: Double?.self) else { return [] }
            var neighbours: [Int64] = []
            for (comparison, order) in [("<", "DESC"), (">", "ASC")] {
                let row = try await database.raw("""
                    SELECT items.id FROM items
                    WHERE \(Self.listable) AND (items.shown_at \(unsafeRaw: comparison) \(bind: shownAt)
                        OR (items.shown_at = \(bind: shownAt) AND items.id \(unsafeRaw: comparison) \(bind: itemID)))
                    ORDER BY items.shown_at \(unsafeRaw: order), items.id \(unsafeRaw: order) LIMIT 1
                    """).first()
                if let id = try row?.decode(column: "id", as: Int64.self) { neighbours.append(id) }
            }
            return neighbours
        }
    }

    /// Whether this database holds synthetic articles (`kawaraban demo`), which the site must say.
    public func holdsSyntheticData() async throws(StoreError) -> Bool {
        try await translatingErrors("reading the site's flags") {
            try await database.raw("SELECT value FROM site_flags WHERE name = \(bind: Self.syntheticFlag)").first() != nil
        }
    }

    func markSynthetic() async throws {
        try await database.raw("""
            INSERT INTO site_flags (name, value) VALUES (\(bind: Self.syntheticFlag), 'true') ON CONFLICT (name) DO NOTHING
            """).run()
    }
}
