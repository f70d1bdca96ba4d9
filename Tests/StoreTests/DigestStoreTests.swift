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
}
