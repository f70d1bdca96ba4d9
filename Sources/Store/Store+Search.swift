import Foundation
import KawarabanCore
import SQLKit

/// A published item found by search; its headline carries the title as the source wrote it.
public struct SearchHit: Sendable, Hashable {
    public var headline: PublishedHeadline

    public init(headline: PublishedHeadline) {
        self.headline = headline
    }
}

/// One page of search results and how many items the whole query matched.
public struct SearchResults: Sendable, Hashable {
    public var hits: [SearchHit]
    public var total: Int

    public init(hits: [SearchHit], total: Int) {
        self.hits = hits
        self.total = total
    }
}

/// Search over published items (migration 11). Each published item has one row in `search_text`
/// with its text folded by `SearchFolding`: `heading` (the Japanese and the original title),
/// `tldr`, and `body` (key points, the translated and the original body). SQLite keeps the row in
/// an FTS5 table with the trigram tokenizer (case-sensitive, since the text is folded already)
/// and the heading and TL;DR again in `search_heads`; PostgreSQL in a plain table with pg_trgm
/// GIN indexes. Both engines are asked the same question
/// (does this folded column contain this folded term) and rank with the same arithmetic, never
/// with an engine's own score, so they return the same ids in the same order.
extension Store {
    /// Items indexed per statement when indexing or backfilling.
    static let searchIndexBatchSize = 100
    /// What a term found in each field adds to an item's rank: titles first, then the TL;DR, then the body.
    static let searchHeadingWeight = 3
    static let searchTLDRWeight = 2
    static let searchBodyWeight = 1

    /// The table holding each item's folded heading and TL;DR, keyed by `item_id`: ranking reads
    /// it, and short terms scan it. On SQLite a narrow table beside the FTS5 one, which would read
    /// each item's body with them; on PostgreSQL the search table itself, whose long bodies are
    /// stored apart.
    private var searchHeads: String {
        switch dialect {
        case .sqlite: "search_heads"
        case .postgres: "search_text"
        }
    }

    /// Writes the search rows of `itemIDs` from what is stored now: published items get their row
    /// (written anew), every other one loses its row. Called where an item is published,
    /// unpublished or rewritten, by the backfill, and by anything that stores published rows
    /// itself (the demo database).
    public func indexForSearch(itemIDs: [Int64]) async throws(StoreError) {
        let distinct = Array(Set(itemIDs)).sorted()
        for start in stride(from: 0, to: distinct.count, by: Self.searchIndexBatchSize) {
            let batch = Array(distinct[start..<min(start + Self.searchIndexBatchSize, distinct.count)])
            try await translatingErrors("indexing items \(batch.first ?? 0)…\(batch.last ?? 0) for search") {
                try await writeSearchRows(batch)
            }
        }
    }

    private func writeSearchRows(_ itemIDs: [Int64]) async throws {
        let rows = try await database.raw("""
            SELECT items.id, items.title, items.shown_at, items.analysis_json, items.translation_json, items.article_json
            FROM items WHERE items.id IN (\(unsafeRaw: itemIDs.map(String.init).joined(separator: ", "))) AND \(Self.listable)
            """).all()
        var documents: [SQLQueryString] = []
        var heads: [SQLQueryString] = []
        var published: [Int64] = []
        for row in rows {
            let id = try row.decode(column: "id", as: Int64.self)
            published.append(id)
            let document = Self.searchDocument(
                originalTitle: try row.decode(column: "title", as: String.self),
                analysis: try? Self.decodeJSON(Analysis.self, row.decode(column: "analysis_json", as: String?.self)),
                translation: try? Self.decodeJSON(Translation.self, row.decode(column: "translation_json", as: String?.self)),
                article: try? Self.decodeJSON(Article.self, row.decode(column: "article_json", as: String?.self)))
            let shownAt = try row.decode(column: "shown_at", as: Double.self)
            switch dialect {
            case .sqlite:
                documents.append("(\(bind: id), \(bind: document.heading), \(bind: document.tldr), \(bind: document.body))")
                heads.append("(\(bind: id), \(bind: document.heading), \(bind: document.tldr), \(bind: shownAt))")
            case .postgres:
                documents.append("""
                    (\(bind: id), \(bind: document.heading), \(bind: document.tldr), \(bind: document.body), \(bind: shownAt))
                    """)
            }
        }
        let gone = itemIDs.filter { !published.contains($0) }.map(String.init).joined(separator: ", ")
        if !gone.isEmpty {
            try await database.raw("DELETE FROM \(unsafeRaw: searchHeads) WHERE item_id IN (\(unsafeRaw: gone))").run()
            if dialect == .sqlite {
                try await database.raw("DELETE FROM search_text WHERE rowid IN (\(unsafeRaw: gone))").run()
            }
        }
        guard !documents.isEmpty else { return }
        // Replaced in place, so a reader searching meanwhile finds the old row or the new one.
        switch dialect {
        case .sqlite:
            try await database.raw("""
                INSERT OR REPLACE INTO search_text (rowid, heading, tldr, body) VALUES \(documents.joined(separator: ", "))
                """).run()
            try await database.raw("""
                INSERT OR REPLACE INTO search_heads (item_id, heading, tldr, shown_at) VALUES \(heads.joined(separator: ", "))
                """).run()
        case .postgres:
            try await database.raw("""
                INSERT INTO search_text (item_id, heading, tldr, body, shown_at) VALUES \(documents.joined(separator: ", "))
                ON CONFLICT (item_id) DO UPDATE SET heading = excluded.heading, tldr = excluded.tldr, body = excluded.body,
                    shown_at = excluded.shown_at
                """).run()
        }
    }

    /// The folded text of one item, field by field. Fields are joined with line breaks, and a term
    /// never holds whitespace, so no term matches across two pieces of text.
    static func searchDocument(originalTitle: String, analysis: Analysis?, translation: Translation?,
                               article: Article?) -> (heading: String, tldr: String, body: String) {
        let heading = [analysis?.title ?? "", originalTitle]
        var body = (analysis?.keyPoints ?? []).flatMap { [$0.heading, $0.body] }
        body += (translation?.blocks ?? []).map(\.plainText)
        body += (article?.blocks ?? []).map(\.plainText)
        return (SearchFolding.fold(heading.joined(separator: "\n")), SearchFolding.fold(analysis?.tldr ?? ""),
                SearchFolding.fold(body.joined(separator: "\n")))
    }

    /// Indexes published items that have no search row: items stored before migration 11, and an
    /// item whose publication was recorded but whose indexing a crash cut short. Runs when the
    /// store opens; walks ids upward a batch at a time, so it ends however the rows turn out, and
    /// repeating it changes nothing. Returns how many items it indexed.
    @discardableResult
    public func indexPublishedMissingFromSearch() async throws(StoreError) -> Int {
        var after: Int64 = 0
        var indexed = 0
        while true {
            let ids = try await translatingErrors("finding published items missing from search") {
                try await database.raw("""
                    SELECT items.id FROM items
                    WHERE \(Self.listable) AND items.id > \(bind: after)
                        AND NOT EXISTS (SELECT 1 FROM \(unsafeRaw: searchHeads) AS heads WHERE heads.item_id = items.id)
                    ORDER BY items.id LIMIT \(bind: Self.searchIndexBatchSize)
                    """).all().map { try $0.decode(column: "id", as: Int64.self) }
            }
            guard let last = ids.last else { break }
            try await indexForSearch(itemIDs: ids)
            indexed += ids.count
            after = last
        }
        if indexed > 0 { logger.info("indexed published items for search", metadata: ["items": "\(indexed)"]) }
        return indexed
    }

    /// Says in the log when PostgreSQL search has no trigram index (pg_trgm could not be created
    /// when migration 11 ran): search still answers the same, by reading every row.
    public func warnIfSearchIsUnindexed() async throws(StoreError) {
        guard dialect == .postgres else { return }
        let indexes = try await translatingErrors("checking the search indexes") {
            try await database.raw("""
                SELECT COUNT(*) AS count FROM pg_indexes
                WHERE tablename = 'search_text' AND indexname = 'search_text_heading' AND schemaname = current_schema()
                """).first()?.decode(column: "count", as: Int.self) ?? 0
        }
        if indexes == 0 {
            logger.warning("search has no trigram index: the pg_trgm extension could not be created (CREATE EXTENSION pg_trgm needs the right to create it in the schema public); search works, reading every row")
        }
    }

    /// Published items containing every term of `query`, best first: each term adds the weight of
    /// the first field it occurs in (titles, TL;DR, body), and ties go to the newer item, then the
    /// higher id. `limit` hits from `offset`, and the number of all matches.
    public func search(_ query: SearchQuery, limit: Int, offset: Int) async throws(StoreError) -> SearchResults {
        guard !query.isEmpty, limit > 0, offset >= 0 else { return SearchResults(hits: [], total: 0) }
        let statement = searchStatement(query, limit: limit, offset: offset)
        return try await translatingErrors("searching") {
            let rows = try await database.raw(statement).all()
            let total = try rows.first?.decode(column: "total", as: Int.self)
            let hits = try rows.map { row in
                SearchHit(headline: try Self.headline(from: row))
            }
            return SearchResults(hits: hits, total: total ?? 0)
        }
    }

    /// The one statement a search runs: the page's hits, each with the total.
    func searchStatement(_ query: SearchQuery, limit: Int, offset: Int) -> SQLQueryString {
        var conditions: [SQLQueryString] = [Self.listable]
        var scores: [SQLQueryString] = []
        let indexed = query.terms.filter(SearchQuery.isIndexed)
        if dialect == .sqlite, !indexed.isEmpty {
            // Each term quoted as an FTS5 string (a quote doubled), so no term is read as syntax;
            // terms side by side must all match. The ids the index finds drive the query.
            let match = indexed.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
            conditions.append("heads.item_id IN (SELECT rowid FROM search_text WHERE search_text MATCH \(bind: match))")
        }
        for term in query.terms {
            let inHeading = contains("heads.heading", term)
            let inTLDR = contains("heads.tldr", term)
            if !SearchQuery.isIndexed(term) {
                conditions.append("(\(inHeading) OR \(inTLDR))")
            } else if dialect == .postgres {
                conditions.append("(\(contains("heads.heading", term, indexed: true)) OR \(contains("heads.tldr", term, indexed: true)) OR \(contains("heads.body", term, indexed: true)))")
            }
            scores.append("""
                (CASE WHEN \(inHeading) THEN \(unsafeRaw: String(Self.searchHeadingWeight)) \
                WHEN \(inTLDR) THEN \(unsafeRaw: String(Self.searchTLDRWeight)) \
                ELSE \(unsafeRaw: String(Self.searchBodyWeight)) END)
                """)
        }
        // SQLite's planner would walk the published items and ask the FTS5 table about each;
        // CROSS JOIN keeps the search rows (the index's answer) as the outer loop.
        let join: SQLQueryString = dialect == .sqlite ? "CROSS JOIN" : "JOIN"
        return """
            SELECT items.id, items.url, items.analysis_json, items.title, sources.name AS source_name,
                chosen.shown_at, chosen.total
            FROM (
                SELECT heads.item_id AS id, heads.shown_at, \(scores.joined(separator: " + ")) AS score, COUNT(*) OVER () AS total
                FROM \(unsafeRaw: searchHeads) AS heads \(join) items ON items.id = heads.item_id
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY score DESC, heads.shown_at DESC, heads.item_id DESC
                LIMIT \(bind: limit) OFFSET \(bind: offset)
            ) AS chosen
            JOIN items ON items.id = chosen.id
            JOIN sources ON sources.id = items.source_id
            ORDER BY chosen.score DESC, chosen.shown_at DESC, chosen.id DESC
            """
    }

    /// Whether the folded `column` contains `term`, character for character. On PostgreSQL the
    /// filter is written as LIKE (wildcards escaped) so that the trigram index can answer it.
    private func contains(_ column: String, _ term: String, indexed: Bool = false) -> SQLQueryString {
        switch dialect {
        case .sqlite:
            return "instr(\(unsafeRaw: column), \(bind: term)) > 0"
        case .postgres where indexed:
            let pattern = "%" + term.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            return "\(unsafeRaw: column) LIKE \(bind: pattern) ESCAPE '\\'"
        case .postgres:
            return "strpos(\(unsafeRaw: column), \(bind: term)) > 0"
        }
    }
}
