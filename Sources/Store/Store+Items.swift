import Foundation
import KawarabanCore
import SQLKit

/// A stored article, analysis or translation that no longer decodes: written by another version,
/// edited by hand, or nested deeper than the decoder accepts. No later read can succeed either.
public struct UnreadableStoredValue: Error, Sendable, CustomStringConvertible {
    /// Enough of the decoder's reason to act on; a path through deeply nested JSON can be very long.
    static let maximumReasonLength = 300

    public var itemID: Int64
    /// "article", "analysis" or "translation".
    public var what: String
    public var reason: String

    init(itemID: Int64, what: String, decodingError: any Error) {
        self.itemID = itemID
        self.what = what
        let reason: String
        switch decodingError as? DecodingError {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
             .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            reason = path.isEmpty ? context.debugDescription : "\(context.debugDescription) at \(path)"
        default:
            reason = String(describing: decodingError)
        }
        self.reason = String(reason.prefix(Self.maximumReasonLength))
    }

    public var description: String { "stored \(what) cannot be read: \(reason)" }
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
        items.triage_about_ai, items.triage_worth, items.triage_reason,
        sources.name AS source_name, sources.url AS source_url
        """
    static let itemFrom = "items JOIN sources ON sources.id = items.source_id"
    /// Rows per INSERT, well under SQLite's limit of 32,766 bound values per statement.
    static let insertBatchSize = 500

    /// Stores entries not seen before, in `stage` (`discovered`, or `collected` when they are to be
    /// triaged first); an entry whose canonical URL is already stored, or appears twice in
    /// `entries`, is not stored again, but its source is recorded as carrying the story.
    /// Returns how many were new.
    public func insertDiscovered(_ entries: [DiscoveredItem], stage: Stage = .discovered, now: Date) async throws(StoreError) -> Int {
        try await translatingErrors("storing discovered items") {
            var inserted = 0
            for start in stride(from: 0, to: entries.count, by: Self.insertBatchSize) {
                let batch = entries[start..<min(start + Self.insertBatchSize, entries.count)]
                let rows: [SQLQueryString] = batch.map { entry in
                    """
                    (\(bind: entry.sourceID), \(bind: entry.guid), \(bind: entry.url), \(bind: entry.canonicalURL),
                     \(bind: entry.title), \(bind: entry.summary), \(bind: entry.contentHTML), \(bind: entry.author),
                     \(bind: entry.publishedAt?.storedValue), \(bind: now.storedValue), \(bind: stage.rawValue),
                     \(bind: now.storedValue), \(bind: entry.imageURL), \(bind: entry.videoID), \(bind: entry.commentsURL),
                     \(bind: entry.commentCount), \(bind: entry.score), \(bind: stage.rawValue),
                     \(bind: Self.shownAt(feedDate: entry.publishedAt, discoveredAt: now).storedValue))
                    """
                }
                inserted += try await database.raw("""
                    INSERT INTO items (source_id, guid, url, canonical_url, title, summary, content_html, author,
                        feed_published_at, discovered_at, stage, updated_at, image_url, video_id, comments_url,
                        comment_count, score, entry_stage, shown_at)
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

    static func item(from row: any SQLRow) throws -> Item {
        let id = try row.decode(column: "id", as: Int64.self)
        func date(_ column: String) throws -> Date? {
            try row.decode(column: column, as: Double?.self).map(Date.init(stored:))
        }
        func stored<T: Decodable>(_ type: T.Type, _ column: String, _ what: String) throws -> T? {
            let text = try row.decode(column: column, as: String?.self)
            do {
                return try decodeJSON(type, text)
            } catch {
                throw UnreadableStoredValue(itemID: id, what: what, decodingError: error)
            }
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
            id: id, feedEntry: entry,
            sourceName: try row.decode(column: "source_name", as: String.self),
            sourceURL: try row.decode(column: "source_url", as: String?.self),
            discoveredAt: try date("discovered_at") ?? Date(timeIntervalSince1970: 0),
            stage: Stage(rawValue: try row.decode(column: "stage", as: String.self)) ?? .failed,
            attempts: try row.decode(column: "attempts", as: Int.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            pageHTML: try row.decode(column: "page_html", as: String?.self),
            article: try stored(Article.self, "article_json", "article"),
            analysis: try stored(Analysis.self, "analysis_json", "analysis"),
            translation: try stored(Translation.self, "translation_json", "translation"),
            publishedAt: try date("published_at"),
            triage: try row.decode(column: "triage_worth", as: Int?.self).map { worth in
                TriageVerdict(aboutAI: try row.decode(column: "triage_about_ai", as: Int?.self) == 1, worth: worth,
                              reason: try row.decode(column: "triage_reason", as: String?.self) ?? "")
            })
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
