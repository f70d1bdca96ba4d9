import Foundation
import KawarabanCore
import SQLKit

extension Store {
    static let sourceColumns = """
        id, url, name, kind, interval_seconds, etag, last_modified, last_fetch_at, last_status, items_found,
        new_items, last_error, consecutive_failures, next_fetch_at
        """

    /// A URL already stored is refused with `StoreError.duplicateSource`; a removed source's URL
    /// brings that source back under the new name and kind.
    public func addSource(url: String, name: String, kind: SourceKind, interval: TimeInterval = Source.defaultInterval) async throws(StoreError) -> Source {
        try await translatingErrors("adding the source \(url)") {
            let inserted = try await database.raw("""
                INSERT INTO sources (url, name, kind, interval_seconds, created_at)
                VALUES (\(bind: url), \(bind: name), \(bind: kind.rawValue), \(bind: interval), \(bind: Date().storedValue))
                ON CONFLICT (url) DO UPDATE SET removed_at = NULL, name = excluded.name, kind = excluded.kind,
                    interval_seconds = excluded.interval_seconds, next_fetch_at = NULL
                WHERE sources.removed_at IS NOT NULL
                RETURNING \(unsafeRaw: Self.sourceColumns)
                """).first()
            guard let inserted else { throw StoreError.duplicateSource(url: url) }
            return try Self.source(from: inserted)
        }
    }

    public func sources() async throws(StoreError) -> [Source] {
        try await translatingErrors("listing sources") {
            try await database.raw("SELECT \(unsafeRaw: Self.sourceColumns) FROM sources WHERE removed_at IS NULL ORDER BY id").all().map(Self.source)
        }
    }

    public func source(id: Int64) async throws(StoreError) -> Source? {
        try await translatingErrors("reading source \(id)") {
            try await database.raw("SELECT \(unsafeRaw: Self.sourceColumns) FROM sources WHERE id = \(bind: id) AND removed_at IS NULL").first()
                .map(Self.source)
        }
    }

    /// Sources never fetched, or whose next fetch time has come.
    public func dueSources(now: Date) async throws(StoreError) -> [Source] {
        try await translatingErrors("listing due sources") {
            try await database.raw("""
                SELECT \(unsafeRaw: Self.sourceColumns) FROM sources
                WHERE removed_at IS NULL AND (next_fetch_at IS NULL OR next_fetch_at <= \(bind: now.storedValue)) ORDER BY id
                """).all().map(Self.source)
        }
    }

    /// Replaces every health field; a source removed meanwhile is `StoreError.notFound`.
    public func recordFetch(sourceID: Int64, health: SourceHealth) async throws(StoreError) {
        try await translatingErrors("recording the fetch of source \(sourceID)") {
            let updated = try await database.raw("""
                UPDATE sources SET etag = \(bind: health.etag), last_modified = \(bind: health.lastModified),
                    last_fetch_at = \(bind: health.lastFetchAt?.storedValue), last_status = \(bind: health.lastStatus),
                    items_found = \(bind: health.itemsFound), new_items = \(bind: health.newItems),
                    last_error = \(bind: health.lastError), consecutive_failures = \(bind: health.consecutiveFailures),
                    next_fetch_at = \(bind: health.nextFetchAt?.storedValue)
                WHERE id = \(bind: sourceID)
                RETURNING id
                """).first()
            if updated == nil { throw StoreError.notFound("source \(sourceID)") }
        }
    }

    static func source(from row: any SQLRow) throws -> Source {
        let kindName = try row.decode(column: "kind", as: String.self)
        return Source(
            id: try row.decode(column: "id", as: Int64.self),
            url: try row.decode(column: "url", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            kind: SourceKind(rawValue: kindName) ?? .feed,
            interval: try row.decode(column: "interval_seconds", as: Double.self),
            health: SourceHealth(
                lastFetchAt: try row.decode(column: "last_fetch_at", as: Double?.self).map(Date.init(stored:)),
                lastStatus: try row.decode(column: "last_status", as: Int?.self),
                itemsFound: try row.decode(column: "items_found", as: Int.self),
                newItems: try row.decode(column: "new_items", as: Int.self),
                lastError: try row.decode(column: "last_error", as: String?.self),
                consecutiveFailures: try row.decode(column: "consecutive_failures", as: Int.self),
                nextFetchAt: try row.decode(column: "next_fetch_at", as: Double?.self).map(Date.init(stored:)),
                etag: try row.decode(column: "etag", as: String?.self),
                lastModified: try row.decode(column: "last_modified", as: String?.self)))
    }
}
