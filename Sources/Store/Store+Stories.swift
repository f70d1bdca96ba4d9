import Foundation
import KawarabanCore
import SQLKit

/// An item as story matching compares it: the original title and text, the entities it names (by
/// their stored names), when it appeared, and the story it is in (nil for an item published before
/// stories existed).
public struct StoryCandidate: Sendable, Hashable {
    public var itemID: Int64
    public var storyID: Int64?
    public var sourceID: Int64
    public var title: String
    public var article: Article?
    public var entities: [Entity]
    public var shownAt: Date
    /// The stored MinHash; nil until the item was grouped.
    public var signature: String?
}

/// An item and the published items it may share a story or a thread with.
public struct StoryNeighbourhood: Sendable, Hashable {
    public var subject: StoryCandidate
    /// Newest first.
    public var candidates: [StoryCandidate]
    /// Set when an operator split the item out of a story: the grouping leaves it where it is.
    public var pinned: Bool
}

/// Where the grouping puts an item.
public enum StoryPlacement: Sendable, Hashable {
    /// Into the story of this item: the same event.
    case sameStory(as: Int64)
    /// Into a story of its own in the 続報 thread of this item's story.
    case followUp(of: Int64)
    /// Into a story of its own.
    case alone
}

/// What `split` did.
public struct StorySplit: Sendable, Hashable {
    public var itemID: Int64
    public var fromStory: Int64
    public var toStory: Int64
    /// The lead of the story the item left, chosen again without it.
    public var remainingLead: Int64
}

/// One item of a story as the operator's commands show it.
public struct StoryMemberSummary: Sendable, Hashable, Codable {
    public var itemID: Int64
    public var title: String
    public var sourceName: String
    public var shownAt: Date
    public var pinned: Bool
}

/// A story with more than one item, or one of a 続報 thread, as `stories list` and `status` show it.
public struct StorySummary: Sendable, Hashable, Codable {
    public var id: Int64
    public var leadItemID: Int64
    /// The first story of its thread; nil for a thread's first story.
    public var threadID: Int64?
    public var updatedAt: Date
    /// Lead first, then by date.
    public var members: [StoryMemberSummary]
}

/// Stories (migration 13): the items about one event from every source that carried it. A story's
/// lead is its best-scored published item; an item no story holds yet stands for itself. Every
/// write keeps the rows consistent after each statement, so that a crash between two leaves
/// either the old grouping or the new one, never a story that no list shows.
extension Store {
    /// True for the one item of each story a list or digest shows: its lead, or an item no story holds.
    static let storyEntry: SQLQueryString = """
        (items.story_id IS NULL OR items.id = (SELECT stories.lead_item_id FROM stories WHERE stories.id = items.story_id))
        """
    /// Items of one story or thread read at once: a story carried by more outlets than this is
    /// credited by its first ones, and a thread longer than this shows its newest stories.
    public static let storyMemberLimit = 50
    /// Pages told of one story's change at most: a thread's items beyond these keep their cached
    /// pages until their own next change.
    static let storyChangeLimit = 500
    /// Stories `storySummaries` reads at most.
    public static let storySummaryLimit = 200

    /// The best-scored published item of the story: the most important, then the earliest.
    private static func bestLead(of storyID: SQLQueryString, excluding excluded: Int64? = nil) -> SQLQueryString {
        let exclusion: SQLQueryString = excluded.map { "AND items.id <> \(bind: $0)" } ?? ""
        return """
            (SELECT items.id FROM items WHERE items.story_id = \(storyID) AND \(listable) \(exclusion)
             ORDER BY COALESCE(items.importance, 0) DESC, items.shown_at ASC, items.id ASC LIMIT 1)
            """
    }

    private static let candidateColumns = """
        items.id, items.story_id, items.source_id, items.title, items.article_json, items.analysis_json, items.shown_at,
        items.story_signature
        """

    /// The item and the published items (or items grouped and about to be published) that name one
    /// of its entities and appeared within `window` seconds of it, newest first, at most `limit`.
    /// Nil when the item does not exist.
    public func storyNeighbourhood(of itemID: Int64, window: TimeInterval,
                                   limit: Int) async throws(StoreError) -> StoryNeighbourhood? {
        try await translatingErrors("reading the story candidates of item \(itemID)") {
            guard let row = try await database.raw("""
                SELECT \(unsafeRaw: Self.candidateColumns), items.story_pinned FROM items WHERE items.id = \(bind: itemID)
                """).first()
            else { return nil }
            var subject = try Self.storyCandidate(from: row)
            let shownAt = subject.shownAt.storedValue
            var candidates = try await database.raw("""
                SELECT \(unsafeRaw: Self.candidateColumns) FROM items
                WHERE items.id IN (
                        SELECT theirs.item_id FROM item_entities AS mine
                        JOIN item_entities AS theirs ON theirs.entity_id = mine.entity_id AND theirs.item_id <> mine.item_id
                        WHERE mine.item_id = \(bind: itemID))
                    AND (\(Self.listable) OR (items.story_id IS NOT NULL AND items.stage = \(bind: Stage.translated.rawValue)))
                    AND items.shown_at BETWEEN \(bind: shownAt - window) AND \(bind: shownAt + window)
                ORDER BY items.shown_at DESC, items.id DESC
                LIMIT \(bind: max(0, limit))
                """).all().map(Self.storyCandidate)
            let stored = try await storedEntityNames(of: [subject.itemID] + candidates.map(\.itemID))
            subject.entities = stored[subject.itemID] ?? subject.entities
            for index in candidates.indices {
                candidates[index].entities = stored[candidates[index].itemID] ?? candidates[index].entities
            }
            return StoryNeighbourhood(subject: subject, candidates: candidates,
                                      pinned: try row.decode(column: "story_pinned", as: Int.self) != 0)
        }
    }

    /// Each item's entities under the names the store keeps for them, so that two articles naming
    /// one entity in two languages (resolved through its aliases) name it alike; items with no
    /// recorded entities are absent, and keep what their analysis named.
    private func storedEntityNames(of itemIDs: [Int64]) async throws -> [Int64: [Entity]] {
        let rows = try await database.raw("""
            SELECT item_entities.item_id, item_entities.main, entities.name, entities.kind
            FROM item_entities JOIN entities ON entities.id = item_entities.entity_id
            WHERE item_entities.item_id IN (\(itemIDs.map { SQLQueryString("\(bind: $0)") }.joined(separator: ", ")))
            ORDER BY item_entities.item_id, entities.id
            """).all()
        var entities: [Int64: [Entity]] = [:]
        for row in rows {
            guard let kind = EntityKind(rawValue: try row.decode(column: "kind", as: String.self)) else { continue }
            let name = try row.decode(column: "name", as: String.self)
            entities[try row.decode(column: "item_id", as: Int64.self), default: []].append(
                Entity(name: name, kind: kind, rendering: name, main: try row.decode(column: "main", as: Int.self) != 0))
        }
        return entities
    }

    private static func storyCandidate(from row: any SQLRow) throws -> StoryCandidate {
        StoryCandidate(
            itemID: try row.decode(column: "id", as: Int64.self),
            storyID: try row.decode(column: "story_id", as: Int64?.self),
            sourceID: try row.decode(column: "source_id", as: Int64.self),
            title: try row.decode(column: "title", as: String.self),
            article: try? decodeJSON(Article.self, row.decode(column: "article_json", as: String?.self)),
            entities: (try? decodeJSON(Analysis.self, row.decode(column: "analysis_json", as: String?.self)))?.entities ?? [],
            shownAt: Date(stored: try row.decode(column: "shown_at", as: Double?.self) ?? 0),
            signature: try row.decode(column: "story_signature", as: String?.self))
    }

    /// Puts the held item into the story `placement` names and stores its signature; the item is
    /// published after, and `refreshStory(ofItem:)` then chooses the lead. Refused (false) when
    /// `owner` no longer holds the item. Repeating it after a crash reuses the story made before.
    public func placeInStory(_ itemID: Int64, _ placement: StoryPlacement, signature: String, owner: String,
                             now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("grouping item \(itemID) into a story") {
            let previous = try await storyID(ofItem: itemID)
            let target: Int64
            switch placement {
            case .sameStory(let other):
                target = try await storyCreatingOne(for: other, now: now)
            case .followUp(let other):
                let root = try await threadRoot(of: try await storyCreatingOne(for: other, now: now))
                if try await appearedBefore(itemID, story: root) {
                    // Published out of order: the earlier story starts the thread. One statement
                    // moves the whole thread under it, so a crash leaves it whole either way.
                    target = try await ownStory(for: itemID, thread: nil, now: now)
                    try await database.raw("""
                        UPDATE stories SET thread_id = \(bind: target) WHERE id = \(bind: root) OR thread_id = \(bind: root)
                        """).run()
                } else {
                    target = try await ownStory(for: itemID, thread: root, now: now)
                }
            case .alone:
                target = try await ownStory(for: itemID, thread: nil, now: now)
            }
            guard try await database.raw("""
                UPDATE items SET story_id = \(bind: target), story_signature = \(bind: signature)
                WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id
                """).first() != nil
            else { return false }
            if let previous, previous != target { try await chooseLead(of: previous, now: now) }
            try await database.raw("UPDATE stories SET updated_at = \(bind: now.storedValue) WHERE id = \(bind: target)").run()
            return true
        }
    }

    /// After the item's publication: chooses its story's lead again, and records a rewrite of every
    /// other item of its thread, whose pages credit the story's sources and list the thread.
    func refreshStory(ofItem itemID: Int64, now: Date) async throws {
        guard let storyID = try await storyID(ofItem: itemID) else { return }
        try await chooseLead(of: storyID, now: now)
        let others = try await threadItems(of: storyID).filter { $0 != itemID }
        try await recordSiteChange(of: others, .rewritten, now: now)
    }

    /// Moves a published item out of its story into one of its own, pinned there so that no
    /// grouping moves it back, and chooses the lead of the story it left without it. Nil when the
    /// item is not published or shares its story with no other published item.
    public func split(_ itemID: Int64, now: Date) async throws(StoreError) -> StorySplit? {
        try await translatingErrors("splitting item \(itemID) out of its story") {
            guard let row = try await database.raw("""
                SELECT items.story_id FROM items WHERE items.id = \(bind: itemID) AND \(Self.listable)
                """).first(),
                let storyID = try row.decode(column: "story_id", as: Int64?.self),
                try await database.raw("""
                    SELECT items.id FROM items
                    WHERE items.story_id = \(bind: storyID) AND items.id <> \(bind: itemID) AND \(Self.listable) LIMIT 1
                    """).first() != nil
            else { return nil }
            let pages = try await threadItems(of: storyID)
            let ownStoryID = try await ownStory(for: itemID, thread: nil, now: now)
            // The story it leaves gets its new lead first: until the item moves, it is merely not shown.
            try await database.raw("""
                UPDATE stories SET lead_item_id = COALESCE(\(Self.bestLead(of: "stories.id", excluding: itemID)), lead_item_id),
                    updated_at = \(bind: now.storedValue)
                WHERE id = \(bind: storyID)
                """).run()
            try await database.raw("""
                UPDATE items SET story_id = \(bind: ownStoryID), story_pinned = 1 WHERE id = \(bind: itemID)
                """).run()
            let lead = try await database.raw("SELECT lead_item_id FROM stories WHERE id = \(bind: storyID)").first()?
                .decode(column: "lead_item_id", as: Int64.self) ?? itemID
            try await recordSiteChange(of: pages, .rewritten, now: now)
            return StorySplit(itemID: itemID, fromStory: storyID, toStory: ownStoryID, remainingLead: lead)
        }
    }

    /// Stories changed since `since` that hold more than one published item or belong to a thread,
    /// newest change first: what `stories list` and `status` show so that a wrong merge is seen.
    public func storySummaries(changedSince since: Date, limit: Int = storySummaryLimit,
                               threadsToo: Bool = true) async throws(StoreError) -> [StorySummary] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("listing stories") {
            let threaded: SQLQueryString = threadsToo
                ? "OR stories.thread_id IS NOT NULL OR EXISTS (SELECT 1 FROM stories AS later WHERE later.thread_id = stories.id)"
                : ""
            let stories = try await database.raw("""
                SELECT stories.id, stories.lead_item_id, stories.thread_id, stories.updated_at FROM stories
                WHERE stories.updated_at >= \(bind: since.storedValue)
                    AND EXISTS (SELECT 1 FROM items WHERE items.id = stories.lead_item_id AND \(Self.listable))
                    AND ((SELECT COUNT(*) FROM items WHERE items.story_id = stories.id AND \(Self.listable)) > 1 \(threaded))
                ORDER BY stories.updated_at DESC, stories.id DESC
                LIMIT \(bind: limit)
                """).all()
            var summaries: [StorySummary] = []
            for row in stories {
                let id = try row.decode(column: "id", as: Int64.self)
                let lead = try row.decode(column: "lead_item_id", as: Int64.self)
                let members = try await database.raw("""
                    SELECT items.id, items.title, items.shown_at, items.story_pinned, sources.name AS source_name
                    FROM items JOIN sources ON sources.id = items.source_id
                    WHERE items.story_id = \(bind: id) AND \(Self.listable)
                    ORDER BY CASE WHEN items.id = \(bind: lead) THEN 0 ELSE 1 END, items.shown_at, items.id
                    LIMIT \(bind: Self.storyMemberLimit)
                    """).all().map { member in
                    StoryMemberSummary(
                        itemID: try member.decode(column: "id", as: Int64.self),
                        title: try member.decode(column: "title", as: String.self),
                        sourceName: try member.decode(column: "source_name", as: String.self),
                        shownAt: Date(stored: try member.decode(column: "shown_at", as: Double?.self) ?? 0),
                        pinned: try member.decode(column: "story_pinned", as: Int.self) != 0)
                }
                summaries.append(StorySummary(
                    id: id, leadItemID: lead, threadID: try row.decode(column: "thread_id", as: Int64?.self),
                    updatedAt: Date(stored: try row.decode(column: "updated_at", as: Double.self)), members: members))
            }
            return summaries
        }
    }

    /// The PostgreSQL advisory lock that lets one process at a time group an item into a story.
    static let storyGroupingLock: Int64 = 0x4B57_5354_4F52

    /// Runs `body` while no other process groups an item: two reports of one event published at
    /// once by two workers would otherwise each miss the other and start two stories. On
    /// PostgreSQL a session lock, held on a connection of its own and so released by the server
    /// if the process dies; on SQLite `body` runs as it is (the worker's lanes take turns).
    public func whileGroupingStories<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard dialect == .postgres else { return try await body() }
        return try await withSingleConnection { connection in
            try await connection.raw("SELECT pg_advisory_lock(\(bind: Self.storyGroupingLock))").run()
            let unlock: SQLQueryString = "SELECT pg_advisory_unlock(\(bind: Self.storyGroupingLock))"
            do {
                let value = try await body()
                try await connection.raw(unlock).run()
                return value
            } catch {
                // A connection that cannot unlock is broken, and the server ends its session and lock.
                try? await connection.raw(unlock).run()
                throw error
            }
        }
    }

    private func storyID(ofItem itemID: Int64) async throws -> Int64? {
        try await database.raw("SELECT story_id FROM items WHERE id = \(bind: itemID)").first()?
            .decode(column: "story_id", as: Int64?.self)
    }

    /// The story of `itemID`; an item published before stories existed gets one of its own first.
    private func storyCreatingOne(for itemID: Int64, now: Date) async throws -> Int64 {
        if let storyID = try await storyID(ofItem: itemID) { return storyID }
        let created = try await ownStory(for: itemID, thread: nil, now: now)
        try await database.raw("""
            UPDATE items SET story_id = \(bind: created) WHERE id = \(bind: itemID) AND story_id IS NULL
            """).run()
        return try await storyID(ofItem: itemID) ?? created
    }

    /// A story led by `itemID` and holding no other item, in `thread`: the one a crashed step made
    /// when there is one, otherwise a new one.
    private func ownStory(for itemID: Int64, thread: Int64?, now: Date) async throws -> Int64 {
        if let row = try await database.raw("""
            SELECT stories.id FROM stories WHERE stories.lead_item_id = \(bind: itemID)
                AND NOT EXISTS (SELECT 1 FROM items WHERE items.story_id = stories.id AND items.id <> \(bind: itemID))
            ORDER BY stories.id LIMIT 1
            """).first() {
            let id = try row.decode(column: "id", as: Int64.self)
            try await database.raw("""
                UPDATE stories SET thread_id = \(bind: thread), updated_at = \(bind: now.storedValue) WHERE id = \(bind: id)
                """).run()
            return id
        }
        guard let row = try await database.raw("""
            INSERT INTO stories (lead_item_id, thread_id, created_at, updated_at)
            VALUES (\(bind: itemID), \(bind: thread), \(bind: now.storedValue), \(bind: now.storedValue)) RETURNING id
            """).first()
        else { throw StoreError.database("a new story returned no id") }
        return try row.decode(column: "id", as: Int64.self)
    }

    /// Whether the item appeared before every item of the story.
    private func appearedBefore(_ itemID: Int64, story storyID: Int64) async throws -> Bool {
        try await database.raw("""
            SELECT 1 AS earlier FROM items AS mine
            WHERE mine.id = \(bind: itemID)
                AND mine.shown_at < (SELECT MIN(items.shown_at) FROM items WHERE items.story_id = \(bind: storyID))
            """).first() != nil
    }

    /// The first story of the thread `storyID` is in.
    private func threadRoot(of storyID: Int64) async throws -> Int64 {
        try await database.raw("SELECT COALESCE(thread_id, id) AS root FROM stories WHERE id = \(bind: storyID)").first()?
            .decode(column: "root", as: Int64.self) ?? storyID
    }

    private func chooseLead(of storyID: Int64, now: Date) async throws {
        try await database.raw("""
            UPDATE stories SET lead_item_id = COALESCE(\(Self.bestLead(of: "stories.id")), lead_item_id),
                updated_at = \(bind: now.storedValue)
            WHERE id = \(bind: storyID)
            """).run()
    }

    /// The published items of every story in `storyID`'s thread, whose pages show the story's credits or the thread.
    private func threadItems(of storyID: Int64) async throws -> [Int64] {
        let root = try await threadRoot(of: storyID)
        return try await database.raw("""
            SELECT items.id FROM items JOIN stories ON stories.id = items.story_id
            WHERE (stories.id = \(bind: root) OR stories.thread_id = \(bind: root)) AND \(Self.listable)
            ORDER BY items.id DESC LIMIT \(bind: Self.storyChangeLimit)
            """).all().map { try $0.decode(column: "id", as: Int64.self) }
    }
}
