import Foundation
import KawarabanCore
import SQLKit

/// The facts the reader's lists filter by, kept in rows of their own beside the analysis they come
/// from (migration 10): `item_tags` here; `items.importance` and `items.shown_at` are written with
/// the analysis and the entry.
extension Store {
    /// Replaces an item's tags with `tags` (each once). With `owner`, only while that worker still
    /// holds the item, so a worker that lost its lease changes nothing; the analysis is written
    /// after, by the same holder, and a crash in between leaves the step to be repeated whole.
    func replaceTags(of itemID: Int64, with tags: [String], heldBy owner: String?) async throws {
        let held: SQLQueryString = owner.map {
            "EXISTS (SELECT 1 FROM items WHERE id = \(bind: itemID) AND lease_owner = \(bind: $0))"
        } ?? "TRUE"
        try await database.raw("DELETE FROM item_tags WHERE item_id = \(bind: itemID) AND \(held)").run()
        let distinct = tags.reduce(into: [String]()) { kept, tag in if !kept.contains(tag) { kept.append(tag) } }
        guard !distinct.isEmpty else { return }
        let rows: [SQLQueryString] = distinct.map { "(\(bind: itemID), \(bind: $0))" }
        try await database.raw("""
            INSERT INTO item_tags (item_id, tag) SELECT column1, column2 FROM (VALUES \(rows.joined(separator: ", "))) AS tagged
            WHERE \(held) ON CONFLICT DO NOTHING
            """).run()
    }
}

/// What a reader narrows a list of headlines to; a part left nil does not narrow it.
public struct ListingFilter: Sendable, Hashable {
    /// Articles are items without a video; videos are items from a video feed.
    public enum Kind: String, Sendable, CaseIterable {
        case article, video
    }

    public var minimumImportance: Int?
    public var tag: String?
    public var sourceID: Int64?
    public var kind: Kind?
    /// Items naming this entity (a company's feed).
    public var entityID: Int64?

    public init(minimumImportance: Int? = nil, tag: String? = nil, sourceID: Int64? = nil, kind: Kind? = nil,
                entityID: Int64? = nil) {
        self.minimumImportance = minimumImportance
        self.tag = tag
        self.sourceID = sourceID
        self.kind = kind
        self.entityID = entityID
    }

    public var isEmpty: Bool { self == ListingFilter() }

    /// The filter as a condition on `items`, every value bound.
    var condition: SQLQueryString {
        var parts: [SQLQueryString] = []
        if let minimumImportance { parts.append("items.importance >= \(bind: minimumImportance)") }
        if let tag { parts.append("items.id IN (SELECT item_tags.item_id FROM item_tags WHERE item_tags.tag = \(bind: tag))") }
        if let sourceID { parts.append("items.source_id = \(bind: sourceID)") }
        if let entityID {
            parts.append("items.id IN (SELECT item_entities.item_id FROM item_entities WHERE item_entities.entity_id = \(bind: entityID))")
        }
        switch kind {
        case .article: parts.append("items.video_id IS NULL")
        case .video: parts.append("items.video_id IS NOT NULL")
        case nil: break
        }
        return parts.isEmpty ? "TRUE" : parts.joined(separator: " AND ")
    }
}

/// A published video item: its headline and the YouTube id its thumbnail and player are found by.
public struct VideoHeadline: Sendable, Hashable {
    public var headline: PublishedHeadline
    public var videoID: String
}

/// A tag and how many published items carry it.
public struct TagCount: Sendable, Hashable {
    public var tag: String
    public var items: Int
}

/// A source that published items came from, as a list's filter offers it.
public struct ListedSource: Sendable, Hashable {
    public var id: Int64
    public var name: String
}

/// The published articles just older and just newer than one, by (`shownAt`, id).
public struct ArticleNeighbours: Sendable, Hashable {
    public var older: PublishedHeadline?
    public var newer: PublishedHeadline?

    public init(older: PublishedHeadline? = nil, newer: PublishedHeadline? = nil) {
        self.older = older
        self.newer = newer
    }
}

/// The reader's lists: filtered headlines, videos, tags and the neighbours and relatives of an
/// article. Each query reads the few columns its list shows; the listing index (stage, shown_at,
/// id) orders them and `item_tags_tag` finds a tag's items.
extension Store {
    /// A tag shared with another item counts this much towards relatedness, like an entity both
    /// items merely mention: tags are broader than entities, so they never outweigh a main one.
    static let relatedWeightSharedTag = 1
    /// Related candidates read per article shown: room for the few dropped as the same story.
    static let relatedCandidateFactor = 2

    /// Published headlines meeting `filter`, newest first by `shownAt`.
    public func headlines(matching filter: ListingFilter, limit: Int, offset: Int) async throws(StoreError) -> [PublishedHeadline] {
        try await headlines(where: filter.condition, limit: limit, offset: offset, doing: "listing filtered headlines")
    }

    /// Published video items, newest first by `shownAt`.
    public func videoHeadlines(limit: Int, offset: Int) async throws(StoreError) -> [VideoHeadline] {
        try await listedRows(where: ListingFilter(kind: .video).condition, extraColumns: ", items.video_id",
                             limit: limit, offset: offset, doing: "listing videos") { row in
            VideoHeadline(headline: try Self.headline(from: row), videoID: try row.decode(column: "video_id", as: String.self))
        }
    }

    /// The tags of published items, most used first (then by name), at most `limit` of them.
    public func tagCounts(limit: Int) async throws(StoreError) -> [TagCount] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("counting tags") {
            try await database.raw("""
                SELECT item_tags.tag, COUNT(*) AS uses FROM item_tags JOIN items ON items.id = item_tags.item_id
                WHERE \(Self.listable)
                GROUP BY item_tags.tag
                ORDER BY uses DESC, item_tags.tag ASC
                LIMIT \(bind: limit)
                """).all().map { row in
                TagCount(tag: try row.decode(column: "tag", as: String.self), items: try row.decode(column: "uses", as: Int.self))
            }
        }
    }

    /// The sources published items came from, by name, at most `limit` of them.
    public func listedSources(limit: Int) async throws(StoreError) -> [ListedSource] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("listing the sources of published items") {
            try await database.raw("""
                SELECT sources.id, sources.name FROM sources
                WHERE EXISTS (SELECT 1 FROM items WHERE items.source_id = sources.id AND \(Self.listable))
                ORDER BY sources.name ASC, sources.id ASC
                LIMIT \(bind: limit)
                """).all().map { row in
                ListedSource(id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self))
            }
        }
    }

    /// The published articles on either side of `headline` in the latest list's order.
    public func neighbours(of headline: PublishedHeadline) async throws(StoreError) -> ArticleNeighbours {
        let shownAt = headline.shownAt.storedValue
        let older = try await headlines(
            where: "(items.shown_at < \(bind: shownAt) OR (items.shown_at = \(bind: shownAt) AND items.id < \(bind: headline.id)))",
            limit: 1, offset: 0, doing: "finding the article before item \(headline.id)")
        let newer = try await listedRows(
            where: "(items.shown_at > \(bind: shownAt) OR (items.shown_at = \(bind: shownAt) AND items.id > \(bind: headline.id)))",
            oldestFirst: true, limit: 1, offset: 0, doing: "finding the article after item \(headline.id)") { try Self.headline(from: $0) }
        return ArticleNeighbours(older: older.first, newer: newer.first)
    }

    /// Published articles related to `itemID`, most related first, then newest: shared entities
    /// weigh as in `relatedHeadlines(of:limit:)`, each shared tag `relatedWeightSharedTag`. Never
    /// the item itself, nor one story twice: a story is its lead, the item's own story (which its
    /// page credits already) is left out, so is an item merged into another, and of items
    /// any source carried under the same link (the same story), only the first ranked is kept,
    /// and none that shares a link with `itemID`.
    public func relatedArticles(of itemID: Int64, limit: Int) async throws(StoreError) -> [PublishedHeadline] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("listing the articles related to item \(itemID)") {
            let candidates = try await database.raw("""
                SELECT \(Self.headlineColumns)
                FROM (
                    SELECT shared.item_id, SUM(shared.weight) AS weight FROM (
                        \(Self.sharedEntityWeights(of: itemID))
                        UNION ALL
                        SELECT theirs.item_id, \(literal: Self.relatedWeightSharedTag) AS weight
                        FROM item_tags AS mine
                        JOIN item_tags AS theirs ON theirs.tag = mine.tag AND theirs.item_id <> mine.item_id
                        WHERE mine.item_id = \(bind: itemID)
                    ) AS shared
                    GROUP BY shared.item_id
                ) AS ranked
                JOIN items ON items.id = ranked.item_id
                JOIN sources ON sources.id = items.source_id
                WHERE \(Self.listable) AND items.merged_into IS NULL AND \(Self.storyEntry)
                    AND NOT EXISTS (SELECT 1 FROM items AS mine WHERE mine.id = \(bind: itemID) AND mine.story_id = items.story_id)
                ORDER BY ranked.weight DESC, items.shown_at DESC, items.id DESC
                LIMIT \(bind: limit * Self.relatedCandidateFactor)
                """).all().map { try Self.headline(from: $0) }
            guard !candidates.isEmpty else { return [] }
            let ids = [itemID] + candidates.map(\.id)
            let links = try await database.raw("SELECT item_id, url FROM item_sources WHERE item_id IN (\(binds: ids))").all()
                .reduce(into: [Int64: Set<String>]()) { links, row in
                    links[try row.decode(column: "item_id", as: Int64.self), default: []].insert(try row.decode(column: "url", as: String.self))
                }
            var storyLinks = links[itemID] ?? []
            var kept: [PublishedHeadline] = []
            for candidate in candidates where kept.count < limit {
                let candidateLinks = links[candidate.id] ?? []
                guard storyLinks.isDisjoint(with: candidateLinks) else { continue }
                storyLinks.formUnion(candidateLinks)
                kept.append(candidate)
            }
            return kept
        }
    }

    /// The entity with this id when it is of one of `kinds`; nil otherwise.
    public func entity(id: Int64, ofKinds kinds: [EntityKind]) async throws(StoreError) -> StoredEntity? {
        guard !kinds.isEmpty else { return nil }
        return try await translatingErrors("reading entity \(id)") {
            try await database.raw("""
                SELECT id, name, kind, name_key FROM entities WHERE id = \(bind: id) AND kind IN (\(binds: kinds.map(\.rawValue)))
                """).first().map { row in
                StoredEntity(id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
                             kind: EntityKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .product,
                             nameKey: try row.decode(column: "name_key", as: String.self))
            }
        }
    }
}
