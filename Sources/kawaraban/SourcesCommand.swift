import ArgumentParser
import Foundation
import Pipeline

struct Sources: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the feeds Kawaraban collects.", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a feed (RSS or Atom).")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The feed's URL.") var url: String
        @Option(help: "A name readers see; defaults to the feed's host.") var name: String?

        func run() async throws {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", let host = parsed.host
            else { throw ValidationError("\(url) is not an http(s) URL") }
            try await options.withServices { services in
                let source = try await services.store.addSource(url: url, name: name ?? host, kind: .feed)
                print("added source #\(source.id) \(source.name) <\(source.url)>")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sources with their last fetch result.")

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await options.withServices { services in
                let report = try await StatusReport.gather(from: services.store, settings: services.settings)
                if report.sources.isEmpty { print("no sources; add one with: kawaraban sources add URL") }
                for source in report.sources {
                    print(StatusReport.describe(source, edition: services.settings.edition))
                }
            }
        }
    }
}
