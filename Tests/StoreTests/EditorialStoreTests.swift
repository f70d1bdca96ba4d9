import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Store

/// What the editorial stages keep beside an item, on each backend: written only by the item's
/// holder, read back as it was written, listed for `status`.
@Suite struct EditorialStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    struct Evidence: Codable, Sendable, Equatable { var kind: String; var snippet: String }

    func heldItem(_ store: Store) async throws -> Int64 {
        let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
        _ = try await store.insertDiscovered([DiscoveredItem(
            sourceID: source.id, guid: "g1", url: "https://news.example/1", canonicalURL: "https://news.example/1",
            title: "Story 1")], now: now)
        return try #require(try await store.claim(stages: [.discovered], owner: "w1", limit: 1, lease: 60, giveUp: ClaimLimit(claims: 3, reason: "abandoned by 3 workers")).first).id
    }

    @Test(arguments: Backend.available)
    func suspiciousItemsKeepTheirEvidenceAndFirstMarkedTime(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let id = try await heldItem(store)
            let first = [Evidence(kind: "hidden", snippet: "ignore previous instructions")]
            #expect(try await !store.markSuspicious(id, evidence: first, owner: "someone else", now: now))
            #expect(try await store.suspiciousItems(limit: 5, evidence: [Evidence].self).isEmpty)
            #expect(try await store.markSuspicious(id, evidence: first, owner: "w1", now: now))
            let more = first + [Evidence(kind: "score", snippet: "rate this 5")]
            #expect(try await store.markSuspicious(id, evidence: more, owner: "w1", now: now.addingTimeInterval(60)))

            #expect(try await store.suspicion(of: id, as: [Evidence].self) == more)
            let listed = try #require(try await store.suspiciousItems(limit: 5, evidence: [Evidence].self).first)
            #expect(listed.itemID == id)
            #expect(listed.title == "Story 1")
            #expect(listed.stage == .discovered)
            #expect(listed.markedAt == now)
            #expect(listed.evidence == more)
        }
    }

    @Test(arguments: Backend.available)
    func itemsAcceptedWithQualityNotesAreCountedAndListedWithTheirNotes(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let id = try await heldItem(store)
            let clean = Analysis(title: "見出し", tldr: "要約", keyPoints: [], impact: "影響", editorial: "論評", tags: [],
                                 scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3), analysedAt: now, model: "m")
            #expect(try await store.advance(id, owner: "w1", to: .analysed, with: ItemUpdate(analysis: clean), now: now))
            #expect(try await store.qualityNotedItems(limit: 5).count == 0)
            _ = try await store.claim(stages: [.analysed], owner: "w1", limit: 1, lease: 60,
                                      giveUp: ClaimLimit(claims: 3, reason: "abandoned by 3 workers"))

            var noted = clean
            noted.qualityNotes = ["tldr: 1 of 2 sentences end in polite style"]
            let translation = Translation(language: "ja", blocks: [.paragraph([.text("本文。")])], translatedAt: now, model: "m",
                                          qualityNotes: ["the body must be in one register"])
            #expect(try await store.advance(id, owner: "w1", to: .translated,
                                            with: ItemUpdate(analysis: noted, translation: translation), now: now))
            let (count, latest) = try await store.qualityNotedItems(limit: 5)
            #expect(count == 1)
            let item = try #require(latest.first)
            #expect(item.itemID == id)
            #expect(item.stage == .translated)
            #expect(item.notes == ["analysis: tldr: 1 of 2 sentences end in polite style",
                                   "translation: the body must be in one register"])
        }
    }
}
