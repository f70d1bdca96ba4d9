import Foundation
import KawarabanCore
import SQLKit

/// An item an operator sent back to work, and the stage it went back to.
public struct RequeuedItem: Sendable, Hashable, Codable {
    public var itemID: Int64
    public var title: String
    public var stage: Stage
}

/// What removing a source did to the items it found.
public struct SourceRemoval: Sendable, Hashable {
    public var source: Source
    /// Published (or unpublished) articles, kept and still credited to the source's name.
    public var keptArticles: Int
    /// Unpublished stories another source also carried, now credited to that source.
    public var handedOver: Int
    /// Items that were not published and that no other source carried, deleted.
    public var dropped: Int
}

/// What dropping stored pages freed.
public struct DroppedPages: Sendable, Hashable {
    public var items: Int
    public var bytes: Int
}

/// An item found to be a story already stored, and the story it joined.
public struct MergedItem: Sendable, Hashable, Codable {
    public var itemID: Int64
    public var title: String
    public var url: String
    /// Nil for merges recorded before the survivor was stored by id; `note` then names it.
    public var mergedInto: Int64?
    public var note: String
    public var updatedAt: Date
}

extension Store {
    /// Items whose output stops at a stage are sent back to that stage: the stage after the last
    /// stored output is the one that failed. A page dropped by retention sends the item back to
    /// be fetched again.
    static let stageToResume: SQLQueryString = """
        CASE WHEN translation_json IS NOT NULL THEN \(literal: Stage.translated.rawValue)
             WHEN analysis_json IS NOT NULL THEN \(literal: Stage.analysed.rawValue)
             WHEN article_json IS NOT NULL THEN \(literal: Stage.extracted.rawValue)
             WHEN page_html IS NOT NULL THEN \(literal: Stage.fetched.rawValue)
             WHEN triaged_at IS NULL AND entry_stage = \(literal: Stage.collected.rawValue) THEN \(literal: Stage.collected.rawValue)
             ELSE \(literal: Stage.discovered.rawValue) END
        """
    /// Stages an operator's requeue applies to: failed, or waiting for a retry.
    static let requeueable = [Stage.failed] + Stage.workable

    /// Sends a failed item back to the stage it failed in, or an item waiting for a retry back to
    /// work now, with its attempts reset. Published, unpublished and merged items are refused.
    public func requeue(itemID: Int64, now: Date) async throws(StoreError) -> RequeuedItem {
        let requeued = try await requeue(where: "id = \(bind: itemID)", now: now)
        if let item = requeued.first { return item }
        guard let item = try await item(id: itemID) else { throw StoreError.notFound("item #\(itemID)") }
        throw StoreError.refused("item #\(itemID) is \(item.stage.rawValue); only failed items and items waiting for a retry can be requeued")
    }

    /// Sends every failed item back to the stage it failed in.
    public func requeueFailed(now: Date) async throws(StoreError) -> [RequeuedItem] {
        try await requeue(where: "stage = \(bind: Stage.failed.rawValue)", now: now)
    }

    private func requeue(where condition: SQLQueryString, now: Date) async throws(StoreError) -> [RequeuedItem] {
        try await translatingErrors("requeueing items") {
            try await database.raw("""
                UPDATE items SET
                    stage = CASE WHEN stage = \(bind: Stage.failed.rawValue) THEN \(Self.stageToResume) ELSE stage END,
                    attempts = 0, claims = 0, last_error = NULL, next_attempt_at = NULL, updated_at = \(bind: now.storedValue)
                WHERE \(condition) AND stage IN (\(literals: Self.requeueable.map(\.rawValue), joinedBy: ", "))
                RETURNING id, title, stage
                """).all().map { row in
                RequeuedItem(itemID: try row.decode(column: "id", as: Int64.self),
                             title: try row.decode(column: "title", as: String.self),
                             stage: Stage(rawValue: try row.decode(column: "stage", as: String.self)) ?? .discovered)
            }.sorted { $0.itemID < $1.itemID }
        }
    }

    /// Takes a published item off the site and its feeds. The row and everything in it are kept;
    /// no worker stage picks `unpublished` up, so nothing publishes it again.
    public func unpublish(itemID: Int64, now: Date) async throws(StoreError) {
        let done = try await translatingErrors("unpublishing item \(itemID)") {
            let unpublished = try await database.raw("""
                UPDATE items SET stage = \(bind: Stage.unpublished.rawValue), updated_at = \(bind: now.storedValue)
                WHERE id = \(bind: itemID) AND stage = \(bind: Stage.published.rawValue) RETURNING id
                """).first() != nil
            if unpublished {
                try await recordSiteChange(of: [itemID], .unpublished, now: now)
                // Its story, if it led one, is shown by the next best of its items.
                try await refreshStory(ofItem: itemID, now: now)
            }
            return unpublished
        }
        if done {
            try await indexForSearch(itemIDs: [itemID])
            return
        }
        guard let item = try await item(id: itemID) else { throw StoreError.notFound("item #\(itemID)") }
        throw StoreError.refused("item #\(itemID) is \(item.stage.rawValue), not published")
    }

    /// Removes a source: it is never collected again and no longer listed. Its published articles
    /// stay, credited to its name; stories it found that are not published yet go to another
    /// source that carried them, or are deleted when none did. Each step can be repeated, so a
    /// removal cut short is finished by running it again.
    public func removeSource(id: Int64, now: Date) async throws(StoreError) -> SourceRemoval {
        try await translatingErrors("removing source \(id)") {
            guard let row = try await database.raw("SELECT \(unsafeRaw: Self.sourceColumns) FROM sources WHERE id = \(bind: id)").first()
            else { throw StoreError.notFound("source #\(id)") }
            let source = try Self.source(from: row)
            try await database.raw("""
                UPDATE sources SET removed_at = COALESCE(removed_at, \(bind: now.storedValue)), next_fetch_at = NULL
                WHERE id = \(bind: id)
                """).run()
            let kept: SQLQueryString = "(\(literals: [Stage.published.rawValue, Stage.unpublished.rawValue], joinedBy: ", "))"
            let otherCarrier: SQLQueryString = """
                SELECT item_sources.source_id FROM item_sources JOIN sources ON sources.id = item_sources.source_id
                WHERE item_sources.item_id = items.id AND item_sources.source_id <> \(bind: id) AND sources.removed_at IS NULL
                """
            let handedOver = try await database.raw("""
                UPDATE items SET source_id = (\(otherCarrier) ORDER BY item_sources.discovered_at, item_sources.source_id LIMIT 1),
                    updated_at = \(bind: now.storedValue)
                WHERE source_id = \(bind: id) AND stage NOT IN \(kept) AND EXISTS (\(otherCarrier))
                RETURNING id
                """).all().count
            let dropped = try await database.raw("""
                DELETE FROM items WHERE source_id = \(bind: id) AND stage NOT IN \(kept) RETURNING id
                """).all().count
            try await database.raw("""
                DELETE FROM item_sources WHERE source_id = \(bind: id)
                AND item_id IN (SELECT id FROM items WHERE stage NOT IN \(kept))
                """).run()
            let keptArticles = try await database.raw("""
                SELECT COUNT(*) AS count FROM items WHERE source_id = \(bind: id) AND stage IN \(kept)
                """).first()?.decode(column: "count", as: Int.self) ?? 0
            return SourceRemoval(source: source, keptArticles: keptArticles, handedOver: handedOver, dropped: dropped)
        }
    }

    /// Drops the stored page of every failed item last changed before `cutoff`. The item and its
    /// reason stay; a requeue fetches the page again.
    public func dropStoredPages(ofFailedItemsChangedBefore cutoff: Date) async throws(StoreError) -> DroppedPages {
        try await translatingErrors("dropping stored pages") {
            let condition: SQLQueryString = """
                stage = \(bind: Stage.failed.rawValue) AND page_html IS NOT NULL AND updated_at < \(bind: cutoff.storedValue)
                """
            let bytes = try await database.raw("""
                SELECT COALESCE(SUM(\(unsafeRaw: dialect.byteLength("page_html"))), 0) AS bytes FROM items WHERE \(condition)
                """).first()?.decode(column: "bytes", as: Int.self) ?? 0
            let items = try await database.raw("UPDATE items SET page_html = NULL WHERE \(condition) RETURNING id").all().count
            return DroppedPages(items: items, bytes: bytes)
        }
    }

    /// Items folded into a story already stored, most recent first; items triage skipped are not
    /// merges (`triageSkips`).
    public func merges(limit: Int) async throws(StoreError) -> [MergedItem] {
        try await translatingErrors("listing merged items") {
            try await database.raw("""
                SELECT id, title, url, merged_into, last_error, updated_at FROM items
                WHERE stage = \(bind: Stage.skipped.rawValue) AND (merged_into IS NOT NULL OR triaged_at IS NULL)
                ORDER BY updated_at DESC, id DESC LIMIT \(bind: limit)
                """).all().map { row in
                MergedItem(itemID: try row.decode(column: "id", as: Int64.self),
                           title: try row.decode(column: "title", as: String.self),
                           url: try row.decode(column: "url", as: String.self),
                           mergedInto: try row.decode(column: "merged_into", as: Int64?.self),
                           note: try row.decode(column: "last_error", as: String?.self) ?? "",
                           updatedAt: Date(stored: try row.decode(column: "updated_at", as: Double.self)))
            }
        }
    }
}

extension Dialect {
    /// The size in bytes of a text column's value.
    func byteLength(_ column: String) -> String {
        switch self {
        case .sqlite: return "length(CAST(\(column) AS BLOB))"
        case .postgres: return "octet_length(\(column))"
        }
    }
}
