import Foundation
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
