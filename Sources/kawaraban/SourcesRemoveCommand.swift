import ArgumentParser
import Foundation
import Pipeline
import Store

extension Sources {
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop collecting a source; its published articles stay, its unpublished items go.",
            discussion: """
                Published articles stay on the site, credited to the source's name. Stories not yet \
                published that another source also carried are handed to that source; the rest are \
                deleted. Adding the same URL again brings the source back.
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The source's id, as `sources list` shows it.") var id: Int64

        func run() async throws {
            try await options.withServices { services in
                let removal = try await CommandFailure.inOwnWords {
                    try await services.store.removeSource(id: id, now: Date())
                }
                print("removed source #\(removal.source.id) \(removal.source.name) <\(removal.source.url)>")
                print("\(removal.keptArticles) published articles kept, credited to \(removal.source.name); "
                      + "\(removal.handedOver) unpublished stories handed to another source that carried them; "
                      + "\(removal.dropped) unpublished items deleted")
            }
        }
    }
}
