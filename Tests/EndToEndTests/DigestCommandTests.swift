import Foundation
import KawarabanCore
import Logging
import Store
import Testing
import TestSupport

/// `kawaraban digest` through the built executable: the latest due digest written on demand and
/// rewritten, a named day and week, and arguments that name no slot refused before anything runs.
@Suite struct DigestCommandTests {
    @Test func digestsAreWrittenOnDemandAndBadSlotsAreRefused() async throws {
        let database = try await TestDatabase.create(.sqlite)
        let kawaraban = KawarabanProcess(environment: ["KAWARABAN_DATABASE": database.location])
        try await kawaraban.succeed(["demo", "--articles", "300", "--database", database.location])

        let latest = try await kawaraban.succeed(["digest", "daily"]).output
        let line = try #require(latest.split(separator: "\n").last.map(String.init))
        let match = try #require(line.wholeMatch(of: /daily (\d{4}-\d{2}-\d{2}): (\d+) entries, model none/), "\(latest)")
        // Rewritten: the same slot and the same stories.
        let again = try await kawaraban.succeed(["digest", "daily", "--date", String(match.1)]).output
        #expect(again.contains("daily \(match.1): \(match.2) entries, model none"), "\(again)")

        let week = try await kawaraban.succeed(["digest", "weekly", "--week", "2026-W48"]).output
        #expect(week.contains("weekly 2026-W48: "), "\(week)")

        for (arguments, reason) in [
            (["digest", "daily", "--date", "2026-02-30"], "is not a day"),
            (["digest", "daily", "--week", "2026-W48"], "--week is for weekly digests"),
            (["digest", "weekly", "--week", "2025-W53"], "is not an ISO week"),
            (["digest", "weekly", "--date", "2026-11-29"], "--date is for daily and hacker digests"),
            (["digest", "daily", "--date", "9999999999-01-01"], "is not a day"),
            (["digest", "monthly"], "monthly"),
        ] {
            let refused = try await kawaraban.run(arguments)
            #expect(refused.status != 0, "\(arguments)")
            #expect(refused.errors.contains(reason), "\(arguments): \(refused.errors)")
        }
        try await database.remove()
    }

    /// Waits up to `timeout` for `slot` to be written, reading the database as any process would.
    func written(_ slot: DigestSlot, in location: DatabaseLocation, within timeout: Duration) async throws -> Digest? {
        try await withStores(1, at: location) { stores in
            let started = ContinuousClock.now
            while ContinuousClock.now - started < timeout {
                if let digest = try await stores[0].digest(slot) { return digest }
                try await Task.sleep(for: .milliseconds(200))
            }
            return nil
        }
    }

    @Test func aWorkerStartedAfterTheDigestTimeCatchesUpAndARestartWritesNothingTwice() async throws {
        let database = try await TestDatabase.create(.sqlite)
        let kawaraban = KawarabanProcess(environment: ["KAWARABAN_DATABASE": database.location])
        try await kawaraban.succeed(["demo", "--articles", "200", "--database", database.location])
        // The latest due slots: the day that began 31 hours ago (due at 07:00 the day after), and
        // the week before the one 7 hours ago.
        let now = Date(), zone = Edition.japanese.timeZone
        let day = DigestSlot(kind: .daily, containing: now.addingTimeInterval(-31 * 3600), timeZone: zone)
        let week = DigestSlot(kind: .weekly, containing: now.addingTimeInterval(-7 * 3600 - 7 * 86_400), timeZone: zone)

        var firstDigests: [Digest] = []
        var digestedChanges: [Int] = []
        for run in 1...2 {
            let launched = try kawaraban.launch(["serve", "--role", "worker"])
            defer { launched.removeFiles() }
            for slot in [day, week] {
                let digest = try await written(slot, in: database.databaseLocation, within: .seconds(60))
                #expect(digest != nil, "run \(run): \(slot) not written\n\(launched.errors)")
                if run == 1, let digest { firstDigests.append(digest) }
            }
            launched.process.interrupt()
            try await launched.exit(within: .seconds(20))
            digestedChanges.append(try await withStores(1, at: database.databaseLocation) { stores in
                try await stores[0].siteChanges(after: 0, limit: 10_000).filter { $0.kind == .digested }.count
            })
        }
        // The restart found every due slot written and wrote none again.
        #expect(digestedChanges[0] > 0 && digestedChanges[1] == digestedChanges[0], "\(digestedChanges)")
        for digest in firstDigests {
            #expect(try await written(digest.slot, in: database.databaseLocation, within: .seconds(1)) == digest)
        }
        try await database.remove()
    }
}
