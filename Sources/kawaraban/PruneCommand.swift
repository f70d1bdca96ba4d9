import ArgumentParser
import Foundation
import Pipeline
import Store

struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drop the stored pages of items failed more than KAWARABAN_RETENTION_DAYS ago, now.",
        discussion: "The scheduler of `serve` does the same after every collection pass.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.withServices { services in
            let retention = services.retention()
            let dropped = try await retention.prune(now: Date())
            print("dropped the stored pages of \(dropped.items) failed item\(dropped.items == 1 ? "" : "s") older than "
                  + "\(retention.days) days (\(String(format: "%.1f", Double(dropped.bytes) / 1_048_576)) MiB)")
        }
    }
}
