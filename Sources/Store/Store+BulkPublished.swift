import Foundation
import KawarabanCore
import SQLKit

/// An article to store as published in one go, with everything the pipeline would have written
/// over its stages: for filling a database that no pipeline fed (`kawaraban demo`).
public struct BulkPublishedArticle: Sendable {
    public var sourceID: Int64
    public var url: String
    /// The title as the source wrote it.
    public var title: String
    public var author: String?
    public var shownAt: Date
    public var imageURL: String?
    public var videoID: String?
    public var article: Article
    /// Its tags and entities are stored in their own rows too, as an analysis's are.
    public var analysis: Analysis
    public var translation: Translation

    public init(sourceID: Int64, url: String, title: String, author: String?, shownAt: Date, imageURL: String?,
                videoID: String?, article: Article, analysis: Analysis, translation: Translation) {
        self.sourceID = sourceID
        self.url = url
        self.title = title
        self.author = author
        self.shownAt = shownAt
        self.imageURL = imageURL
        self.videoID = videoID
        self.article = article
        self.analysis = analysis
        self.translation = translation
    }
}

extension Store {
    /// Whether the database holds any source or item: a database to fill from scratch holds neither.
    public func holdsAnyContent() async throws(StoreError) -> Bool {
        try await translatingErrors("checking whether the database is empty") {
            for table in ["sources", "items"] {
                if try await database.raw("SELECT 1 AS present FROM \(ident: table) LIMIT 1").first() != nil { return true }
            }
            return false
        }
    }

    /// Stores `articles` as published, `insertBatchSize` rows per statement, with their tags and
    /// entities, and marks the database as holding synthetic data when `synthetic` (the site then
    /// says so on every page). Articles whose URL is already stored are left out. Returns how many
    /// were stored.
    public func insertPublished(_ articles: [BulkPublishedArticle], synthetic: Bool, now: Date) async throws(StoreError) -> Int {
        try await translatingErrors("storing published articles") {
            if synthetic { try await markSynthetic() }
            var inserted = 0
            for start in stride(from: 0, to: articles.count, by: Self.insertBatchSize) {
                inserted += try await insertPublishedBatch(articles[start..<min(start + Self.insertBatchSize, articles.count)], now: now)
            }
            return inserted
        }
    }

    private func insertPublishedBatch(_ batch: ArraySlice<BulkPublishedArticle>, now: Date) async throws -> Int {
        let stage = Stage.published.rawValue
        // The stage an entry entered the queue in, as a collected feed entry's would be.
        let entryStage = Stage.discovered.rawValue
        let rows: [SQLQueryString] = try batch.map { article in
            let shown = article.shownAt.storedValue
            return """
                (\(bind: article.sourceID), \(bind: article.url), \(bind: article.url), \(bind: article.url),
                 \(bind: article.title), \(bind: article.author), \(bind: shown), \(bind: shown), \(bind: stage),
                 \(bind: now.storedValue), \(bind: article.imageURL), \(bind: article.videoID), \(bind: entryStage), \(bind: shown),
                 \(bind: try Self.json(article.article)), \(bind: try Self.json(article.analysis)),
                 \(bind: try Self.json(article.translation)), \(bind: article.analysis.importance.value), \(bind: shown))
                """
        }
        let ids = try await database.raw("""
            INSERT INTO items (source_id, guid, url, canonical_url, title, author, feed_published_at, discovered_at, stage,
                updated_at, image_url, video_id, entry_stage, shown_at, article_json, analysis_json, translation_json,
                importance, published_at)
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (canonical_url) DO NOTHING RETURNING id, canonical_url
            """).all().reduce(into: [String: Int64]()) { ids, row in
            ids[try row.decode(column: "canonical_url", as: String.self)] = try row.decode(column: "id", as: Int64.self)
        }
        let stored = batch.compactMap { article in ids[article.url].map { (id: $0, article: article) } }
        guard !stored.isEmpty else { return 0 }

        let carriers: [SQLQueryString] = stored.map {
            "(\(bind: $0.id), \(bind: $0.article.sourceID), \(bind: $0.article.url), \(bind: $0.article.shownAt.storedValue))"
        }
        try await database.raw("INSERT INTO item_sources (item_id, source_id, url, discovered_at) VALUES \(carriers.joined(separator: ", "))").run()

        let tags: [SQLQueryString] = stored.flatMap { item in
            Set(item.article.analysis.tags).map { "(\(bind: item.id), \(bind: $0))" }
        }
        if !tags.isEmpty {
            try await database.raw("INSERT INTO item_tags (item_id, tag) VALUES \(tags.joined(separator: ", "))").run()
        }

        let entities = Dictionary(stored.flatMap { $0.article.analysis.entities }.map { (NameKey.of($0.name), $0) }) { first, _ in first }
        guard !entities.isEmpty else { return stored.count }
        let entityRows: [SQLQueryString] = entities.map { key, entity in
            "(\(bind: key), \(bind: entity.kind.rawValue), \(bind: entity.name), \(bind: now.storedValue))"
        }
        try await database.raw("""
            INSERT INTO entities (name_key, kind, name, created_at) VALUES \(entityRows.joined(separator: ", "))
            ON CONFLICT (name_key) DO NOTHING
            """).run()
        let keys: [SQLQueryString] = entities.keys.map { "\(bind: $0)" }
        let entityIDs = try await database.raw("SELECT id, name_key FROM entities WHERE name_key IN (\(keys.joined(separator: ", ")))")
            .all().reduce(into: [String: Int64]()) { ids, row in
                ids[try row.decode(column: "name_key", as: String.self)] = try row.decode(column: "id", as: Int64.self)
            }
        let aliases: [SQLQueryString] = entities.compactMap { key, entity in
            let alias = NameKey.of(entity.rendering)
            guard alias != key, let id = entityIDs[key] else { return nil }
            return "(\(bind: alias), \(bind: id))"
        }
        if !aliases.isEmpty {
            try await database.raw("""
                INSERT INTO entity_aliases (alias_key, entity_id) VALUES \(aliases.joined(separator: ", ")) ON CONFLICT DO NOTHING
                """).run()
        }
        let links: [SQLQueryString] = stored.flatMap { item in
            Dictionary(item.article.analysis.entities.compactMap { entity in
                entityIDs[NameKey.of(entity.name)].map { ($0, entity.main) }
            }) { first, _ in first }.map { "(\(bind: item.id), \(bind: $0.key), \(bind: $0.value ? 1 : 0))" }
        }
        if !links.isEmpty {
            try await database.raw("INSERT INTO item_entities (item_id, entity_id, main) VALUES \(links.joined(separator: ", "))").run()
        }
        return stored.count
    }
}
