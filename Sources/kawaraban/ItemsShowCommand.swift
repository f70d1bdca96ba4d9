import ArgumentParser
import Foundation
import Pipeline
import Store

extension Items {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one item: where it stands, why it failed or was skipped, triage's verdict, and any quality notes.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The item's id, as `status` shows it.") var id: Int64

        func run() async throws {
            try await options.withServices { services in
                guard let item = try await services.store.item(id: id) else {
                    throw CommandFailure("no item #\(id); see kawaraban status")
                }
                let clock = { (date: Date) in services.settings.edition.displayDateTime(date) }
                var lines = [
                    "#\(item.id) \(item.feedEntry.title)",
                    "  url:        \(item.feedEntry.url)",
                    "  source:     \(item.sourceName)",
                    "  stage:      \(item.stage.rawValue) (\(item.attempts) attempts)",
                    "  discovered: \(clock(item.discoveredAt))",
                ]
                if let triage = item.triage {
                    lines.append("  triage:     \(triage.aboutAI ? "about AI" : "not about AI"), worth \(triage.worth) of 5: \(triage.reason)")
                }
                if let analysis = item.analysis {
                    lines.append("  analysis:   \(analysis.title) (importance \(analysis.importance.value), by \(analysis.model))")
                    lines += (analysis.qualityNotes ?? []).map { "    quality note: \($0)" }
                }
                if let translation = item.translation {
                    lines.append("  translated: \(translation.blocks.count) blocks by \(translation.model)")
                    lines += (translation.qualityNotes ?? []).map { "    quality note: \($0)" }
                }
                if let reason = item.lastError { lines.append("  reason:     \(reason)") }
                if let publishedAt = item.publishedAt { lines.append("  published:  \(clock(publishedAt))") }
                print(lines.joined(separator: "\n"))
            }
        }
    }
}
