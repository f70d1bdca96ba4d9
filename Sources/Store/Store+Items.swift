import Foundation
import KawarabanCore
import SQLKit

/// What a step produced; nil fields leave the stored value as it is.
///
/// Advancing to `.extracted` without a page drops the stored page: the article replaces it,
/// and pages are by far the largest thing stored. An item that fails extraction keeps its page
/// for inspection.
public struct ItemUpdate: Sendable {
    public var pageHTML: String?
    public var article: Article?
    public var analysis: Analysis?
    public var translation: Translation?

    public init(pageHTML: String? = nil, article: Article? = nil, analysis: Analysis? = nil, translation: Translation? = nil) {
        self.pageHTML = pageHTML
        self.article = article
        self.analysis = analysis
        self.translation = translation
    }
}

/// An item that failed, or failed last time, with the reason in words.
public struct ItemFailure: Sendable, Hashable, Codable {
    public var itemID: Int64
    public var title: String
    public var url: String
    public var stage: Stage
    public var attempts: Int
    public var reason: String
    public var updatedAt: Date
}

extension Store {
    static let itemColumns = """
        items.id, items.source_id, items.guid, items.url, items.canonical_url, items.title, items.summary,
        items.content_html, items.author, items.feed_published_at, items.discovered_at, items.stage, items.attempts,
        items.last_error, items.page_html, items.article_json, items.analysis_json, items.translation_json,
        items.published_at, items.image_url, items.video_id, items.comments_url, items.comment_count, items.score,
        sources.name AS source_name
        """
    static let itemFrom = "items JOIN sources ON sources.id = items.source_id"
    /// Rows per INSERT, well under SQLite's limit of 32,766 bound values per statement.
    static let insertBatchSize = 500

    /// Stores entries not seen before; an entry whose canonical URL is already stored, or appears
    /// twice in `entries`, is not stored again, but its source is recorded as carrying the story.
    /// Returns how many were new.
    public func insertDiscovered(_ entries: [DiscoveredItem], now: Date) async throws(StoreError) -> Int {
        try await translatingErrors("storing discovered items") {
            var inserted = 0
            for start in stride(from: 0, to: entries.count, by: Self.insertBatchSize) {
                let batch = entries[start..<min(start + Self.insertBatchSize, entries.count)]
                let rows: [SQLQueryString] = batch.map { entry in
                    """
                    (\(bind: entry.sourceID), \(bind: entry.guid), \(bind: entry.url), \(bind: entry.canonicalURL),
                     \(bind: entry.title), \(bind: entry.summary), \(bind: entry.contentHTML), \(bind: entry.author),
                     \(bind: entry.publishedAt?.storedValue), \(bind: now.storedValue), \(bind: Stage.discovered.rawValue),
                     \(bind: now.storedValue), \(bind: entry.imageURL), \(bind: entry.videoID), \(bind: entry.commentsURL),
                     \(bind: entry.commentCount), \(bind: entry.score))
                    """
                }
                inserted += try await database.raw("""
                    INSERT INTO items (source_id, guid, url, canonical_url, title, summary, content_html, author,
                        feed_published_at, discovered_at, stage, updated_at, image_url, video_id, comments_url,
                        comment_count, score)
                    VALUES \(rows.joined(separator: ", "))
                    ON CONFLICT (canonical_url) DO NOTHING RETURNING id
                    """).all().count
                let carriers: [SQLQueryString] = batch.map { entry in
                    "(\(bind: entry.canonicalURL), \(bind: entry.sourceID), \(bind: entry.url), \(bind: now.storedValue))"
                }
                // VALUES columns are column1… in both SQLite and PostgreSQL; the WHERE lets SQLite
                // parse the ON CONFLICT of an INSERT … SELECT.
                try await database.raw("""
                    INSERT INTO item_sources (item_id, source_id, url, discovered_at)
                    SELECT items.id, carried.column2, carried.column3, carried.column4
                    FROM (VALUES \(carriers.joined(separator: ", "))) AS carried
                    JOIN items ON items.canonical_url = carried.column1
                    WHERE TRUE
                    ON CONFLICT (item_id, source_id) DO NOTHING
                    """).run()
            }
            return inserted
        }
    }

    /// The item stored under this canonical URL, if any and not itself folded into another
    /// (two pages naming each other canonical must not skip both).
    public func itemID(canonicalURL: String) async throws(StoreError) -> Int64? {
        try await translatingErrors("looking up \(canonicalURL)") {
            try await database.raw("""
                SELECT id FROM items WHERE canonical_url = \(bind: canonicalURL) AND stage <> \(bind: Stage.skipped.rawValue)
                """)
                .first()?.decode(column: "id", as: Int64.self)
        }
    }

    /// Every source that carried the item, first finder first.
    public func carriers(of itemID: Int64) async throws(StoreError) -> [StoryCarrier] {
        try await translatingErrors("listing the sources of item \(itemID)") {
            try await database.raw("""
                SELECT sources.id, sources.name, item_sources.url FROM item_sources
                JOIN sources ON sources.id = item_sources.source_id
                WHERE item_sources.item_id = \(bind: itemID)
                ORDER BY item_sources.discovered_at, sources.id
                """).all().map { row in
                StoryCarrier(sourceID: try row.decode(column: "id", as: Int64.self),
                             sourceName: try row.decode(column: "name", as: String.self),
                             url: try row.decode(column: "url", as: String.self))
            }
        }
    }

    /// Folds an item that turned out to be a story already stored (its page redirected, or named
    /// its canonical URL, to another item's) into that item: the survivor gains its sources, the
    /// duplicate is skipped with the reason. Safe to repeat after a crash halfway. Refused (false)
    /// when `owner` no longer holds the duplicate.
    public func mergeDuplicate(_ itemID: Int64, into survivorID: Int64, owner: String, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("merging item \(itemID) into item \(survivorID)") {
            try await database.raw("""
                INSERT INTO item_sources (item_id, source_id, url, discovered_at)
                SELECT \(bind: survivorID), source_id, url, discovered_at FROM item_sources
                WHERE item_id = \(bind: itemID)
                ON CONFLICT (item_id, source_id) DO NOTHING
                """).run()
            return try await database.raw("""
                UPDATE items SET stage = \(bind: Stage.skipped.rawValue), last_error = \(bind: "the same story as item #\(survivorID)"),
                    merged_into = \(bind: survivorID),
                    lease_owner = NULL, lease_until = NULL, page_html = NULL, updated_at = \(bind: now.storedValue)
                WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id
                """).first() != nil
        }
    }

    /// Items in `stages` that nobody holds (no lease, or one that has run out) and that are due.
    private static func claimable(stages: [Stage], now: Date) -> SQLQueryString {
        """
        stage IN (\(literals: stages.map(\.rawValue), joinedBy: ", "))
          AND (lease_until IS NULL OR lease_until < \(bind: now.storedValue))
          AND (next_attempt_at IS NULL OR next_attempt_at <= \(bind: now.storedValue))
        """
    }

    /// Takes up to `limit` claimable items in `stages`, oldest first, and holds them for `lease`
    /// seconds. Concurrent claimers never get the same item: PostgreSQL skips rows another
    /// claimer has locked, and SQLite runs the whole UPDATE under its single writer lock.
    public func claim(stages: [Stage], owner: String, limit: Int, lease: TimeInterval, now: Date) async throws(StoreError) -> [Item] {
        guard !stages.isEmpty, limit > 0 else { return [] }
        return try await translatingErrors("claiming items") {
            let claim: SQLQueryString = """
                UPDATE items SET lease_owner = \(bind: owner), lease_until = \(bind: now.addingTimeInterval(lease).storedValue)
                WHERE id IN (
                    SELECT id FROM items WHERE \(Self.claimable(stages: stages, now: now))
                    ORDER BY id LIMIT \(bind: limit) \(unsafeRaw: dialect.skipLocked))
                RETURNING id
                """
            let claimed = try await database.raw(claim).all().map { try $0.decode(column: "id", as: Int64.self) }
            guard !claimed.isEmpty else { return [] }
            return try await database.raw("""
                SELECT \(unsafeRaw: Self.itemColumns) FROM \(unsafeRaw: Self.itemFrom)
                WHERE items.id IN (\(binds: claimed)) ORDER BY items.id
                """).all().map(Self.item)
        }
    }

    /// Moves a held item to `stage` with what the step produced, and lets it go. Refused (false)
    /// when `owner` no longer holds it, so a worker that lost its lease cannot overwrite newer work.
    public func advance(_ itemID: Int64, owner: String, to stage: Stage, with update: ItemUpdate, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("advancing item \(itemID) to \(stage.rawValue)") {
            var query: SQLQueryString = """
                UPDATE items SET stage = \(bind: stage.rawValue), lease_owner = NULL, lease_until = NULL, last_error = NULL,
                    attempts = 0, next_attempt_at = NULL, updated_at = \(bind: now.storedValue)
                """
            if let pageHTML = update.pageHTML {
                query += ", page_html = \(bind: pageHTML)"
            } else if stage == .extracted {
                query += ", page_html = NULL"
            }
            if let article = update.article { query += ", article_json = \(bind: try Self.json(article))" }
            if let analysis = update.analysis { query += ", analysis_json = \(bind: try Self.json(analysis))" }
            if let translation = update.translation { query += ", translation_json = \(bind: try Self.json(translation))" }
            if stage == .published {
                query += ", published_at = COALESCE(published_at, \(bind: now.storedValue))"
            }
            query += " WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id"
            return try await database.raw(query).first() != nil
        }
    }

    /// Keeps holding an item during a long step. Refused (false) when `owner` no longer holds it.
    public func extendLease(_ itemID: Int64, owner: String, until: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("extending the lease of item \(itemID)") {
            try await database.raw("""
                UPDATE items SET lease_until = \(bind: until.storedValue)
                WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id
                """).first() != nil
        }
    }

    /// Records why a step failed. With `retryAt` the item waits in its stage until then; without,
    /// it is failed for good. Refused (false) when `owner` no longer holds it. The reason is stored
    /// without control characters: pages and servers choose part of its text.
    public func recordFailure(_ itemID: Int64, owner: String, reason: String, retryAt: Date?, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("recording a failure of item \(itemID)") {
            var query: SQLQueryString = """
                UPDATE items SET attempts = attempts + 1, last_error = \(bind: StoredText.lines(reason)), lease_owner = NULL, lease_until = NULL,
                    next_attempt_at = \(bind: retryAt?.storedValue), updated_at = \(bind: now.storedValue)
                """
            if retryAt == nil { query += ", stage = \(bind: Stage.failed.rawValue)" }
            query += " WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id"
            return try await database.raw(query).first() != nil
        }
    }

    public func item(id: Int64) async throws(StoreError) -> Item? {
        try await translatingErrors("reading item \(id)") {
            try await database.raw("SELECT \(unsafeRaw: Self.itemColumns) FROM \(unsafeRaw: Self.itemFrom) WHERE items.id = \(bind: id)")
                .first().map(Self.item)
        }
    }

    /// Stages with no items are absent.
    public func countsByStage() async throws(StoreError) -> [Stage: Int] {
        try await translatingErrors("counting items by stage") {
            var counts: [Stage: Int] = [:]
            for row in try await database.raw("SELECT stage, COUNT(*) AS count FROM items GROUP BY stage").all() {
                if let stage = Stage(rawValue: try row.decode(column: "stage", as: String.self)) {
                    counts[stage] = try row.decode(column: "count", as: Int.self)
                }
            }
            return counts
        }
    }

    /// Failed items and items whose last attempt failed, most recent first; merged items are not
    /// failures (`merges`).
    public func failures(limit: Int) async throws(StoreError) -> [ItemFailure] {
        try await translatingErrors("listing failures") {
            try await database.raw("""
                SELECT id, title, url, stage, attempts, last_error, updated_at FROM items
                WHERE (stage = \(bind: Stage.failed.rawValue) OR last_error IS NOT NULL) AND stage <> \(bind: Stage.skipped.rawValue)
                ORDER BY updated_at DESC, id DESC LIMIT \(bind: limit)
                """).all().map { row in
                    ItemFailure(
                        itemID: try row.decode(column: "id", as: Int64.self),
                        title: try row.decode(column: "title", as: String.self),
                        url: try row.decode(column: "url", as: String.self),
                        stage: Stage(rawValue: try row.decode(column: "stage", as: String.self)) ?? .failed,
                        attempts: try row.decode(column: "attempts", as: Int.self),
                        reason: try row.decode(column: "last_error", as: String?.self) ?? "",
                        updatedAt: Date(stored: try row.decode(column: "updated_at", as: Double.self)))
                }
        }
    }

    /// Items in `stages` a claim would take now.
    public func pendingCount(stages: [Stage], now: Date) async throws(StoreError) -> Int {
        guard !stages.isEmpty else { return 0 }
        return try await translatingErrors("counting pending items") {
            try await count(Self.claimable(stages: stages, now: now))
        }
    }

    /// Items in `stages` held by a lease that has not run out, a live worker's or a dead one's.
    public func leasedCount(stages: [Stage], now: Date) async throws(StoreError) -> Int {
        guard !stages.isEmpty else { return 0 }
        return try await translatingErrors("counting leased items") {
            try await count("""
                stage IN (\(literals: stages.map(\.rawValue), joinedBy: ", ")) AND lease_until >= \(bind: now.storedValue)
                """)
        }
    }

    private func count(_ condition: SQLQueryString) async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS count FROM items WHERE \(condition)").first()?
            .decode(column: "count", as: Int.self) ?? 0
    }

    static func item(from row: any SQLRow) throws -> Item {
        func date(_ column: String) throws -> Date? {
            try row.decode(column: column, as: Double?.self).map(Date.init(stored:))
        }
        let entry = DiscoveredItem(
            sourceID: try row.decode(column: "source_id", as: Int64.self),
            guid: try row.decode(column: "guid", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            canonicalURL: try row.decode(column: "canonical_url", as: String.self),
            title: try row.decode(column: "title", as: String.self),
            summary: try row.decode(column: "summary", as: String?.self),
            contentHTML: try row.decode(column: "content_html", as: String?.self),
            author: try row.decode(column: "author", as: String?.self),
            publishedAt: try date("feed_published_at"),
            imageURL: try row.decode(column: "image_url", as: String?.self),
            videoID: try row.decode(column: "video_id", as: String?.self),
            commentsURL: try row.decode(column: "comments_url", as: String?.self),
            commentCount: try row.decode(column: "comment_count", as: Int?.self),
            score: try row.decode(column: "score", as: Int?.self))
        return Item(
            id: try row.decode(column: "id", as: Int64.self), feedEntry: entry,
            sourceName: try row.decode(column: "source_name", as: String.self),
            discoveredAt: try date("discovered_at") ?? Date(timeIntervalSince1970: 0),
            stage: Stage(rawValue: try row.decode(column: "stage", as: String.self)) ?? .failed,
            attempts: try row.decode(column: "attempts", as: Int.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            pageHTML: try row.decode(column: "page_html", as: String?.self),
            article: try decodeJSON(Article.self, row.decode(column: "article_json", as: String?.self)),
            analysis: try decodeJSON(Analysis.self, row.decode(column: "analysis_json", as: String?.self)),
            translation: try decodeJSON(Translation.self, row.decode(column: "translation_json", as: String?.self)),
            publishedAt: try date("published_at"))
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T? {
        guard let text else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(text.utf8))
    }
}
