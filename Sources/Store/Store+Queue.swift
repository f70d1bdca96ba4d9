import Foundation
import KawarabanCore
import SQLKit

/// What happens to the stored page when a step writes back.
public enum PageChange: Sendable, Equatable {
    case unchanged
    case store(String)
    /// Pages are by far the largest thing stored; once the article is extracted nothing reads them.
    case drop
}

/// What a step produced; nil fields leave the stored value as it is.
public struct ItemUpdate: Sendable {
    public var page: PageChange
    public var article: Article?
    public var analysis: Analysis?
    public var translation: Translation?

    public init(page: PageChange = .unchanged, article: Article? = nil, analysis: Analysis? = nil, translation: Translation? = nil) {
        self.page = page
        self.article = article
        self.analysis = analysis
        self.translation = translation
    }
}

/// When the queue gives up on an item: claimed this many times without its holder ever writing
/// back, the item has most likely brought down every worker that took it (a crash, the
/// out-of-memory killer), and claiming it again would only do that again.
public struct ClaimLimit: Sendable {
    public var claims: Int
    /// Recorded as the failed item's reason.
    public var reason: String

    public init(claims: Int, reason: String) {
        self.claims = claims
        self.reason = reason
    }
}

extension Store {
    /// Sources a claim considers at a time, least recently served first. More are looked at only
    /// when all of these lose their items to concurrent claimers.
    static let sourcesPerClaimRound = 8

    /// The condition of the partial index `items_backlog` (migration 7), word for word: both
    /// databases use a partial index only for queries that repeat its condition.
    static let backlog = "stage IN ('collected', 'discovered', 'fetched', 'extracted', 'analysed', 'translated')"

    /// Items in `stages` that nobody holds (no lease, or one that has run out) and that are due,
    /// by the database's clock.
    private func claimable(stages: [Stage]) -> SQLQueryString {
        """
        \(unsafeRaw: Self.backlog) AND items.stage IN (\(literals: stages.map(\.rawValue), joinedBy: ", "))
          AND (items.lease_until IS NULL OR items.lease_until < \(unsafeRaw: dialect.now))
          AND (items.next_attempt_at IS NULL OR items.next_attempt_at <= \(unsafeRaw: dialect.now))
        """
    }

    /// Takes up to `limit` claimable items in `stages` (finished items never are) and holds them for `lease` seconds of the
    /// database's clock. Sources take turns: each claim serves the source served least recently
    /// that has work, its oldest item first, so a flood from one source cannot starve the others.
    /// Concurrent claimers never get the same item: PostgreSQL skips rows another claimer has
    /// locked, and SQLite runs each UPDATE under its single writer lock.
    ///
    /// Every claim is counted until the holder writes back; an item reaching `giveUp.claims` is
    /// failed with its reason instead of being handed out again, and so is an item whose stored
    /// article, analysis or translation cannot be read. Either way the claim goes on to the next.
    public func claim(stages: [Stage], owner: String, limit: Int, lease: TimeInterval, giveUp: ClaimLimit) async throws(StoreError) -> [Item] {
        guard !stages.isEmpty, limit > 0 else { return [] }
        return try await translatingErrors("claiming items") {
            var items: [Item] = []
            claiming: while items.count < limit {
                for sourceID in try await sourcesWithWork(stages: stages) {
                    switch try await claimOne(from: sourceID, stages: stages, owner: owner, lease: lease, giveUp: giveUp) {
                    case .nothing:
                        continue
                    case .gaveUp:
                        continue claiming
                    case .claimed(let itemID):
                        try await database.raw("""
                            UPDATE sources SET queue_turn = (SELECT MAX(queue_turn) + 1 FROM sources) WHERE id = \(bind: sourceID)
                            """).run()
                        if let item = try await readClaimed(itemID, owner: owner) { items.append(item) }
                        continue claiming
                    }
                }
                break
            }
            return items
        }
    }

    /// Sources with a claimable item, least recently served first.
    private func sourcesWithWork(stages: [Stage]) async throws -> [Int64] {
        try await database.raw("""
            SELECT sources.id FROM sources
            WHERE EXISTS (SELECT 1 FROM items WHERE items.source_id = sources.id AND \(claimable(stages: stages)))
            ORDER BY sources.queue_turn, sources.id LIMIT \(bind: Self.sourcesPerClaimRound)
            """).all().map { try $0.decode(column: "id", as: Int64.self) }
    }

    private enum ClaimOutcome {
        case claimed(Int64)
        case gaveUp
        /// Another claimer took the source's last claimable item first.
        case nothing
    }

    /// Claims the source's oldest claimable item, or fails it when it has been claimed too often.
    /// One statement, so that no other claimer can come between the count and the lease.
    private func claimOne(from sourceID: Int64, stages: [Stage], owner: String, lease: TimeInterval,
                          giveUp: ClaimLimit) async throws -> ClaimOutcome {
        let exhausted: SQLQueryString = "claims >= \(bind: giveUp.claims)"
        func either(_ whenExhausted: SQLQueryString, _ otherwise: SQLQueryString) -> SQLQueryString {
            "CASE WHEN \(exhausted) THEN \(whenExhausted) ELSE \(otherwise) END"
        }
        let now = SQLQueryString(dialect.now)
        let row = try await database.raw("""
            UPDATE items SET
                stage = \(either("\(bind: Stage.failed.rawValue)", "stage")),
                last_error = \(either("\(bind: giveUp.reason)", "last_error")),
                updated_at = \(either(now, "updated_at")),
                lease_owner = \(either("NULL", "\(bind: owner)")),
                lease_until = \(either("NULL", now + " + \(bind: lease)")),
                claims = \(either("0", "claims + 1"))
            WHERE id IN (
                SELECT id FROM items WHERE items.source_id = \(bind: sourceID) AND \(claimable(stages: stages))
                ORDER BY id LIMIT 1 \(unsafeRaw: dialect.skipLocked))
            RETURNING id, stage
            """).first()
        guard let row else { return .nothing }
        let itemID = try row.decode(column: "id", as: Int64.self)
        guard try row.decode(column: "stage", as: String.self) != Stage.failed.rawValue else {
            logger.warning("item given up", metadata: ["item": "\(itemID)", "reason": "\(giveUp.reason)"])
            return .gaveUp
        }
        return .claimed(itemID)
    }

    /// The claimed item, or nil when what is stored for it cannot be read: then it is failed with
    /// the reason, since every later claim would fail the same way.
    private func readClaimed(_ itemID: Int64, owner: String) async throws -> Item? {
        guard let row = try await database.raw("""
            SELECT \(unsafeRaw: Self.itemColumns) FROM \(unsafeRaw: Self.itemFrom) WHERE items.id = \(bind: itemID)
            """).first()
        else { return nil }
        do {
            return try Self.item(from: row)
        } catch let unreadable as UnreadableStoredValue {
            logger.warning("item failed", metadata: ["item": "\(itemID)", "reason": "\(unreadable)"])
            try await database.raw("""
                UPDATE items SET stage = \(bind: Stage.failed.rawValue), last_error = \(bind: unreadable.description),
                    \(Self.release), updated_at = \(unsafeRaw: dialect.now)
                WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner)
                """).run()
            return nil
        }
    }

    /// Moves a held item to `stage` with what the step produced, and lets it go. Refused (false)
    /// when `owner` no longer holds it, so a worker that lost its lease cannot overwrite newer work.
    public func advance(_ itemID: Int64, owner: String, to stage: Stage, with update: ItemUpdate, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("advancing item \(itemID) to \(stage.rawValue)") {
            var query: SQLQueryString = """
                UPDATE items SET stage = \(bind: stage.rawValue), \(Self.release), last_error = NULL,
                    attempts = 0, next_attempt_at = NULL, updated_at = \(bind: now.storedValue)
                """
            switch update.page {
            case .unchanged: break
            case .store(let html): query += ", page_html = \(bind: html)"
            case .drop: query += ", page_html = NULL"
            }
            if let article = update.article { query += ", article_json = \(bind: try Self.json(article))" }
            if let analysis = update.analysis {
                try await replaceTags(of: itemID, with: analysis.tags, heldBy: owner)
                query += ", analysis_json = \(bind: try Self.json(analysis)), importance = \(bind: analysis.importance.value)"
            }
            if let translation = update.translation { query += ", translation_json = \(bind: try Self.json(translation))" }
            if stage == .published {
                query += ", published_at = COALESCE(published_at, \(bind: now.storedValue))"
            }
            query += " WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id"
            guard try await database.raw(query).first() != nil else { return false }
            if stage == .published {
                // A crash before these lines leaves the item published without a search row (the
                // backfill at the next open writes it), its pages cached until the next change, and
                // its story led by the lead it had before (shown once still, by an item less important).
                try await indexForSearch(itemIDs: [itemID])
                try await recordSiteChange(of: [itemID], .published, now: now)
                try await refreshStory(ofItem: itemID, now: now)
            }
            return true
        }
    }

    /// Keeps holding an item during a long step, for `lease` seconds from now by the database's
    /// clock. Refused (false) when `owner` no longer holds it.
    public func extendLease(_ itemID: Int64, owner: String, lease: TimeInterval) async throws(StoreError) -> Bool {
        try await translatingErrors("extending the lease of item \(itemID)") {
            try await database.raw("""
                UPDATE items SET lease_until = \(unsafeRaw: dialect.now) + \(bind: lease)
                WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id
                """).first() != nil
        }
    }

    /// Records why a step failed. With `retryAfter` the item waits in its stage for that many
    /// seconds of the database's clock; without, it is failed for good. Refused (false) when
    /// `owner` no longer holds it.
    public func recordFailure(_ itemID: Int64, owner: String, reason: String, retryAfter: TimeInterval?, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("recording a failure of item \(itemID)") {
            var query: SQLQueryString = """
                UPDATE items SET attempts = attempts + 1, last_error = \(bind: StoredText.lines(reason)), \(Self.release),
                    updated_at = \(bind: now.storedValue)
                """
            if let retryAfter {
                query += ", next_attempt_at = \(unsafeRaw: dialect.now) + \(bind: retryAfter)"
            } else {
                query += ", next_attempt_at = NULL, stage = \(bind: Stage.failed.rawValue)"
            }
            query += " WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id"
            return try await database.raw(query).first() != nil
        }
    }

    /// Folds an item that turned out to be a story already stored (its page redirected, or named
    /// its canonical URL, to another item's) into that item: the survivor gains its sources, the
    /// duplicate is skipped with the reason and its page dropped. Safe to repeat after a crash
    /// halfway. Refused (false) when `owner` no longer holds the duplicate.
    public func mergeDuplicate(_ itemID: Int64, into survivorID: Int64, owner: String, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("merging item \(itemID) into item \(survivorID)") {
            try await database.raw("""
                INSERT INTO item_sources (item_id, source_id, url, discovered_at)
                SELECT \(bind: survivorID), source_id, url, discovered_at FROM item_sources
                WHERE item_id = \(bind: itemID)
                ON CONFLICT (item_id, source_id) DO NOTHING
                """).run()
            return try await database.raw("""
                UPDATE items SET stage = \(bind: Stage.skipped.rawValue), last_error = \(bind: "the same story as item #\(survivorID)"),
                    merged_into = \(bind: survivorID), \(Self.release), page_html = NULL, updated_at = \(bind: now.storedValue)
                WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id
                """).first() != nil
        }
    }

    /// What every write of a holder does: lets the item go, and since the holder came back,
    /// the claims that did not stop start over.
    static let release: SQLQueryString = "lease_owner = NULL, lease_until = NULL, claims = 0"

    /// Items in `stages` a claim would take now.
    public func pendingCount(stages: [Stage]) async throws(StoreError) -> Int {
        guard !stages.isEmpty else { return 0 }
        return try await translatingErrors("counting pending items") {
            try await count(claimable(stages: stages))
        }
    }

    /// Items in `stages` held by a lease that has not run out, a live worker's or a dead one's.
    public func leasedCount(stages: [Stage]) async throws(StoreError) -> Int {
        guard !stages.isEmpty else { return 0 }
        return try await translatingErrors("counting leased items") {
            try await count("""
                items.stage IN (\(literals: stages.map(\.rawValue), joinedBy: ", ")) AND items.lease_until >= \(unsafeRaw: dialect.now)
                """)
        }
    }

    private func count(_ condition: SQLQueryString) async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS count FROM items WHERE \(condition)").first()?
            .decode(column: "count", as: Int.self) ?? 0
    }
}
