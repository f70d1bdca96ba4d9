import Foundation
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
}
