import ArgumentParser
import Foundation
import Pipeline
import Store

extension Stories {
    struct Split: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a published item out of its story into one of its own, and keep it there.",
            discussion: """
                The item is pinned: no later grouping moves it back. The story it leaves is led by the best \
                of its remaining items. `kawaraban stories list` shows the stories and their items.
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The item's id, as `stories list` or its /articles/ID address shows it.") var item: Int64

        func run() async throws {
            try await options.withServices { services in
                guard let split = try await CommandFailure.inOwnWords({ try await services.store.split(item, now: Date()) }) else {
                    throw CommandFailure("item #\(item) is not published in a story with other items; see kawaraban stories list")
                }
                print("""
                    split #\(split.itemID) out of story \(split.fromStory) into story \(split.toStory) of its own, pinned there
                    story \(split.fromStory) is now led by #\(split.remainingLead)
                    """)
            }
        }
    }
}
