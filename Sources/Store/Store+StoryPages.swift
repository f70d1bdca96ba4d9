import Foundation
import KawarabanCore
import SQLKit

/// What an article page shows of the item's story: the lead, every published item of the story
/// (other outlets' reports of the same event) and the 続報 thread the story belongs to.
public struct StoryContext: Sendable, Hashable {
    public var storyID: Int64
    public var lead: PublishedHeadline
    /// Every published item of the story but the lead, earliest first.
    public var others: [PublishedHeadline]
    /// The lead of each story of the thread, newest first; empty when the thread is this story alone.
    public var thread: [PublishedHeadline]
}

/// The reads of the article page's story block. Each reads the headline's columns only, bounded
/// by `storyMemberLimit`.
extension Store {
    /// The other outlets of the story `items` leads (items of the story from other sources), for "他N社も報道".
    static var otherOutlets: SQLQueryString {
        """
        (SELECT COUNT(DISTINCT others.source_id) FROM items AS others
         WHERE items.story_id IS NOT NULL AND others.story_id = items.story_id AND others.source_id <> items.source_id
             AND others.stage = \(bind: Stage.published.rawValue) AND others.analysis_json IS NOT NULL)
        """
    }


    /// The story of the published item `itemID`; nil when it is in none, or its story holds no
    /// other published item and no thread.
    public func storyContext(ofItem itemID: Int64) async throws(StoreError) -> StoryContext? {
        try await translatingErrors("reading the story of item \(itemID)") {
            guard let row = try await database.raw("""
                SELECT stories.id, stories.lead_item_id, COALESCE(stories.thread_id, stories.id) AS root
                FROM items JOIN stories ON stories.id = items.story_id
                WHERE items.id = \(bind: itemID) AND \(Self.listable)
                """).first()
            else { return nil }
            let storyID = try row.decode(column: "id", as: Int64.self)
            let leadID = try row.decode(column: "lead_item_id", as: Int64.self)
            let root = try row.decode(column: "root", as: Int64.self)
            let members = try await database.raw("""
                SELECT \(Self.headlineColumns) FROM items JOIN sources ON sources.id = items.source_id
                WHERE items.story_id = \(bind: storyID) AND \(Self.listable)
                ORDER BY CASE WHEN items.id = \(bind: leadID) THEN 0 ELSE 1 END, items.shown_at, items.id
                LIMIT \(bind: Self.storyMemberLimit)
                """).all().map { try Self.headline(from: $0) }
            let thread = try await database.raw("""
                SELECT \(Self.headlineColumns) FROM stories
                JOIN items ON items.id = stories.lead_item_id JOIN sources ON sources.id = items.source_id
                WHERE (stories.id = \(bind: root) OR stories.thread_id = \(bind: root)) AND \(Self.listable)
                    AND items.story_id = stories.id
                ORDER BY items.shown_at DESC, items.id DESC
                LIMIT \(bind: Self.storyMemberLimit)
                """).all().map { try Self.headline(from: $0) }
            guard let lead = members.first, lead.id == leadID, members.count > 1 || thread.count > 1 else { return nil }
            return StoryContext(storyID: storyID, lead: lead, others: Array(members.dropFirst()),
                                thread: thread.count > 1 ? thread : [])
        }
    }
}
