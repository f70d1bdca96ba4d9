import Foundation
import KawarabanCore
import SQLKit

/// When a slot whose composing failed for a passing reason is tried again: `first` seconds after
/// its first claim, twice as long after each further one, never longer than `longest`.
public struct DigestRetry: Sendable, Hashable {
    public var first: TimeInterval
    public var longest: TimeInterval

    public init(first: TimeInterval, longest: TimeInterval) {
        self.first = first
        self.longest = longest
    }
}

/// A slot that could not be written, as `status` shows it.
public struct DigestFailure: Sendable, Hashable, Codable {
    public var slot: DigestSlot
    /// Claims spent on it.
    public var attempts: Int
    public var reason: String
    /// When a claim may take it again; nil when it failed for good.
    public var nextAttemptAt: Date?
}

/// Where a slot's row stands (migration 14): claimed by a worker composing it, failed (waiting
/// for a retry, or for good), or written. A written slot is never claimed again.
enum DigestSlotState: String {
    case claimed, failed, written
}

/// Digest slots (migration 14): one row per kind and day or week, claimed with a lease on the
/// database's clock so that one process composes it, and the articles each written digest carries.
extension Store {
    /// Writes or rewrites a digest on demand (`kawaraban digest`), whatever its slot's state:
    /// content_json, state written, written_at, digest_items replaced (position = order in
    /// `digest.itemIDs`), and site changes `.digested` (one per carried item, item_id 0 when
    /// none), in one transaction. A claim another worker holds on the slot is dropped with it, so
    /// that worker's completion is refused.
    public func writeDigest(_ digest: Digest, now: Date) async throws(StoreError) {
        try await translatingErrors("writing the digest \(digest.slot)") {
            let content = try Self.json(digest)
            try await inTransaction { database in
                try await database.raw("""
                    INSERT INTO digests (kind, slot, state, content_json, written_at, created_at)
                    VALUES (\(bind: digest.slot.kind.rawValue), \(bind: digest.slot.key), \(bind: DigestSlotState.written.rawValue),
                        \(bind: content), \(bind: now.storedValue), \(bind: now.storedValue))
                    ON CONFLICT (kind, slot) DO UPDATE SET state = excluded.state, content_json = excluded.content_json,
                        written_at = excluded.written_at, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL,
                        next_attempt_at = NULL
                    """).run()
                try await self.replaceDigestItems(of: digest, now: now, on: database)
            }
        }
    }

    /// A written digest; nil for a slot never written (or only claimed, or failed).
    public func digest(_ slot: DigestSlot) async throws(StoreError) -> Digest? {
        try await translatingErrors("reading the digest \(slot)") {
            try await Self.decodeJSON(Digest.self, database.raw("""
                SELECT content_json FROM digests
                WHERE kind = \(bind: slot.kind.rawValue) AND slot = \(bind: slot.key) AND state = \(bind: DigestSlotState.written.rawValue)
                """).first()?.decode(column: "content_json", as: String?.self))
        }
    }

    /// Takes `slot` for `owner` for `lease` seconds of the database's clock, in one statement: a
    /// slot no row names yet, a claim whose lease ran out (its worker crashed mid-digest), or a
    /// failed slot whose retry time has come. A written slot, a live claim and a slot failed for
    /// good are refused (false). Every claim counts an attempt; a slot claimed `limit.claims`
    /// times without being written is failed for good with `limit.reason` instead.
    public func claimDigestSlot(_ slot: DigestSlot, owner: String, lease: TimeInterval, limit: ClaimLimit) async throws(StoreError) -> Bool {
        try await translatingErrors("claiming the digest slot \(slot)") {
            let now = SQLQueryString(dialect.now)
            let exhausted: SQLQueryString = "digests.attempts >= \(bind: limit.claims)"
            func either(_ whenExhausted: SQLQueryString, _ otherwise: SQLQueryString) -> SQLQueryString {
                "CASE WHEN \(exhausted) THEN \(whenExhausted) ELSE \(otherwise) END"
            }
            let row = try await database.raw("""
                INSERT INTO digests (kind, slot, state, lease_owner, lease_expires_at, attempts, created_at)
                VALUES (\(bind: slot.kind.rawValue), \(bind: slot.key), \(bind: DigestSlotState.claimed.rawValue), \(bind: owner),
                    \(now) + \(bind: lease), 1, \(now))
                ON CONFLICT (kind, slot) DO UPDATE SET
                    state = \(either("\(bind: DigestSlotState.failed.rawValue)", "excluded.state")),
                    last_error = \(either("CAST(\(bind: limit.reason) AS TEXT) || COALESCE(' (last: ' || digests.last_error || ')', '')",
                                          "digests.last_error")),
                    lease_owner = \(either("NULL", "excluded.lease_owner")),
                    lease_expires_at = \(either("NULL", "excluded.lease_expires_at")),
                    next_attempt_at = NULL,
                    attempts = \(either("digests.attempts", "digests.attempts + 1"))
                WHERE \(claimableDigest)
                RETURNING state
                """).first()
            guard let row else { return false }
            guard try row.decode(column: "state", as: String.self) == DigestSlotState.claimed.rawValue else {
                logger.warning("digest slot given up", metadata: ["slot": "\(slot)", "reason": "\(limit.reason)"])
                return false
            }
            return true
        }
    }

    /// A slot row a claim may take: a claim whose lease ran out, or a failure due for a retry.
    /// Never NULL (a failure for good has no retry time), so that its negation means "settled".
    private var claimableDigest: SQLQueryString {
        """
        ((digests.state = \(bind: DigestSlotState.claimed.rawValue) AND digests.lease_expires_at IS NOT NULL
                AND digests.lease_expires_at < \(unsafeRaw: dialect.now))
            OR (digests.state = \(bind: DigestSlotState.failed.rawValue) AND digests.next_attempt_at IS NOT NULL
                AND digests.next_attempt_at <= \(unsafeRaw: dialect.now)))
        """
    }

    /// Stores the digest composed for a claimed slot, and lets the slot go, in one transaction:
    /// content, `digest_items`, site changes, state written. Refused (false, nothing written)
    /// unless `owner` still holds the slot, so a worker whose lease ran out and was taken over
    /// cannot write a second digest.
    public func completeDigest(_ digest: Digest, owner: String, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("writing the digest \(digest.slot)") {
            let content = try Self.json(digest)
            return try await inTransaction { database in
                guard try await database.raw("""
                    UPDATE digests SET state = \(bind: DigestSlotState.written.rawValue), content_json = \(bind: content),
                        written_at = \(bind: now.storedValue), lease_owner = NULL, lease_expires_at = NULL, last_error = NULL,
                        next_attempt_at = NULL
                    WHERE kind = \(bind: digest.slot.kind.rawValue) AND slot = \(bind: digest.slot.key)
                        AND state = \(bind: DigestSlotState.claimed.rawValue) AND lease_owner = \(bind: owner)
                    RETURNING kind
                    """).first() != nil
                else { return false }
                try await self.replaceDigestItems(of: digest, now: now, on: database)
                return true
            }
        }
    }

    /// Keeps holding a slot while a long compose runs, for `lease` seconds from now by the
    /// database's clock. Refused (false) when `owner` no longer holds it.
    public func extendDigestLease(_ slot: DigestSlot, owner: String, lease: TimeInterval) async throws(StoreError) -> Bool {
        try await translatingErrors("extending the lease of the digest slot \(slot)") {
            try await database.raw("""
                UPDATE digests SET lease_expires_at = \(unsafeRaw: dialect.now) + \(bind: lease)
                WHERE kind = \(bind: slot.kind.rawValue) AND slot = \(bind: slot.key)
                    AND state = \(bind: DigestSlotState.claimed.rawValue) AND lease_owner = \(bind: owner)
                RETURNING kind
                """).first() != nil
        }
    }

    /// Records why a slot could not be written and lets it go. With `retry` a claim may take it
    /// again later by the database's clock, the wait doubling with each claim spent, so that a
    /// model down for hours does not use up the slot's claims; without, it is failed for good
    /// (only `kawaraban digest` writes it then). Refused (false) when `owner` no longer holds it.
    public func recordDigestFailure(_ slot: DigestSlot, owner: String, reason: String,
                                    retry: DigestRetry?) async throws(StoreError) -> Bool {
        try await translatingErrors("recording a failure of the digest slot \(slot)") {
            let wait: SQLQueryString = retry.map {
                "\(bind: $0.first) * (1 << (CASE WHEN digests.attempts > 16 THEN 16 ELSE digests.attempts END - 1))"
            } ?? "0"
            let retry: SQLQueryString = retry.map {
                "\(unsafeRaw: dialect.now) + CASE WHEN \(wait) > \(bind: $0.longest) THEN \(bind: $0.longest) ELSE \(wait) END"
            } ?? "NULL"
            return try await database.raw("""
                UPDATE digests SET state = \(bind: DigestSlotState.failed.rawValue), last_error = \(bind: StoredText.lines(reason)),
                    lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = \(retry)
                WHERE kind = \(bind: slot.kind.rawValue) AND slot = \(bind: slot.key)
                    AND state = \(bind: DigestSlotState.claimed.rawValue) AND lease_owner = \(bind: owner)
                RETURNING kind
                """).first() != nil
        }
    }

    /// Of `slots`, those a claim could take now or that no row names yet: not written, not failed
    /// for good, not held by a live lease, not waiting for a retry. One query for the scheduler's
    /// every pass, instead of a claim per slot.
    public func openDigestSlots(among slots: [DigestSlot]) async throws(StoreError) -> [DigestSlot] {
        guard !slots.isEmpty else { return [] }
        return try await translatingErrors("reading the state of digest slots") {
            let rows: [SQLQueryString] = slots.map { "(kind = \(bind: $0.kind.rawValue) AND slot = \(bind: $0.key))" }
            let settled = Set(try await database.raw("""
                SELECT kind, slot FROM digests
                WHERE (\(rows.joined(separator: " OR "))) AND NOT \(claimableDigest)
                """).all().map { row in
                "\(try row.decode(column: "kind", as: String.self)) \(try row.decode(column: "slot", as: String.self))"
            })
            return slots.filter { !settled.contains($0.description) }
        }
    }

    /// Slots that failed, waiting for a retry or failed for good, the latest period first (then
    /// by kind), at most `limit`: what `status` shows.
    public func digestFailures(limit: Int) async throws(StoreError) -> [DigestFailure] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("listing the failed digest slots") {
            try await database.raw("""
                SELECT kind, slot, attempts, last_error, next_attempt_at FROM digests
                WHERE state = \(bind: DigestSlotState.failed.rawValue)
                ORDER BY \(unsafeRaw: dialect.bytewise("slot")) DESC, kind
                LIMIT \(bind: limit)
                """).all().compactMap { row in
                guard let kind = DigestKind(rawValue: try row.decode(column: "kind", as: String.self)),
                      let slot = DigestSlot(kind: kind, key: try row.decode(column: "slot", as: String.self)) else { return nil }
                return DigestFailure(slot: slot, attempts: try row.decode(column: "attempts", as: Int.self),
                                     reason: try row.decode(column: "last_error", as: String?.self) ?? "",
                                     nextAttemptAt: try row.decode(column: "next_attempt_at", as: Double?.self).map(Date.init(stored:)))
            }
        }
    }

    /// When the first item was discovered: the day this installation began collecting, before
    /// which it has nothing to digest. Nil for an empty database.
    public func firstDiscovery() async throws(StoreError) -> Date? {
        try await translatingErrors("reading when the first item was discovered") {
            try await database.raw("SELECT MIN(discovered_at) AS first FROM items").first()?
                .decode(column: "first", as: Double?.self).map(Date.init(stored:))
        }
    }

    /// The rows of `digest_items` for a digest being written, in the order shown, and the site
    /// changes that tell the caches which article pages now link to it. An article pruned since
    /// the digest was composed is left out rather than failing the write.
    private func replaceDigestItems(of digest: Digest, now: Date, on database: any SQLDatabase) async throws {
        let kind = digest.slot.kind.rawValue, key = digest.slot.key
        try await database.raw("DELETE FROM digest_items WHERE kind = \(bind: kind) AND slot = \(bind: key)").run()
        var carried: [Int64] = [], seen: Set<Int64> = []
        for itemID in digest.itemIDs where seen.insert(itemID).inserted {
            try await database.raw("""
                INSERT INTO digest_items (kind, slot, item_id, position)
                SELECT \(bind: kind), \(bind: key), id, \(bind: carried.count) FROM items WHERE id = \(bind: itemID)
                """).run()
            carried.append(itemID)
        }
        try await recordSiteChange(of: carried.isEmpty ? [0] : carried, .digested, now: now, on: database)
    }

    /// Runs `body`'s statements as one transaction on one connection, and rolls them back if it
    /// throws. On SQLite the process has one connection, so statements other tasks of this process
    /// run meanwhile join the transaction; the slot machinery writes one digest at a time.
    private func inTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let begin = dialect.beginWriteTransaction
        return try await withSingleConnection { database in
            try await database.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}

/// A published story as a digest composes it: its shown article and the other outlets that
/// carried the story.
public struct DigestCandidate: Sendable, Hashable {
    public var headline: PublishedHeadline
    public var otherSources: [String]
}

/// What the composers read: the period's stories, most important first, and its tags and
/// companies. Periods are ranges of `published_at`: every published story falls in exactly one
/// day's digest, even one dated earlier that was published after that day's digest was written.
extension Store {
    /// The published stories shown in `period`, one per story (its lead, or an item no story
    /// holds), the most important first (then the newest), at most `limit`.
    public func digestCandidates(publishedIn period: DateInterval, limit: Int) async throws(StoreError) -> [DigestCandidate] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("reading the stories of \(period)") {
            let headlines = try await database.raw("""
                SELECT items.id, items.url, items.analysis_json, sources.name AS source_name, items.shown_at
                FROM items JOIN sources ON sources.id = items.source_id
                WHERE \(Self.listable) AND \(Self.storyEntry)
                    AND items.published_at >= \(bind: period.start.storedValue) AND items.published_at < \(bind: period.end.storedValue)
                ORDER BY items.importance DESC, items.shown_at DESC, items.id DESC
                LIMIT \(bind: limit)
                """).all().map { try Self.headline(from: $0) }
            guard !headlines.isEmpty else { return [] }
            let ids = headlines.map(\.id)
            // The outlets of the story's other published items, and of the same link found elsewhere.
            let rows = try await database.raw("""
                SELECT shown.id AS item_id, sources.name FROM items AS shown
                JOIN items AS members ON members.story_id = shown.story_id AND members.id <> shown.id
                    AND members.stage = \(bind: Stage.published.rawValue)
                JOIN sources ON sources.id = members.source_id
                WHERE shown.id IN (\(binds: ids))
                UNION
                SELECT shown.id AS item_id, sources.name FROM items AS shown
                JOIN item_sources ON item_sources.item_id = shown.id AND item_sources.source_id <> shown.source_id
                JOIN sources ON sources.id = item_sources.source_id
                WHERE shown.id IN (\(binds: ids))
                """).all()
            var others: [Int64: Set<String>] = [:]
            for row in rows {
                others[try row.decode(column: "item_id", as: Int64.self), default: []].insert(try row.decode(column: "name", as: String.self))
            }
            return headlines.map { headline in
                DigestCandidate(headline: headline,
                                otherSources: (others[headline.id] ?? []).subtracting([headline.sourceName]).sorted())
            }
        }
    }

    /// The tags and the companies (and organisations) of the stories published in `period`, the
    /// most frequent first (then by name), at most `limit` of each.
    public func digestFacets(publishedIn period: DateInterval, limit: Int) async throws(StoreError) -> (tags: [DigestFacet], companies: [DigestFacet]) {
        guard limit > 0 else { return ([], []) }
        return try await translatingErrors("counting the tags and companies of \(period)") {
            let inPeriod: SQLQueryString = """
                \(Self.listable) AND \(Self.storyEntry)
                    AND items.published_at >= \(bind: period.start.storedValue) AND items.published_at < \(bind: period.end.storedValue)
                """
            let tags = try await database.raw("""
                SELECT item_tags.tag, COUNT(*) AS uses FROM item_tags JOIN items ON items.id = item_tags.item_id
                WHERE \(inPeriod)
                GROUP BY item_tags.tag
                ORDER BY uses DESC, \(unsafeRaw: dialect.bytewise("item_tags.tag"))
                LIMIT \(bind: limit)
                """).all().map { row in
                DigestFacet(name: try row.decode(column: "tag", as: String.self), count: try row.decode(column: "uses", as: Int.self))
            }
            let companies = try await database.raw("""
                SELECT entities.id, entities.name, COUNT(*) AS uses FROM item_entities
                JOIN items ON items.id = item_entities.item_id
                JOIN entities ON entities.id = item_entities.entity_id
                WHERE \(inPeriod) AND entities.kind IN (\(literals: [EntityKind.company, .organisation].map(\.rawValue), joinedBy: ", "))
                GROUP BY entities.id, entities.name
                ORDER BY uses DESC, \(unsafeRaw: dialect.bytewise("entities.name")), entities.id
                LIMIT \(bind: limit)
                """).all().map { row in
                DigestFacet(name: try row.decode(column: "name", as: String.self), entityID: try row.decode(column: "id", as: Int64.self),
                            count: try row.decode(column: "uses", as: Int.self))
            }
            return (tags, companies)
        }
    }
}
