import ArgumentParser
import Foundation
import Pipeline

struct Usage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "LLM tokens, calls and cost per day, task and model, and the daily budget.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Days to show, today included.") var days = UsageReport.defaultDays
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard days >= 1 else { throw ValidationError("--days must be 1 or more") }
    }

    func run() async throws {
        try await options.withServices { services in
            let report = try await UsageReport.gather(from: services.store, settings: services.settings, days: days, now: Date())
            print(json ? try report.json() : report.text(edition: services.settings.edition))
        }
    }
}
