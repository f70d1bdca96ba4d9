import Foundation
import KawarabanCore
import Logging
import SQLKit
@testable import Store
import Testing
import TestSupport

/// Digests through the built executable: `kawaraban digest` writes the latest due digest on demand
/// and rewrites it, refusing arguments that name no slot; worker processes catch up the slots due
/// when they start, three racing write each once, and a restart writes none again.
@Suite struct DigestProcessTests {
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

    /// `kawaraban demo` writes digests of its own, so that its site shows them; these tests watch
    /// workers write them, from none.
    func forgetTheDemosDigests(in location: DatabaseLocation) async throws {
        try await withStores(1, at: location) { stores in
            for statement in ["DELETE FROM digest_items", "DELETE FROM digests", "DELETE FROM site_changes WHERE kind = 'digested'"] {
                try await stores[0].database.raw(SQLQueryString(statement)).run()
            }
        }
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
        try await forgetTheDemosDigests(in: database.databaseLocation)
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

    @Test(arguments: Backend.available)
    func threeWorkerProcessesRacingWriteEachDigestOnce(backend: Backend) async throws {
        let database = try await TestDatabase.create(backend)
        let kawaraban = KawarabanProcess(environment: ["KAWARABAN_DATABASE": database.location])
        try await kawaraban.succeed(["demo", "--articles", "200", "--database", database.location])
        try await forgetTheDemosDigests(in: database.databaseLocation)
        let now = Date(), zone = Edition.japanese.timeZone
        let latestWeek = DigestSlot(kind: .weekly, containing: now.addingTimeInterval(-7 * 3600 - 7 * 86_400), timeZone: zone)
        let latestDay = DigestSlot(kind: .daily, containing: now.addingTimeInterval(-31 * 3600), timeZone: zone)
        let workers = try (0..<3).map { _ in try kawaraban.launch(["serve", "--role", "worker"]) }
        defer { for worker in workers { worker.removeFiles() } }
        for slot in [latestDay, latestWeek] {
            #expect(try await written(slot, in: database.databaseLocation, within: .seconds(60)) != nil, "\(slot)")
        }
        // A pass writes the older slots before the latest; give the other workers a pass of their own.
        try await Task.sleep(for: .seconds(2))
        for worker in workers { worker.process.interrupt() }
        for worker in workers { try await worker.exit(within: .seconds(20)) }

        // Every carried article was announced once per digest carrying it: a slot written twice
        // would announce its articles twice.
        try await withStores(1, at: database.databaseLocation) { stores in
            var expected: [Int64: Int] = [:]
            var slots = (0..<14).map { latestDay.previous(in: zone, times: $0) }
            slots += slots.map { DigestSlot(kind: .hacker, key: $0.key)! }
            slots += (0..<4).map { latestWeek.previous(in: zone, times: $0) }
            var digests = 0
            for slot in slots {
                guard let digest = try await stores[0].digest(slot) else { continue }
                digests += 1
                for id in Set(digest.itemIDs.isEmpty ? [0] : digest.itemIDs) { expected[id, default: 0] += 1 }
            }
            let announced = try await stores[0].siteChanges(after: 0, limit: 100_000).filter { $0.kind == .digested }
                .reduce(into: [Int64: Int]()) { $0[$1.itemID, default: 0] += 1 }
            #expect(digests >= 2)
            #expect(announced == expected)
        }
        try await database.remove()
    }
}

extension DigestSlot {
    func previous(in zone: TimeZone, times: Int) -> DigestSlot {
        (0..<times).reduce(self) { slot, _ in slot.previous(in: zone) }
    }
}
