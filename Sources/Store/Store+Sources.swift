import Foundation
import KawarabanCore
import SQLKit

extension Store {
    static let sourceColumns = """
        id, url, name, kind, interval_seconds, etag, last_modified, last_fetch_at, last_status, items_found,
        items_kept, new_items, last_error, consecutive_failures, next_fetch_at, topic
        """

    /// A URL already stored is refused with `StoreError.duplicateSource`; a removed source's URL
    /// brings that source back under the new name and kind. The name is stored as one line without
    /// control characters: it comes from a feed's title and is shown on terminals.
    public func addSource(url: String, name: String, kind: SourceKind, interval: TimeInterval = Source.defaultInterval,
                          topic: SourceTopic? = nil) async throws(StoreError) -> Source {
        let name = StoredText.line(name)
        return try await translatingErrors("adding the source \(url)") {
            let inserted = try await database.raw("""
                INSERT INTO sources (url, name, kind, interval_seconds, created_at, topic)
                VALUES (\(bind: url), \(bind: name), \(bind: kind.rawValue), \(bind: interval), \(bind: Date().storedValue),
                        \(bind: topic?.rawValue))
                ON CONFLICT (url) DO UPDATE SET removed_at = NULL, name = excluded.name, kind = excluded.kind,
                    interval_seconds = excluded.interval_seconds, next_fetch_at = NULL, topic = excluded.topic
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
                WHERE \(Self.due(now: now)) ORDER BY id
                """).all().map(Self.source)
        }
    }

    /// Takes one due source that nobody holds, the longest overdue first, and holds it for
    /// `lease` seconds, until `recordFetch` lets it go. Concurrent collectors never get the same
    /// source: PostgreSQL skips the row another claimer has locked, and SQLite runs the whole
    /// UPDATE under its single writer lock. So N collectors fetch each source once per due period.
    public func claimDueSource(owner: String, lease: TimeInterval, now: Date) async throws(StoreError) -> Source? {
        try await translatingErrors("claiming a due source") {
            try await database.raw("""
                UPDATE sources SET lease_owner = \(bind: owner), lease_until = \(bind: now.addingTimeInterval(lease).storedValue)
                WHERE id IN (
                    SELECT id FROM sources
                    WHERE \(Self.due(now: now)) AND (lease_until IS NULL OR lease_until < \(bind: now.storedValue))
                    ORDER BY COALESCE(next_fetch_at, 0), id LIMIT 1 \(unsafeRaw: dialect.skipLocked))
                RETURNING \(unsafeRaw: Self.sourceColumns)
                """).first().map(Self.source)
        }
    }

    private static func due(now: Date) -> SQLQueryString {
        "removed_at IS NULL AND (next_fetch_at IS NULL OR next_fetch_at <= \(bind: now.storedValue))"
    }

    /// Replaces every health field and lets go of the source's claim; a source removed meanwhile
    /// is `StoreError.notFound`. The error is stored without control characters, since feeds and
    /// servers choose part of its text.
    public func recordFetch(sourceID: Int64, health: SourceHealth) async throws(StoreError) {
        try await translatingErrors("recording the fetch of source \(sourceID)") {
            let updated = try await database.raw("""
                UPDATE sources SET etag = \(bind: health.etag), last_modified = \(bind: health.lastModified),
                    last_fetch_at = \(bind: health.lastFetchAt?.storedValue), last_status = \(bind: health.lastStatus),
                    items_found = \(bind: health.itemsFound), items_kept = \(bind: health.itemsKept),
                    new_items = \(bind: health.newItems), last_error = \(bind: health.lastError.map(StoredText.lines)),
                    consecutive_failures = \(bind: health.consecutiveFailures),
                    next_fetch_at = \(bind: health.nextFetchAt?.storedValue), lease_owner = NULL, lease_until = NULL
                WHERE id = \(bind: sourceID)
                RETURNING id
                """).first()
            if updated == nil { throw StoreError.notFound("source \(sourceID)") }
        }
    }

    /// Items each source found first since `since`, by source id; sources with none are absent.
    /// The daily quota counts these.
    public func discoveredCounts(since: Date, sourceID: Int64? = nil) async throws(StoreError) -> [Int64: Int] {
        try await translatingErrors("counting items discovered since \(since)") {
            var query: SQLQueryString = """
                SELECT source_id, COUNT(*) AS count FROM items WHERE discovered_at >= \(bind: since.storedValue)
                """
            if let sourceID { query += " AND source_id = \(bind: sourceID)" }
            query += " GROUP BY source_id"
            var counts: [Int64: Int] = [:]
            for row in try await database.raw(query).all() {
                counts[try row.decode(column: "source_id", as: Int64.self)] = try row.decode(column: "count", as: Int.self)
            }
            return counts
        }
    }

    /// Which of these canonical URLs are stored already.
    public func storedCanonicalURLs(among urls: [String]) async throws(StoreError) -> Set<String> {
        guard !urls.isEmpty else { return [] }
        return try await translatingErrors("looking up stored URLs") {
            var stored: Set<String> = []
            for start in stride(from: 0, to: urls.count, by: Self.insertBatchSize) {
                let batch = Array(urls[start..<min(start + Self.insertBatchSize, urls.count)])
                for row in try await database.raw("SELECT canonical_url FROM items WHERE canonical_url IN (\(binds: batch))").all() {
                    stored.insert(try row.decode(column: "canonical_url", as: String.self))
                }
            }
            return stored
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
                itemsKept: try row.decode(column: "items_kept", as: Int.self),
                newItems: try row.decode(column: "new_items", as: Int.self),
                lastError: try row.decode(column: "last_error", as: String?.self),
                consecutiveFailures: try row.decode(column: "consecutive_failures", as: Int.self),
                nextFetchAt: try row.decode(column: "next_fetch_at", as: Double?.self).map(Date.init(stored:)),
                etag: try row.decode(column: "etag", as: String?.self),
                lastModified: try row.decode(column: "last_modified", as: String?.self)),
            topic: try row.decode(column: "topic", as: String?.self).flatMap(SourceTopic.init(rawValue:)))
    }
}
