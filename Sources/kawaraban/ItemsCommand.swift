import ArgumentParser
import Foundation
import Pipeline
import Store

struct Items: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate on single items: send them back to work, or take them off the site.",
        subcommands: [Show.self, Requeue.self, Unpublish.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one item: its stage, source, analysis and translation, and any quality notes or error.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The item's id, as `status` shows it.") var id: Int64

        func run() async throws {
            try await options.withServices { services in
                guard let item = try await CommandFailure.inOwnWords({ try await services.store.item(id: id) }) else {
                    throw CommandFailure("there is no item #\(id)")
                }
                print("#\(item.id) [\(item.stage.rawValue), \(item.attempts) attempts] \(item.feedEntry.title)")
                print("  \(item.feedEntry.url) from \(item.sourceName)")
                if let analysis = item.analysis {
                    print("  analysis by \(analysis.model): \(analysis.title) (importance \(analysis.importance.value))")
                    for note in analysis.qualityNotes ?? [] { print("    quality note: \(note)") }
                }
                if let translation = item.translation {
                    print("  translation by \(translation.model): \(translation.blocks.count) blocks")
                    for note in translation.qualityNotes ?? [] { print("    quality note: \(note)") }
                }
                if let error = item.lastError { print("  last error: \(error)") }
            }
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a failed item (or every one) back to the stage it failed in, its attempts reset.",
            discussion: """
                An item whose stored page was dropped by retention goes back to be fetched again. An item \
                waiting for a retry is retried at once. Published, unpublished and merged items are refused.
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The item's id, as `status` shows it.") var id: Int64?
        @Flag(help: "Every failed item.") var failed = false

        func validate() throws {
            if (id == nil) == !failed { throw ValidationError("give an item id or --failed") }
        }

        func run() async throws {
            try await options.withServices { services in
                let requeued = try await CommandFailure.inOwnWords {
                    if let id {
                        [try await services.store.requeue(itemID: id, now: Date())]
                    } else {
                        try await services.store.requeueFailed(now: Date())
                    }
                }
                for item in requeued { print("requeued #\(item.itemID) at \(item.stage.rawValue): \(item.title)") }
                print("\(requeued.count) item\(requeued.count == 1 ? "" : "s") requeued")
            }
        }
    }

    struct Unpublish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a published item off the site and its feeds; it stays in the database and is never republished.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The item's id, as its /articles/ID address shows it.") var id: Int64

        func run() async throws {
            try await options.withServices { services in
                try await CommandFailure.inOwnWords { try await services.store.unpublish(itemID: id, now: Date()) }
                print("unpublished #\(id): off the site and its feeds; kept in the database")
            }
        }
    }
}
