import ArgumentParser
import Foundation
import KawarabanCore
import Pipeline

extension DigestKind: ExpressibleByArgument {}

struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Write or rewrite one digest now (by default the latest due), whatever its slot's state.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "daily, hacker or weekly.") var kind: DigestKind
    @Option(help: "The day of a daily or hacker digest, YYYY-MM-DD in the edition's time zone.") var date: String?
    @Option(help: "The ISO week of a weekly digest, YYYY-Www (e.g. 2026-W48).") var week: String?

    func validate() throws {
        switch kind {
        case .daily, .hacker:
            guard week == nil else { throw ValidationError("--week is for weekly digests; give --date YYYY-MM-DD") }
            if let date, DigestSlot(kind: kind, key: date) == nil {
                throw ValidationError("--date \(date) is not a day YYYY-MM-DD")
            }
        case .weekly:
            guard date == nil else { throw ValidationError("--date is for daily and hacker digests; give --week YYYY-Www") }
            if let week, DigestSlot(kind: kind, key: week) == nil {
                throw ValidationError("--week \(week) is not an ISO week YYYY-Www (e.g. 2026-W48)")
            }
        }
    }

    func run() async throws {
        try await options.withServices { services in
            guard let composer = services.digestComposers().first(where: { $0.kind == kind }) else {
                throw CommandFailure("this build has no writer for \(kind.rawValue) digests")
            }
            let now = Date()
            let schedule = DigestSchedule(timeOfDay: services.settings.digests.timeOfDay,
                                          timeZone: services.settings.edition.timeZone)
            let slot = (date ?? week).flatMap { DigestSlot(kind: kind, key: $0) } ?? schedule.latestDue(kind, now: now)
            let digest: Digest
            do throws(DigestError) {
                digest = try await composer.compose(slot, now: now)
            } catch {
                throw CommandFailure(error.description)
            }
            try await services.store.writeDigest(digest, now: now)
            print("\(slot): \(digest.itemIDs.count) entries, model \(digest.model ?? "none")")
        }
    }
}
