import Foundation
import KawarabanCore
import SQLKit

/// A published article as a list or the site's feed shows it: the analysis and where it came
/// from, without the article body, its translation or the stored page.
public struct PublishedHeadline: Sendable, Hashable {
    public var id: Int64
    public var sourceName: String
    /// The entry's link at its source.
    public var url: String
    /// The date shown and sorted by: the feed's date, but never later than when we discovered
    /// the entry, so that a feed dated in the future cannot pin itself to the top of the site.
    public var shownAt: Date
    public var analysis: Analysis
    /// The title as the source wrote it, which the article's address is spelled from; empty when
    /// the query that read the headline did not read it.
    public var originalTitle: String
    /// How many other outlets carried the story this item leads; 0 when the query did not count them.
    public var otherOutlets: Int

    public init(id: Int64, sourceName: String, url: String, shownAt: Date, analysis: Analysis, originalTitle: String = "",
                otherOutlets: Int = 0) {
        self.id = id
        self.sourceName = sourceName
        self.url = url
        self.shownAt = shownAt
        self.analysis = analysis
        self.originalTitle = originalTitle
        self.otherOutlets = otherOutlets
    }
}

/// A published article as its own page shows it: everything a reader sees, nothing the pipeline
/// kept for itself (the stored page, the queue's state).
public struct PublishedArticle: Sendable, Hashable {
    public var headline: PublishedHeadline
    public var sourceID: Int64
    /// The title as the source wrote it.
    public var originalTitle: String
    public var author: String?
    public var article: Article
    public var translation: Translation
    /// The YouTube id of a video item, as the source gave it: the page checks it before use.
    public var videoID: String?
    /// The picture the feed gave the entry, for previews where the page is shared.
    public var imageURL: String?

    public init(headline: PublishedHeadline, sourceID: Int64, originalTitle: String, author: String?,
                article: Article, translation: Translation, videoID: String? = nil, imageURL: String? = nil) {
        self.headline = headline
        self.sourceID = sourceID
        self.originalTitle = originalTitle
        self.author = author
        self.article = article
        self.translation = translation
        self.videoID = videoID
        self.imageURL = imageURL
    }
}

extension Store {
    /// `PublishedHeadline.shownAt`, fixed when the entry is stored: the earlier of the feed's date
    /// and the discovery time.
    static func shownAt(feedDate: Date?, discoveredAt: Date) -> Date {
        feedDate.map { min($0, discoveredAt) } ?? discoveredAt
    }

    /// Published and fit to list: the analysis a headline shows is there.
    static var listable: SQLQueryString {
        "items.stage = \(bind: Stage.published.rawValue) AND items.analysis_json IS NOT NULL"
    }

    /// Published headlines, newest first by `shownAt`. The ids are chosen through the listing index
    /// (stage, shown_at, id), so a page far back costs a walk of ids, not of rows; only the page's
    /// rows are then read.
    public func headlines(limit: Int, offset: Int) async throws(StoreError) -> [PublishedHeadline] {
        try await headlines(where: "TRUE", limit: limit, offset: offset, doing: "listing published headlines")
    }

    /// Published headlines that also meet `condition` (on `items`), newest first by `shownAt`.
    func headlines(where condition: SQLQueryString, limit: Int, offset: Int,
                   doing what: String) async throws(StoreError) -> [PublishedHeadline] {
        try await listedRows(where: condition, limit: limit, offset: offset, doing: what) { try Self.headline(from: $0) }
    }

    /// Rows of published items that meet `condition` (on `items`), ordered by (`shownAt`, id),
    /// newest first unless `oldestFirst`, each turned into a value by `read`: the headline's
    /// columns and `extraColumns` (written with a leading comma) are there to read. A story is one
    /// row, its lead's, which counts the other outlets that carried it.
    func listedRows<Value>(where condition: SQLQueryString, extraColumns: SQLQueryString = "", oldestFirst: Bool = false,
                           limit: Int, offset: Int, doing what: String,
                           read: (any SQLRow) throws -> Value) async throws(StoreError) -> [Value] {
        guard limit > 0, offset >= 0 else { return [] }
        let direction: SQLQueryString = oldestFirst ? "ASC" : "DESC"
        return try await translatingErrors(what) {
            try await database.raw("""
                SELECT items.id, items.url, items.title, items.analysis_json, sources.name AS source_name, chosen.shown_at,
                    \(Self.otherOutlets) AS other_outlets\(extraColumns)
                FROM (
                    SELECT items.id, items.shown_at FROM items
                    WHERE \(Self.listable) AND \(Self.storyEntry) AND \(condition)
                    ORDER BY shown_at \(direction), items.id \(direction)
                    LIMIT \(bind: limit) OFFSET \(bind: offset)
                ) AS chosen
                JOIN items ON items.id = chosen.id
                JOIN sources ON sources.id = items.source_id
                ORDER BY chosen.shown_at \(direction), chosen.id \(direction)
                """).all().map(read)
        }
    }

    /// The article page's content, or nil when no published article has this id. The stage is
    /// part of the query, so an item still in the queue is never read, let alone its stored page.
    public func publishedArticle(id: Int64) async throws(StoreError) -> PublishedArticle? {
        try await translatingErrors("reading published article \(id)") {
            guard let row = try await database.raw("""
                SELECT items.id, items.url, items.analysis_json, sources.name AS source_name, items.shown_at,
                    items.source_id, items.title, items.author, items.article_json, items.translation_json, items.video_id,
                    items.image_url
                FROM items JOIN sources ON sources.id = items.source_id
                WHERE items.id = \(bind: id) AND \(Self.listable)
                    AND items.article_json IS NOT NULL AND items.translation_json IS NOT NULL
                """).first()
            else { return nil }
            return PublishedArticle(
                headline: try Self.headline(from: row),
                sourceID: try row.decode(column: "source_id", as: Int64.self),
                originalTitle: try row.decode(column: "title", as: String.self),
                author: try row.decode(column: "author", as: String?.self),
                article: try Self.requiredJSON(Article.self, row, "article_json"),
                translation: try Self.requiredJSON(Translation.self, row, "translation_json"),
                videoID: try row.decode(column: "video_id", as: String?.self),
                imageURL: try row.decode(column: "image_url", as: String?.self))
        }
    }

    /// The columns `headline(from:)` reads, for queries from `items` joined to `sources`.
    static let headlineColumns: SQLQueryString = """
        items.id, items.url, items.title, items.analysis_json, sources.name AS source_name, items.shown_at
        """

    static func headline(from row: any SQLRow) throws -> PublishedHeadline {
        PublishedHeadline(
            id: try row.decode(column: "id", as: Int64.self),
            sourceName: try row.decode(column: "source_name", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            shownAt: Date(stored: try row.decode(column: "shown_at", as: Double.self)),
            analysis: try requiredJSON(Analysis.self, row, "analysis_json"),
            originalTitle: row.contains(column: "title") ? try row.decode(column: "title", as: String.self) : "",
            otherOutlets: row.contains(column: "other_outlets") ? try row.decode(column: "other_outlets", as: Int.self) : 0)
    }

    /// A payload the query's WHERE already required to be present.
    private static func requiredJSON<T: Decodable>(_ type: T.Type, _ row: any SQLRow, _ column: String) throws -> T {
        guard let value = try decodeJSON(type, row.decode(column: column, as: String.self)) else {
            throw StoreError.database("\(column) of a published item is missing")
        }
        return value
    }
}
