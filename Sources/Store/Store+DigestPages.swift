import Foundation
import KawarabanCore
import SQLKit

/// A written digest as an archive lists it: its slot, title and how many stories it carries.
public struct DigestListing: Sendable, Hashable {
    public var slot: DigestSlot
    public var title: String
    public var stories: Int
}

/// A month (`2026-11`) or a year (`2026`) of an archive and how many digests were written in it.
public struct DigestPeriodCount: Sendable, Hashable {
    /// The leading characters every key of the period shares.
    public var prefix: String
    public var digests: Int
}

/// The written digests just before and after one, in the order of their slots.
public struct DigestNeighbours: Sendable, Hashable {
    public var older: DigestSlot?
    public var newer: DigestSlot?
}

/// The site's reads of written digests: a page's neighbours, the archives by period, the feeds,
/// the site map and the digests an article was carried by. Only written slots are pages; one
/// claimed and not yet written, or failed, is not. Keys sort
/// as their periods do (`2026-11-29`, `2026-W48`), so every range and neighbour is a walk of the
/// primary key (kind, slot).
extension Store {
    static var writtenDigest: SQLQueryString {
        "digests.state = \(bind: DigestSlotState.written.rawValue)"
    }

    /// The digests of `kind` whose keys are from `first` through `last`, newest first, at most
    /// `limit`, with the title and the number of stories each carries.
    public func digestListings(_ kind: DigestKind, keysFrom first: String, through last: String,
                               limit: Int) async throws(StoreError) -> [DigestListing] {
        guard limit > 0 else { return [] }
        let title = dialect.jsonText("digests.content_json", key: "title")
        return try await translatingErrors("listing the \(kind.rawValue) digests from \(first)") {
            try await database.raw("""
                SELECT digests.slot, \(unsafeRaw: title) AS title,
                    (SELECT COUNT(*) FROM digest_items
                        WHERE digest_items.kind = digests.kind AND digest_items.slot = digests.slot) AS stories
                FROM digests
                WHERE digests.kind = \(bind: kind.rawValue) AND digests.slot >= \(bind: first) AND digests.slot <= \(bind: last)
                    AND \(Self.writtenDigest)
                ORDER BY digests.slot DESC LIMIT \(bind: limit)
                """).all().compactMap { row in
                guard let slot = DigestSlot(kind: kind, key: try row.decode(column: "slot", as: String.self)) else { return nil }
                return DigestListing(slot: slot, title: try row.decode(column: "title", as: String?.self) ?? "",
                                     stories: try row.decode(column: "stories", as: Int.self))
            }
        }
    }

    /// The periods of `kind` holding written digests, named by their keys' first `prefixLength`
    /// characters (7 for a month, 4 for a year), newest first, at most `limit`.
    public func digestPeriods(_ kind: DigestKind, prefixLength: Int, limit: Int) async throws(StoreError) -> [DigestPeriodCount] {
        guard limit > 0, prefixLength > 0 else { return [] }
        return try await translatingErrors("counting the \(kind.rawValue) digests by period") {
            // The length is written into the text: PostgreSQL has no SUBSTR taking the 64-bit
            // integer a bound Int is sent as. It is a number, never text from outside.
            try await database.raw("""
                SELECT SUBSTR(digests.slot, 1, \(unsafeRaw: String(prefixLength))) AS period, COUNT(*) AS digests FROM digests
                WHERE digests.kind = \(bind: kind.rawValue) AND \(Self.writtenDigest)
                GROUP BY period ORDER BY period DESC LIMIT \(bind: limit)
                """).all().map { row in
                DigestPeriodCount(prefix: try row.decode(column: "period", as: String.self),
                                  digests: try row.decode(column: "digests", as: Int.self))
            }
        }
    }

    /// The newest written digest of `kind` with a key before `first`, and the oldest with a key
    /// after `last`: for a slot both are its own key; for a period, its first and last keys.
    public func digestNeighbours(_ kind: DigestKind, before first: String, after last: String) async throws(StoreError) -> DigestNeighbours {
        try await translatingErrors("reading the neighbours of \(kind.rawValue) \(first)") {
            let row = try await database.raw("""
                SELECT (SELECT MAX(digests.slot) FROM digests
                        WHERE digests.kind = \(bind: kind.rawValue) AND digests.slot < \(bind: first) AND \(Self.writtenDigest)) AS older,
                    (SELECT MIN(digests.slot) FROM digests
                        WHERE digests.kind = \(bind: kind.rawValue) AND digests.slot > \(bind: last) AND \(Self.writtenDigest)) AS newer
                """).first()
            return DigestNeighbours(
                older: try row?.decode(column: "older", as: String?.self).flatMap { DigestSlot(kind: kind, key: $0) },
                newer: try row?.decode(column: "newer", as: String?.self).flatMap { DigestSlot(kind: kind, key: $0) })
        }
    }

    /// The newest `limit` written digests of `kind`, newest first, whole: what a feed carries.
    public func latestDigests(_ kind: DigestKind, limit: Int) async throws(StoreError) -> [Digest] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("reading the latest \(kind.rawValue) digests") {
            try await database.raw("""
                SELECT digests.content_json FROM digests WHERE digests.kind = \(bind: kind.rawValue) AND \(Self.writtenDigest)
                ORDER BY digests.slot DESC LIMIT \(bind: limit)
                """).all().compactMap { row in
                try Self.decodeJSON(Digest.self, row.decode(column: "content_json", as: String?.self))
            }
        }
    }

    /// The newest written digest of `kind`, nil when none is.
    public func latestDigestSlot(_ kind: DigestKind) async throws(StoreError) -> DigestSlot? {
        try await translatingErrors("reading the latest \(kind.rawValue) digest") {
            try await database.raw("""
                SELECT MAX(digests.slot) AS slot FROM digests WHERE digests.kind = \(bind: kind.rawValue) AND \(Self.writtenDigest)
                """).first()?.decode(column: "slot", as: String?.self).flatMap { DigestSlot(kind: kind, key: $0) }
        }
    }

    /// The written digests that carry `itemID`, in the order of `DigestKind.allCases`, oldest first.
    public func digestSlots(carrying itemID: Int64) async throws(StoreError) -> [DigestSlot] {
        try await translatingErrors("reading the digests carrying item \(itemID)") {
            let slots = try await database.raw("""
                SELECT digest_items.kind, digest_items.slot FROM digest_items
                JOIN digests ON digests.kind = digest_items.kind AND digests.slot = digest_items.slot
                WHERE digest_items.item_id = \(bind: itemID) AND \(Self.writtenDigest)
                ORDER BY digest_items.slot
                """).all().compactMap { row in
                try DigestKind(rawValue: row.decode(column: "kind", as: String.self)).flatMap { kind in
                    DigestSlot(kind: kind, key: try row.decode(column: "slot", as: String.self))
                }
            }
            return DigestKind.allCases.flatMap { kind in slots.filter { $0.kind == kind } }
        }
    }

    /// The original titles (which their addresses are spelled from) of those of `itemIDs` that are
    /// published: a digest links only to articles that still have a page.
    public func publishedTitles(of itemIDs: [Int64]) async throws(StoreError) -> [Int64: String] {
        guard !itemIDs.isEmpty else { return [:] }
        return try await translatingErrors("reading the titles of \(itemIDs.count) items") {
            try await database.raw("""
                SELECT items.id, items.title FROM items WHERE items.id IN (\(binds: Array(Set(itemIDs)))) AND \(Self.listable)
                """).all().reduce(into: [:]) { titles, row in
                titles[try row.decode(column: "id", as: Int64.self)] = try row.decode(column: "title", as: String.self)
            }
        }
    }

    /// The kinds of the entities `ids`, for the pages a digest's trends link to.
    public func entityKinds(of ids: [Int64]) async throws(StoreError) -> [Int64: EntityKind] {
        guard !ids.isEmpty else { return [:] }
        return try await translatingErrors("reading the kinds of \(ids.count) entities") {
            try await database.raw("SELECT id, kind FROM entities WHERE id IN (\(binds: Array(Set(ids))))").all()
                .reduce(into: [:]) { kinds, row in
                    kinds[try row.decode(column: "id", as: Int64.self)] = EntityKind(rawValue: try row.decode(column: "kind", as: String.self))
                }
        }
    }

    /// Written digests of every kind, by kind and slot, with when each was written: a slice of
    /// the site map.
    public func sitemapDigests(limit: Int, offset: Int) async throws(StoreError) -> [(slot: DigestSlot, writtenAt: Date?)] {
        guard limit > 0, offset >= 0 else { return [] }
        return try await translatingErrors("listing the site map's digests") {
            try await database.raw("""
                SELECT digests.kind, digests.slot, digests.written_at FROM digests WHERE \(Self.writtenDigest)
                ORDER BY digests.kind, digests.slot LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all().compactMap { row in
                guard let kind = DigestKind(rawValue: try row.decode(column: "kind", as: String.self)),
                      let slot = DigestSlot(kind: kind, key: try row.decode(column: "slot", as: String.self)) else { return nil }
                return (slot, try row.decode(column: "written_at", as: Double?.self).map(Date.init(stored:)))
            }
        }
    }
}

extension Dialect {
    /// The text under `key` at the top of the JSON object in `column`, read by the database so
    /// that a list needs not fetch and decode the whole document.
    func jsonText(_ column: String, key: String) -> String {
        switch self {
        case .sqlite: return "json_extract(\(column), '$.\(key)')"
        case .postgres: return "(CAST(\(column) AS jsonb) ->> '\(key)')"
        }
    }
}
