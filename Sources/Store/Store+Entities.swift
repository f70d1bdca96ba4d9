import Foundation
import KawarabanCore
import SQLKit

/// An entity as stored: one row per name key, with the spelling and kind it was first named with.
public struct StoredEntity: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var kind: EntityKind
    public var nameKey: String
}

/// An entity and the number of published items that name it.
public struct EntityMentions: Sendable, Hashable {
    public var entity: StoredEntity
    public var items: Int
}

/// A published item related to another, with how strongly: the weights of the entities they share.
public struct RelatedHeadline: Sendable, Hashable {
    public var headline: PublishedHeadline
    public var weight: Int
}

/// Entities stored normalised: `entities` (one row per name key), `entity_aliases` (renderings
/// and other names that lead to an entity) and `item_entities` (which items name it, and whether
/// mainly). The queries are the ones the pages about a company or a product, related articles and
/// trends read; all of them list published items only.
extension Store {
    /// A shared entity counts this much towards relatedness when both items are mainly about it,
    /// when one is, and when neither is.
    static let relatedWeightBothMain = 3
    static let relatedWeightOneMain = 2
    static let relatedWeightMentioned = 1

    /// Records the entities an item's analysis names, while `owner` holds the item: each entity is
    /// stored once by its name key (the first spelling and kind stay), its rendering becomes an
    /// alias, and the item's links are replaced by these. An entity whose name key is among
    /// `glossaryNames` and whose name the glossary lacks enters it with its rendering, so the
    /// first rendering of a name wins. Returns the glossary's entries for the entities' names as
    /// they stand afterwards, or nil when `owner` no longer holds the item (nothing is written then).
    public func recordEntities(_ entities: [Entity], of itemID: Int64, owner: String, now: Date,
                               glossaryNames: Set<String>) async throws(StoreError) -> [GlossaryEntry]? {
        try await translatingErrors("recording the entities of item \(itemID)") {
            guard try await database.raw("SELECT id FROM items WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner)").first() != nil else {
                return nil
            }
            try await database.raw("DELETE FROM item_entities WHERE item_id = \(bind: itemID)").run()
            for entity in entities {
                let key = NameKey.of(entity.name)
                var entityID = try await knownEntityID(named: key)
                if entityID == nil { entityID = try await newEntityID(entity, key: key, now: now) }
                guard let entityID else { continue }
                let alias = NameKey.of(entity.rendering)
                if alias != key {
                    try await database.raw("""
                        INSERT INTO entity_aliases (alias_key, entity_id) VALUES (\(bind: alias), \(bind: entityID)) ON CONFLICT DO NOTHING
                        """).run()
                }
                try await database.raw("""
                    INSERT INTO item_entities (item_id, entity_id, main) VALUES (\(bind: itemID), \(bind: entityID), \(bind: entity.main ? 1 : 0))
                    ON CONFLICT DO NOTHING
                    """).run()
                if glossaryNames.contains(key) {
                    try await insertGlossaryEntryIfNew(
                        GlossaryEntry(original: entity.name, rendering: entity.rendering, kind: entity.kind, origin: .entity), now: now)
                }
            }
            var entries: [GlossaryEntry] = []
            for entity in entities {
                if let entry = try await glossaryEntry(nameKey: NameKey.of(entity.name)) { entries.append(entry) }
            }
            return entries
        }
    }

    /// The entity a name key already stands for: its own name, else a rendering another article
    /// gave it (an article in Japanese names サム・アルトマン, whom an English one named Sam Altman),
    /// the earliest entity when two share the rendering.
    private func knownEntityID(named key: String) async throws -> Int64? {
        if let id = try await database.raw("SELECT id FROM entities WHERE name_key = \(bind: key)").first()?
            .decode(column: "id", as: Int64.self) { return id }
        return try await database.raw("""
            SELECT MIN(entity_id) AS id FROM entity_aliases WHERE alias_key = \(bind: key)
            """).first()?.decode(column: "id", as: Int64?.self)
    }

    /// A new entity under `key`, or the one another writer stored under it in the meantime.
    private func newEntityID(_ entity: Entity, key: String, now: Date) async throws -> Int64? {
        try await database.raw("""
            INSERT INTO entities (name_key, kind, name, created_at)
            VALUES (\(bind: key), \(bind: entity.kind.rawValue), \(bind: entity.name), \(bind: now.storedValue))
            ON CONFLICT (name_key) DO NOTHING
            """).run()
        return try await database.raw("SELECT id FROM entities WHERE name_key = \(bind: key)").first()?
            .decode(column: "id", as: Int64.self)
    }

    /// The aliases recorded for the entities with these name keys (in their stored, normalised
    /// form), by name key.
    public func entityAliases(nameKeys: [String]) async throws(StoreError) -> [String: [String]] {
        try await translatingErrors("reading entity aliases") {
            var aliases: [String: [String]] = [:]
            for key in Set(nameKeys) {
                aliases[key] = try await database.raw("""
                    SELECT entity_aliases.alias_key FROM entity_aliases JOIN entities ON entities.id = entity_aliases.entity_id
                    WHERE entities.name_key = \(bind: key) ORDER BY entity_aliases.alias_key
                    """).all().map { try $0.decode(column: "alias_key", as: String.self) }
            }
            return aliases
        }
    }

    /// Published items naming the entity whose name or alias is `name` (any case or width), newest
    /// first by `shownAt`.
    public func headlines(aboutEntity name: String, limit: Int, offset: Int) async throws(StoreError) -> [PublishedHeadline] {
        let key = NameKey.of(name)
        return try await headlines(where: """
            items.id IN (SELECT item_entities.item_id FROM item_entities WHERE item_entities.entity_id IN (
                SELECT id FROM entities WHERE name_key = \(bind: key)
                UNION SELECT entity_id FROM entity_aliases WHERE alias_key = \(bind: key)))
            """, limit: limit, offset: offset, doing: "listing the articles about \(name)")
    }

    /// One row per entity `itemID` shares with another item: that item and the entity's weight.
    static func sharedEntityWeights(of itemID: Int64) -> SQLQueryString {
        """
        SELECT theirs.item_id, CASE
            WHEN mine.main = 1 AND theirs.main = 1 THEN \(literal: relatedWeightBothMain)
            WHEN mine.main = 1 OR theirs.main = 1 THEN \(literal: relatedWeightOneMain)
            ELSE \(literal: relatedWeightMentioned) END AS weight
        FROM item_entities AS mine
        JOIN item_entities AS theirs ON theirs.entity_id = mine.entity_id AND theirs.item_id <> mine.item_id
        WHERE mine.item_id = \(bind: itemID)
        """
    }

    /// Published items sharing entities with `itemID`, most related first: each shared entity
    /// weighs `relatedWeightBothMain`, `relatedWeightOneMain` or `relatedWeightMentioned`; ties go
    /// to the newer item.
    public func relatedHeadlines(of itemID: Int64, limit: Int) async throws(StoreError) -> [RelatedHeadline] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("listing the articles related to item \(itemID)") {
            try await database.raw("""
                SELECT \(Self.headlineColumns), ranked.weight
                FROM (
                    SELECT shared.item_id, SUM(shared.weight) AS weight FROM (\(Self.sharedEntityWeights(of: itemID))) AS shared
                    GROUP BY shared.item_id
                ) AS ranked
                JOIN items ON items.id = ranked.item_id
                JOIN sources ON sources.id = items.source_id
                WHERE \(Self.listable)
                ORDER BY ranked.weight DESC, shown_at DESC, items.id DESC
                LIMIT \(bind: limit)
                """).all().map { row in
                RelatedHeadline(headline: try Self.headline(from: row), weight: try row.decode(column: "weight", as: Int.self))
            }
        }
    }

    /// The entities named by the most items published in `period`, most first (then by name).
    public func mostMentionedEntities(publishedIn period: Range<Date>, limit: Int) async throws(StoreError) -> [EntityMentions] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("counting the entities mentioned") {
            try await database.raw("""
                SELECT entities.id, entities.name, entities.kind, entities.name_key, COUNT(*) AS mentions
                FROM item_entities
                JOIN items ON items.id = item_entities.item_id
                JOIN entities ON entities.id = item_entities.entity_id
                WHERE \(Self.listable) AND items.published_at >= \(bind: period.lowerBound.storedValue)
                    AND items.published_at < \(bind: period.upperBound.storedValue)
                GROUP BY entities.id, entities.name, entities.kind, entities.name_key
                ORDER BY mentions DESC, entities.name ASC
                LIMIT \(bind: limit)
                """).all().map(Self.entityMentions)
        }
    }
}
