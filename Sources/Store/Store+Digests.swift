import Foundation
import KawarabanCore
import SQLKit

/// Where a slot's row stands (migration 14): claimed by a worker composing it, failed (waiting
/// for a retry, or for good), or written. A written slot is never claimed again.
enum DigestSlotState: String {
    case claimed, failed, written
}

/// Digest slots (migration 14): one row per kind and day or week, claimed with a lease on the
/// database's clock so that one process composes it, and the articles each written digest carries.
extension Store {
    /// Writes or rewrites a digest on demand (`kawaraban digest`), whatever its slot's state:
    /// content_json, state written, written_at, digest_items replaced (position = order in
    /// `digest.itemIDs`), and site changes `.digested` (one per carried item, item_id 0 when
    /// none), in one transaction. A claim another worker holds on the slot is dropped with it, so
    /// that worker's completion is refused.
    public func writeDigest(_ digest: Digest, now: Date) async throws(StoreError) {
        try await translatingErrors("writing the digest \(digest.slot)") {
            let content = try Self.json(digest)
            try await inTransaction { database in
                try await database.raw("""
                    INSERT INTO digests (kind, slot, state, content_json, written_at, created_at)
                    VALUES (\(bind: digest.slot.kind.rawValue), \(bind: digest.slot.key), \(bind: DigestSlotState.written.rawValue),
                        \(bind: content), \(bind: now.storedValue), \(bind: now.storedValue))
                    ON CONFLICT (kind, slot) DO UPDATE SET state = excluded.state, content_json = excluded.content_json,
                        written_at = excluded.written_at, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL
                    """).run()
                try await self.replaceDigestItems(of: digest, now: now, on: database)
            }
        }
    }

    /// A written digest; nil for a slot never written (or only claimed, or failed).
    public func digest(_ slot: DigestSlot) async throws(StoreError) -> Digest? {
        try await translatingErrors("reading the digest \(slot)") {
            try await Self.decodeJSON(Digest.self, database.raw("""
                SELECT content_json FROM digests
                WHERE kind = \(bind: slot.kind.rawValue) AND slot = \(bind: slot.key) AND state = \(bind: DigestSlotState.written.rawValue)
                """).first()?.decode(column: "content_json", as: String?.self))
        }
    }

    /// The rows of `digest_items` for a digest being written, in the order shown, and the site
    /// changes that tell the caches which article pages now link to it. An article pruned since
    /// the digest was composed is left out rather than failing the write.
    private func replaceDigestItems(of digest: Digest, now: Date, on database: any SQLDatabase) async throws {
        let kind = digest.slot.kind.rawValue, key = digest.slot.key
        try await database.raw("DELETE FROM digest_items WHERE kind = \(bind: kind) AND slot = \(bind: key)").run()
        var carried: [Int64] = [], seen: Set<Int64> = []
        for itemID in digest.itemIDs where seen.insert(itemID).inserted {
            try await database.raw("""
                INSERT INTO digest_items (kind, slot, item_id, position)
                SELECT \(bind: kind), \(bind: key), id, \(bind: carried.count) FROM items WHERE id = \(bind: itemID)
                """).run()
            carried.append(itemID)
        }
        try await recordSiteChange(of: carried.isEmpty ? [0] : carried, .digested, now: now, on: database)
    }

    /// Runs `body`'s statements as one transaction on one connection, and rolls them back if it
    /// throws. On SQLite the process has one connection, so statements other tasks of this process
    /// run meanwhile join the transaction; the slot machinery writes one digest at a time.
    private func inTransaction(_ body: @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let begin = dialect.beginWriteTransaction
        try await withSingleConnection { database in
            try await database.raw(SQLQueryString(begin)).run()
            do {
                try await body(database)
                try await database.raw("COMMIT").run()
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}
