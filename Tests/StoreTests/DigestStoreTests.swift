import Foundation
import KawarabanCore
import SQLKit
import Testing
import TestSupport
@testable import Store

/// Digest slots on both databases: a digest written on demand is read back whole, carries its
/// articles in the order shown, tells the site's caches, and a rewrite replaces all of it.
@Suite struct DigestStoreTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let slot = DigestSlot(kind: .daily, key: "2026-11-29")!

    /// Stores `count` items and returns their ids, oldest first.
    func items(_ count: Int, in store: Store) async throws -> [Int64] {
        let source = try await store.addSource(url: "https://news.example/feed", name: "News", kind: .feed).id
        var ids: [Int64] = []
        for number in 0..<count {
            let url = "https://news.example/\(number)"
            _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url,
                                                                 title: "Story \(number)", author: nil, publishedAt: now)], now: now)
            ids.append(try #require(try await store.itemID(canonicalURL: url)))
        }
        return ids
    }

    func digest(carrying ids: [[Int64]], lead: String?) -> Digest {
        Digest(slot: slot, title: "AI日報 2026年11月29日（日）", lead: lead,
               sections: ids.enumerated().map { number, theme in
                   DigestSection(theme: "テーマ\(number)", entries: theme.map {
                       DigestEntry(itemID: $0, title: "見出し\($0)", summary: "要約\($0)", importance: 3, sourceName: "News")
                   })
               },
               tags: [DigestFacet(name: "LLM", count: 2)], companies: [DigestFacet(name: "Example", entityID: 7, count: 1)],
               model: "test-model", writtenAt: now)
    }

    func carried(_ slot: DigestSlot, in store: Store) async throws -> [Int64] {
        try await store.database.raw("""
            SELECT item_id FROM digest_items WHERE kind = \(bind: slot.kind.rawValue) AND slot = \(bind: slot.key) ORDER BY position
            """).all().map { try $0.decode(column: "item_id", as: Int64.self) }
    }

    func digestedChanges(in store: Store) async throws -> [Int64] {
        try await store.siteChanges(after: 0, limit: 100).filter { $0.kind == .digested }.map(\.itemID)
    }

    @Test(arguments: Backend.available)
    func aDigestWrittenOnDemandIsReadBackWithItsArticlesInOrderAndTellsTheSite(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            #expect(try await store.digest(slot) == nil)
            let ids = try await items(4, in: store)
            // Shown out of id order, and one article twice: it is carried once, where first shown.
            let written = digest(carrying: [[ids[2], ids[0]], [ids[3], ids[0]]], lead: "今日はモデルの日でした。")
            try await store.writeDigest(written, now: now)

            #expect(try await store.digest(slot) == written)
            #expect(try await carried(slot, in: store) == [ids[2], ids[0], ids[3]])
            #expect(try await digestedChanges(in: store) == [ids[2], ids[0], ids[3]])
            #expect(try await store.digest(DigestSlot(kind: .hacker, key: slot.key)!) == nil)
            #expect(try await store.digest(slot.previous(in: Edition.japanese.timeZone)) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func aRewriteReplacesTheContentAndTheArticlesAndAnEmptyDigestStillTellsTheSite(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let ids = try await items(2, in: store)
            try await store.writeDigest(digest(carrying: [[ids[0], ids[1]]], lead: "前の版"), now: now)
            let empty = digest(carrying: [], lead: nil)
            try await store.writeDigest(empty, now: now.addingTimeInterval(60))

            #expect(try await store.digest(slot) == empty)
            #expect(try await carried(slot, in: store).isEmpty)
            #expect(try await digestedChanges(in: store) == [ids[0], ids[1], 0])
        }
    }

    @Test(arguments: Backend.available)
    func anArticleDeletedBeforeTheWriteIsLeftOutAndTheRestIsWritten(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let ids = try await items(2, in: store)
            try await store.database.raw("DELETE FROM items WHERE id = \(bind: ids[0])").run()
            try await store.writeDigest(digest(carrying: [[ids[0], ids[1]]], lead: nil), now: now)

            #expect(try await carried(slot, in: store) == [ids[1]])
            #expect(try await store.digest(slot)?.itemIDs == [ids[0], ids[1]])
        }
    }

    let limit = ClaimLimit(claims: 3, reason: "not written after 3 claims")

    /// Moves every digest lease and retry `seconds` earlier, as if the database's clock had run on.
    func passTime(_ seconds: Double, in store: Store) async throws {
        try await store.database.raw("""
            UPDATE digests SET lease_expires_at = lease_expires_at - \(bind: seconds), next_attempt_at = next_attempt_at - \(bind: seconds)
            """).run()
    }

    func row(_ slot: DigestSlot, in store: Store) async throws -> (state: String, attempts: Int, lastError: String?) {
        let row = try #require(try await store.database.raw("""
            SELECT state, attempts, last_error FROM digests WHERE kind = \(bind: slot.kind.rawValue) AND slot = \(bind: slot.key)
            """).first())
        return (try row.decode(column: "state", as: String.self), try row.decode(column: "attempts", as: Int.self),
                try row.decode(column: "last_error", as: String?.self))
    }

    @Test(arguments: Backend.available)
    func aSlotIsClaimedByOneWorkerWrittenOnlyByItAndNeverClaimedAgain(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let ids = try await items(1, in: store)
            #expect(try await store.claimDigestSlot(slot, owner: "a", lease: 60, limit: limit))
            #expect(try await !store.claimDigestSlot(slot, owner: "b", lease: 60, limit: limit))
            #expect(try await store.openDigestSlots(among: [slot, slot.previous(in: Edition.japanese.timeZone)])
                == [slot.previous(in: Edition.japanese.timeZone)])
            #expect(try await store.digest(slot) == nil)
            let written = digest(carrying: [[ids[0]]], lead: nil)
            #expect(try await !store.completeDigest(written, owner: "b", now: now))
            #expect(try await store.digest(slot) == nil)
            #expect(try await carried(slot, in: store).isEmpty)
            #expect(try await store.completeDigest(written, owner: "a", now: now))
            #expect(try await store.digest(slot) == written)
            #expect(try await carried(slot, in: store) == ids)

            try await passTime(86_400, in: store)
            #expect(try await !store.claimDigestSlot(slot, owner: "b", lease: 60, limit: limit))
            #expect(try await store.openDigestSlots(among: [slot]).isEmpty)
            #expect(try await !store.completeDigest(written, owner: "a", now: now))
        }
    }

    @Test(arguments: Backend.available)
    func aClaimAbandonedMidDigestIsTakenOverAfterItsLeaseAndTheFirstWorkerCannotWrite(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let ids = try await items(2, in: store)
            #expect(try await store.claimDigestSlot(slot, owner: "crashed", lease: 60, limit: limit))
            try await passTime(30, in: store)
            #expect(try await !store.claimDigestSlot(slot, owner: "b", lease: 60, limit: limit))
            #expect(try await store.extendDigestLease(slot, owner: "crashed", lease: 60))
            try await passTime(61, in: store)
            #expect(try await store.claimDigestSlot(slot, owner: "b", lease: 60, limit: limit))
            #expect(try await !store.extendDigestLease(slot, owner: "crashed", lease: 60))
            #expect(try await !store.completeDigest(digest(carrying: [[ids[0]]], lead: nil), owner: "crashed", now: now))
            #expect(try await store.completeDigest(digest(carrying: [[ids[1]]], lead: nil), owner: "b", now: now))
            #expect(try await carried(slot, in: store) == [ids[1]])
            #expect(try await row(slot, in: store).attempts == 2)
        }
    }

    @Test(arguments: Backend.available)
    func aTransientFailureIsRetriedAfterItsTimeAPermanentOneNeverAndClaimsAreBounded(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let retry = DigestRetry(first: 600, longest: 1000)
            #expect(try await store.claimDigestSlot(slot, owner: "a", lease: 60, limit: limit))
            #expect(try await store.recordDigestFailure(slot, owner: "a", reason: "the model was down", retry: retry))
            #expect(try await row(slot, in: store).state == "failed")
            #expect(try await !store.claimDigestSlot(slot, owner: "b", lease: 60, limit: limit))
            try await passTime(601, in: store)
            #expect(try await store.openDigestSlots(among: [slot]) == [slot])
            #expect(try await store.claimDigestSlot(slot, owner: "b", lease: 60, limit: limit))
            // The second wait is twice the first, but no longer than the longest.
            #expect(try await store.recordDigestFailure(slot, owner: "b", reason: "down again", retry: retry))
            try await passTime(990, in: store)
            #expect(try await !store.claimDigestSlot(slot, owner: "c", lease: 60, limit: limit))
            try await passTime(11, in: store)
            #expect(try await store.claimDigestSlot(slot, owner: "c", lease: 60, limit: limit))
            #expect(try await store.recordDigestFailure(slot, owner: "c", reason: "down a third time", retry: retry))
            try await passTime(1001, in: store)
            // Three claims spent: the fourth fails the slot for good, keeping the last reason.
            #expect(try await !store.claimDigestSlot(slot, owner: "d", lease: 60, limit: limit))
            let failed = try await row(slot, in: store)
            #expect(failed.state == "failed")
            #expect(failed.lastError == "not written after 3 claims (last: down a third time)")
            try await passTime(86_400, in: store)
            #expect(try await store.openDigestSlots(among: [slot]).isEmpty)

            let weekly = DigestSlot(kind: .weekly, key: "2026-W48")!
            #expect(try await store.claimDigestSlot(weekly, owner: "a", lease: 60, limit: limit))
            #expect(try await !store.recordDigestFailure(weekly, owner: "b", reason: "not mine", retry: nil))
            #expect(try await store.recordDigestFailure(weekly, owner: "a", reason: "the answer was invalid", retry: nil))
            try await passTime(86_400, in: store)
            #expect(try await !store.claimDigestSlot(weekly, owner: "b", lease: 60, limit: limit))
            #expect(try await row(weekly, in: store).lastError == "the answer was invalid")
            // The command still writes it.
            try await store.writeDigest(Digest(slot: weekly, title: "週報", lead: nil, sections: [], model: nil, writtenAt: now), now: now)
            #expect(try await store.digest(weekly)?.slot == weekly)
        }
    }
}
