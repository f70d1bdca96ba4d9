import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Store

/// Triage verdicts on a real database, both backends: kept with the content they were given for,
/// found again only for exactly that content, and skips told apart from merges.
@Suite struct TriageStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let giveUp = ClaimLimit(claims: 3, reason: "abandoned by 3 workers")

    @Test(arguments: Backend.available)
    func verdictsAreFoundByTheirContentAndSkipsAreNotMerges(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let entries = (1...3).map { number in
                DiscoveredItem(sourceID: source.id, guid: "\(number)", url: "https://wire.example/\(number)",
                               canonicalURL: "https://wire.example/\(number)", title: "Story \(number)")
            }
            #expect(try await store.insertDiscovered(entries, stage: .collected, now: now) == 3)
            let batch = try await store.claim(stages: [.collected], owner: "w", limit: 25, lease: 60, giveUp: giveUp)
            #expect(batch.map(\.id).sorted() == [1, 2, 3])

            let stew = TriageVerdict(aboutAI: false, worth: 1, reason: "a recipe")
            #expect(try await store.recordTriage(1, owner: "w", verdict: stew, contentHash: "abc", content: "beef stew\n",
                                                 to: .skipped, note: "triage: not about AI: a recipe", now: now))
            let model = TriageVerdict(aboutAI: true, worth: 4, reason: "a model")
            #expect(try await store.recordTriage(2, owner: "w", verdict: model, contentHash: "def", content: "a model\n",
                                                 to: .discovered, note: nil, now: now))
            #expect(try await !store.recordTriage(3, owner: "someone else", verdict: model, contentHash: "def", content: "a model\n",
                                                  to: .discovered, note: nil, now: now))

            let found = try await store.triageVerdicts(for: [("abc", "beef stew\n"), ("abc", "a collision\n"), ("def", "a model\n")])
            #expect(found == ["beef stew\n": stew, "a model\n": model])
            #expect(try await store.item(id: 1)?.triage == stew)
            #expect(try await store.item(id: 2)?.stage == .discovered)
            #expect(try await store.triageSkippedCount(since: now) == 1)
            #expect(try await store.triageSkippedCount(since: now.addingTimeInterval(1)) == 0)
            #expect(try await store.triageSkips(limit: 5).map(\.reason) == ["triage: not about AI: a recipe"])
            #expect(try await store.merges(limit: 5).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func aFailedTriageIsRequeuedToTriage(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed, topic: .ai)
            #expect(try await store.source(id: source.id)?.topic == .ai)
            let entry = DiscoveredItem(sourceID: source.id, guid: "1", url: "https://wire.example/1",
                                       canonicalURL: "https://wire.example/1", title: "Story")
            _ = try await store.insertDiscovered([entry], stage: .collected, now: now)
            _ = try await store.claim(stages: [.collected], owner: "w", limit: 1, lease: 60, giveUp: giveUp)
            #expect(try await store.recordFailure(1, owner: "w", reason: "collected: unauthorized", retryAfter: nil, now: now))
            #expect(try await store.requeue(itemID: 1, now: now).stage == .collected)
        }
    }
}
