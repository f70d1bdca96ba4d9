import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// `kawaraban demo`'s digests: every recent day and week has one of each kind, made of the demo's
/// own published articles, and each says it is synthetic.
@Suite struct DemoDigestsTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-22 JST

    @Test(arguments: Backend.available)
    func everyRecentDayAndWeekHasADigestOfTheDemosArticles(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            _ = try await DemoArticles.fill(store, count: 600, now: Self.now) { _ in }
            let written = try await DemoDigests.write(store, edition: .japanese, now: Self.now)
            #expect(written == DemoDigests.days * 2 + DemoDigests.weeks)

            let timeZone = Edition.japanese.timeZone
            var day = DigestSlot(kind: .daily, containing: Self.now, timeZone: timeZone)
            var carriedByDays = 0
            for _ in 0..<DemoDigests.days {
                day = day.previous(in: timeZone)
                let daily = try #require(try await store.digest(day))
                let stories = try await store.digestCandidates(publishedIn: day.interval(in: timeZone), limit: 1_000).map(\.headline.id)
                #expect(Set(daily.itemIDs) == Set(stories.prefix(DailyDigestComposer.maximumStories)), "\(day)")
                #expect(daily.isEmpty || daily.lead?.hasPrefix("【デモ】") == true, "\(day)")
                carriedByDays += daily.itemIDs.count

                let hacker = try #require(try await store.digest(DigestSlot(kind: .hacker, key: day.key)!))
                let entries = hacker.sections.flatMap(\.entries)
                #expect(Set(hacker.itemIDs).isSubset(of: Set(daily.itemIDs)), "\(day)")
                #expect(entries.count == min(DemoDigests.hackerStories, daily.itemIDs.count), "\(day)")
                #expect(entries.allSatisfy { $0.discussion != nil }, "\(day)")
                #expect(entries.filter { $0.discussion?.summary != nil }.count == min(DemoDigests.summarisedThreads, entries.count))
            }
            #expect(carriedByDays > DemoDigests.days * 2)
            var week = DigestSlot(kind: .weekly, containing: Self.now, timeZone: timeZone)
            for _ in 0..<DemoDigests.weeks {
                week = week.previous(in: timeZone)
                let weekly = try #require(try await store.digest(week))
                #expect(!weekly.isEmpty && weekly.lead?.hasPrefix("【デモ】") == true, "\(week)")
            }
            #expect(try await store.digest(DigestSlot(kind: .daily, containing: Self.now, timeZone: timeZone)) == nil)
        }
    }
}
