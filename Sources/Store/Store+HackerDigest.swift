import Foundation
import KawarabanCore
import SQLKit

/// A published story of a day that Hacker News discussed, as Hacker日報 starts from it: the
/// article the story shows and the discussion as last collected.
public struct DiscussedStory: Sendable, Hashable {
    /// The article the story shows (its lead), which the digest links to.
    public var itemID: Int64
    /// The article's title and one-line summary in the edition's language.
    public var title: String
    public var summary: String
    public var importance: Int
    public var sourceName: String
    /// The item Hacker News carried: the article itself, or another item of its story.
    public var discussedItemID: Int64
    /// The story's id on Hacker News.
    public var storyID: Int
    /// Points and comments when the story was collected (or last refreshed).
    public var points: Int
    public var commentCount: Int
    /// The API base of the Hacker News source that carried it.
    public var apiBase: String
}

extension Store {
    /// The discussion address Hacker News items are stored with; the story's id follows it.
    public static let hackerNewsDiscussionPrefix = "https://news.ycombinator.com/item?id="
    /// Rows one day may read: a day holds a few dozen discussed stories at most.
    static let maximumDiscussedRows = 200

    /// Every story published (shown) in `interval` that a Hacker News source carried, once per
    /// story, the most points first: the story's shown article, with the discussion of whichever
    /// of its items came through Hacker News (the one with most points when several did).
    public func discussedStories(shownIn interval: DateInterval) async throws(StoreError) -> [DiscussedStory] {
        let prefix = Self.hackerNewsDiscussionPrefix
        return try await translatingErrors("listing the day's Hacker News stories") {
            let rows = try await database.raw("""
                SELECT items.id, items.analysis_json, items.importance, sources.name AS source_name,
                    discussed.id AS discussed_id, discussed.comments_url, discussed.score, discussed.comment_count,
                    carrier.url AS api_base
                FROM items
                JOIN sources ON sources.id = items.source_id
                JOIN items AS discussed
                    ON discussed.id = items.id OR (items.story_id IS NOT NULL AND discussed.story_id = items.story_id)
                JOIN item_sources ON item_sources.item_id = discussed.id
                JOIN sources AS carrier
                    ON carrier.id = item_sources.source_id AND carrier.kind = \(bind: SourceKind.hackerNews.rawValue)
                WHERE \(Self.listable) AND \(Self.storyEntry)
                    AND items.shown_at >= \(bind: interval.start.storedValue) AND items.shown_at < \(bind: interval.end.storedValue)
                    AND discussed.comments_url LIKE \(bind: prefix + "%")
                ORDER BY COALESCE(discussed.score, 0) DESC, items.id
                LIMIT \(bind: Self.maximumDiscussedRows)
                """).all()
            var stories: [DiscussedStory] = []
            var seen: Set<Int64> = []
            for row in rows {
                let id = try row.decode(column: "id", as: Int64.self)
                let url = try row.decode(column: "comments_url", as: String.self)
                guard !seen.contains(id), let storyID = Int(url.dropFirst(prefix.count)), storyID > 0,
                      let analysis = try Self.decodeJSON(Analysis.self, row.decode(column: "analysis_json", as: String.self))
                else { continue }
                seen.insert(id)
                stories.append(DiscussedStory(
                    itemID: id, title: analysis.title, summary: analysis.tldr,
                    importance: try row.decode(column: "importance", as: Int?.self) ?? analysis.importance.value,
                    sourceName: try row.decode(column: "source_name", as: String.self),
                    discussedItemID: try row.decode(column: "discussed_id", as: Int64.self), storyID: storyID,
                    points: try row.decode(column: "score", as: Int?.self) ?? 0,
                    commentCount: try row.decode(column: "comment_count", as: Int?.self) ?? 0,
                    apiBase: try row.decode(column: "api_base", as: String.self)))
            }
            return stories
        }
    }

    /// Keeps on each entry's item the discussion the entry brings (Hacker News's thread, points
    /// and comments), when the item has no discussion yet or has this one: a story a feed brought
    /// first still gets its thread when Hacker News carries it, and the counts follow each collection.
    public func recordDiscussions(_ entries: [DiscoveredItem]) async throws(StoreError) {
        try await translatingErrors("recording the discussions of \(entries.count) entries") {
            for entry in entries {
                guard let commentsURL = entry.commentsURL, let points = entry.score, let comments = entry.commentCount else { continue }
                try await database.raw("""
                    UPDATE items SET comments_url = \(bind: commentsURL), score = \(bind: points), comment_count = \(bind: comments)
                    WHERE canonical_url = \(bind: entry.canonicalURL)
                        AND (comments_url IS NULL OR comments_url = \(bind: commentsURL))
                    """).run()
            }
        }
    }

    /// Keeps the points and comment count Hacker News gives now for the item it carried.
    public func updateDiscussion(itemID: Int64, points: Int, commentCount: Int) async throws(StoreError) {
        try await translatingErrors("updating the Hacker News counts of item \(itemID)") {
            try await database.raw("""
                UPDATE items SET score = \(bind: points), comment_count = \(bind: commentCount) WHERE id = \(bind: itemID)
                """).run()
        }
    }
}
