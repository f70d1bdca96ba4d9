import ArgumentParser
import Foundation
import Pipeline
import Store

extension Stories {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the stories more than one source carried, and the 続報 threads, changed in the last days.",
            discussion: "A wrong merge shows here; `kawaraban stories split ITEM` undoes it.")

        /// The longest look back: stories are grouped within two weeks, so older ones rarely change.
        static let maximumDays = 365

        @OptionGroup var options: GlobalOptions
        @Option(help: "How many days back, by the story's last change (1 to \(maximumDays)).") var days = 7

        func validate() throws {
            guard (1...Self.maximumDays).contains(days) else { throw ValidationError("--days must be 1 to \(Self.maximumDays)") }
        }

        func run() async throws {
            try await options.withServices { services in
                let since = Date().addingTimeInterval(-Double(days) * 86_400)
                let stories = try await CommandFailure.inOwnWords { try await services.store.storySummaries(changedSince: since) }
                print(StoryListing.lines(stories, clock: services.settings.edition.displayDateTime).joined(separator: "\n"))
                print("\(stories.count) stor\(stories.count == 1 ? "y" : "ies") changed in the last \(days) day\(days == 1 ? "" : "s")")
            }
        }
    }
}
