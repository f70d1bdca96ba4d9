import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// Retention and the status report's view of merges, on a real SQLite store.
@Suite struct OperatorControlTests {
    let failedAt = Date(timeIntervalSince1970: 1_790_000_000)
    static let day: TimeInterval = 86_400

    /// One item failed at `failedAt` in extraction, its page kept; returns its id.
    func failedItemWithItsPage(_ store: Store) async throws -> Int64 {
        let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
        let link = "https://news.example/1"
        _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source.id, guid: "1", url: link, canonicalURL: link,
                                                             title: "Story")], now: failedAt)
        let item = try #require(try await store.claim(stages: [.discovered], owner: "w", limit: 1, lease: 60, giveUp: WorkRules().claimLimit).first)
        #expect(try await store.advance(item.id, owner: "w", to: .fetched, with: ItemUpdate(page: .store("<html>page</html>")), now: failedAt))
        _ = try await store.claim(stages: [.fetched], owner: "w", limit: 1, lease: 60, giveUp: WorkRules().claimLimit)
        #expect(try await store.recordFailure(item.id, owner: "w", reason: "fetched: no article", retryAfter: nil, now: failedAt))
        return item.id
    }

    @Test func storedPagesOfFailedItemsAreDroppedAfterTheRetentionSetting() async throws {
        let settings = try Settings.load(environment: ["KAWARABAN_RETENTION_DAYS": "7"])
        #expect(settings.retentionDays == 7)
        #expect(try Settings.load(environment: [:]).retentionDays == Retention.defaultDays)
        try await withTestStore { store in
            let id = try await failedItemWithItsPage(store)
            let retention = Retention(store: store, days: settings.retentionDays)

            #expect(try await retention.prune(now: failedAt.addingTimeInterval(6 * Self.day)).items == 0)
            #expect(try await store.item(id: id)?.pageHTML != nil)
            let dropped = try await retention.prune(now: failedAt.addingTimeInterval(8 * Self.day))
            #expect(dropped.items == 1)
            #expect(dropped.bytes == "<html>page</html>".utf8.count)
            #expect(try await store.item(id: id)?.pageHTML == nil)
        }
    }

    @Test func invalidOperatorSettingsAreReported() {
        let error = #expect(throws: SettingsError.self) {
            try Settings.load(environment: ["KAWARABAN_RETENTION_DAYS": "0", "KAWARABAN_MIGRATE_ON_START": "maybe",
                                            "KAWARABAN_LLM_PAUSE_FIRST_SECONDS": "-1"])
        }
        for key in ["KAWARABAN_RETENTION_DAYS", "KAWARABAN_MIGRATE_ON_START", "KAWARABAN_LLM_PAUSE_FIRST_SECONDS"] {
            #expect(error?.problems.contains { $0.hasPrefix(key) } == true, "\(key) not reported")
        }
        #expect((try? Settings.load(environment: ["KAWARABAN_MIGRATE_ON_START": "false"]))?.migrateOnStart == false)
    }

    @Test func statusReportsMergesApartFromFailures() async throws {
        try await withTestStore { store in
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            let entries = (1...2).map { number in
                DiscoveredItem(sourceID: source.id, guid: "\(number)", url: "https://news.example/\(number)",
                               canonicalURL: "https://news.example/\(number)", title: "Story \(number)")
            }
            _ = try await store.insertDiscovered(entries, now: failedAt)
            let claimed = try await store.claim(stages: [.discovered], owner: "w", limit: 2, lease: 60, giveUp: WorkRules().claimLimit)
            #expect(try await store.mergeDuplicate(claimed[1].id, into: claimed[0].id, owner: "w", now: failedAt))

            let report = try await StatusReport.gather(from: store, settings: Settings.load(environment: [:]))

            #expect(report.failures.isEmpty)
            #expect(report.merges.map(\.itemID) == [claimed[1].id])
            let text = report.text(edition: .japanese)
            #expect(!text.contains("Failures:"))
            #expect(text.contains("Merged into a story already stored (1):\n  #\(claimed[1].id) Story 2 → #\(claimed[0].id)"))
        }
    }
}
