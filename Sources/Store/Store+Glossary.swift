import Foundation
import KawarabanCore
import SQLKit

/// How a glossary write treats an entry already stored under the same name.
public enum GlossaryWrite: Sendable {
    /// Only a name the glossary lacks is added (entities as they appear: the first rendering wins).
    case addIfNew
    /// Replaces any entry but an operator's (the seed shipped with Kawaraban).
    case replaceUnlessOperator
    /// Replaces any entry (the operator's own `glossary set` and `import`).
    case replace
}

/// An item's stored analysis and translation, for rewriting them after the glossary changed.
public struct EditorialTexts: Sendable {
    public var itemID: Int64
    public var analysis: Analysis?
    public var translation: Translation?
}

/// The site-wide glossary: `glossary` holds one rendering per name key, `glossary_previous` the
/// renderings an entry had before, so that `glossary apply` knows what to replace.
extension Store {
    /// Every entry, or those of one kind, by original name.
    public func glossaryEntries(kind: EntityKind? = nil) async throws(StoreError) -> [GlossaryEntry] {
        try await translatingErrors("reading the glossary") {
            var previous: [String: [String]] = [:]
            for row in try await database.raw("SELECT name_key, rendering FROM glossary_previous ORDER BY replaced_at, rendering").all() {
                previous[try row.decode(column: "name_key", as: String.self), default: []]
                    .append(try row.decode(column: "rendering", as: String.self))
            }
            var query: SQLQueryString = "SELECT name_key, original, rendering, kind, origin, updated_at FROM glossary"
            if let kind { query += " WHERE kind = \(bind: kind.rawValue)" }
            query += " ORDER BY original, name_key"
            return try await database.raw(query).all().map { row in
                try Self.glossaryEntry(from: row, previous: previous[try row.decode(column: "name_key", as: String.self)] ?? [])
            }
        }
    }

    /// The entry for one name key, or nil.
    func glossaryEntry(nameKey: String) async throws -> GlossaryEntry? {
        guard let row = try await database.raw("""
            SELECT name_key, original, rendering, kind, origin, updated_at FROM glossary WHERE name_key = \(bind: nameKey)
            """).first() else { return nil }
        let previous = try await database.raw("""
            SELECT rendering FROM glossary_previous WHERE name_key = \(bind: nameKey) ORDER BY replaced_at, rendering
            """).all().map { try $0.decode(column: "rendering", as: String.self) }
        return try Self.glossaryEntry(from: row, previous: previous)
    }

    /// Stores `entry` as `write` allows. When it replaces another rendering, that rendering is kept
    /// among the entry's previous ones. True when anything changed.
    public func writeGlossaryEntry(_ entry: GlossaryEntry, _ write: GlossaryWrite, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("writing the glossary entry for \(entry.original)") {
            let key = entry.key
            let unlessOperator: SQLQueryString = write == .replace ? "" : " AND glossary.origin <> 'operator'"
            switch write {
            case .addIfNew:
                return try await insertGlossaryEntryIfNew(entry, now: now)
            case .replaceUnlessOperator, .replace:
                try await database.raw("""
                    INSERT INTO glossary_previous (name_key, rendering, replaced_at)
                    SELECT name_key, rendering, \(bind: now.storedValue) FROM glossary
                    WHERE name_key = \(bind: key) AND rendering <> \(bind: entry.rendering)\(unlessOperator)
                    ON CONFLICT DO NOTHING
                    """).run()
                let changed = try await database.raw("""
                    INSERT INTO glossary (name_key, original, rendering, kind, origin, updated_at)
                    VALUES (\(bind: key), \(bind: entry.original), \(bind: entry.rendering), \(bind: entry.kind?.rawValue),
                        \(bind: entry.origin.rawValue), \(bind: now.storedValue))
                    ON CONFLICT (name_key) DO UPDATE SET original = excluded.original, rendering = excluded.rendering,
                        kind = COALESCE(excluded.kind, glossary.kind), origin = excluded.origin, updated_at = excluded.updated_at
                    WHERE (glossary.rendering <> excluded.rendering OR glossary.original <> excluded.original
                        OR glossary.origin <> excluded.origin)\(unlessOperator)
                    RETURNING name_key
                    """).first() != nil
                // A rendering that is current again is no longer one to replace.
                if changed {
                    try await database.raw("""
                        DELETE FROM glossary_previous WHERE name_key = \(bind: key) AND rendering = \(bind: entry.rendering)
                        """).run()
                }
                return changed
            }
        }
    }

    /// Rows per statement when adding many entries: far under SQLite's limit of bound values.
    static let glossaryRowsPerInsert = 200

    /// Adds each entry whose name is not there already, a few hundred rows per statement (a fresh
    /// database gets the whole seed at its first start, every test database included); returns how
    /// many were added.
    public func insertGlossaryEntriesIfNew(_ entries: [GlossaryEntry], now: Date) async throws(StoreError) -> Int {
        try await translatingErrors("adding \(entries.count) glossary entries") {
            var added = 0
            for start in stride(from: 0, to: entries.count, by: Self.glossaryRowsPerInsert) {
                let rows = entries[start..<min(start + Self.glossaryRowsPerInsert, entries.count)].map { entry -> SQLQueryString in
                    "(\(bind: entry.key), \(bind: entry.original), \(bind: entry.rendering), \(bind: entry.kind?.rawValue), "
                        + "\(bind: entry.origin.rawValue), \(bind: now.storedValue))"
                }
                let query: SQLQueryString = "INSERT INTO glossary (name_key, original, rendering, kind, origin, updated_at) VALUES "
                    + rows.joined(separator: ", ") + " ON CONFLICT (name_key) DO NOTHING RETURNING name_key"
                added += try await database.raw(query).all().count
            }
            return added
        }
    }

    /// Adds `entry` unless its name is there already; true when added.
    @discardableResult
    func insertGlossaryEntryIfNew(_ entry: GlossaryEntry, now: Date) async throws -> Bool {
        try await database.raw("""
            INSERT INTO glossary (name_key, original, rendering, kind, origin, updated_at)
            VALUES (\(bind: entry.key), \(bind: entry.original), \(bind: entry.rendering), \(bind: entry.kind?.rawValue),
                \(bind: entry.origin.rawValue), \(bind: now.storedValue))
            ON CONFLICT (name_key) DO NOTHING RETURNING name_key
            """).first() != nil
    }

    private static func glossaryEntry(from row: any SQLRow, previous: [String]) throws -> GlossaryEntry {
        GlossaryEntry(
            original: try row.decode(column: "original", as: String.self),
            rendering: try row.decode(column: "rendering", as: String.self),
            kind: try row.decode(column: "kind", as: String?.self).flatMap(EntityKind.init(rawValue:)),
            origin: GlossaryEntry.Origin(rawValue: try row.decode(column: "origin", as: String.self)) ?? .operator,
            previousRenderings: previous,
            updatedAt: Date(stored: try row.decode(column: "updated_at", as: Double.self)))
    }

    /// Items with an analysis or a translation, by id after `itemID`, `limit` at a time. A value
    /// that no longer decodes is left out (nil), so a rewrite leaves it as it is.
    public func editorialTexts(after itemID: Int64, limit: Int) async throws(StoreError) -> [EditorialTexts] {
        try await translatingErrors("reading stored analyses and translations") {
            try await database.raw("""
                SELECT id, analysis_json, translation_json FROM items
                WHERE id > \(bind: itemID) AND (analysis_json IS NOT NULL OR translation_json IS NOT NULL)
                ORDER BY id LIMIT \(bind: limit)
                """).all().map { row in
                EditorialTexts(
                    itemID: try row.decode(column: "id", as: Int64.self),
                    analysis: try? Self.decodeJSON(Analysis.self, row.decode(column: "analysis_json", as: String?.self)),
                    translation: try? Self.decodeJSON(Translation.self, row.decode(column: "translation_json", as: String?.self)))
            }
        }
    }

    /// Replaces an item's stored analysis and translation (a nil one stays as it is). An operator's
    /// rewrite, not a step of the queue: it needs no lease.
    public func rewriteEditorialTexts(of itemID: Int64, analysis: Analysis?, translation: Translation?, now: Date) async throws(StoreError) {
        try await translatingErrors("rewriting the analysis and translation of item \(itemID)") {
            var previousTags: [String] = []
            if let analysis {
                previousTags = try await database.raw("SELECT tag FROM item_tags WHERE item_id = \(bind: itemID)").all()
                    .map { try $0.decode(column: "tag", as: String.self) }
                try await replaceTags(of: itemID, with: analysis.tags, heldBy: nil)
            }
            let rewritten = try await database.raw("""
                UPDATE items SET analysis_json = COALESCE(\(bind: try analysis.map { try Self.json($0) }), analysis_json),
                    translation_json = COALESCE(\(bind: try translation.map { try Self.json($0) }), translation_json),
                    updated_at = \(bind: now.storedValue)
                WHERE id = \(bind: itemID) RETURNING stage
                """).first()
            if try rewritten?.decode(column: "stage", as: String.self) == Stage.published.rawValue {
                try await recordSiteChange(of: [itemID], .rewritten, previousTags: previousTags, now: now)
            }
        }
        try await indexForSearch(itemIDs: [itemID])
    }
}
