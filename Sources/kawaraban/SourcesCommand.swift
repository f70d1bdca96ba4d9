import ArgumentParser
import Feeds
import Foundation
import KawarabanCore
import Pipeline

extension SourceKind: ExpressibleByArgument {}
extension SourceTopic: ExpressibleByArgument {}

struct Sources: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the sources Kawaraban collects.",
        subcommands: [Add.self, List.self, Import.self, Export.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a feed (RSS, RDF, Atom, JSON Feed), a site that announces one, or Hacker News.",
            discussion: """
                The URL is fetched first: a feed is added as it is; a web page (a blog, a YouTube \
                channel) is searched for the feeds it announces and the first that reads is added. \
                With --starter, adds the shipped list of well-known AI news feeds (English and \
                Japanese) instead, each checked the same way, and reports each one.
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The feed's or the site's URL; for hackernews, the API's base (default \(HackerNews.officialAPIBase)).")
        var url: String?
        @Option(help: "feed or hackernews.") var kind: SourceKind = .feed
        @Option(help: "A name readers see; defaults to the feed's title, else its host.") var name: String?
        @Option(help: "ai: every item of the source is about AI, so none is triaged (judged before it is fetched).")
        var topic: SourceTopic?
        @Flag(help: "Add without fetching the URL first (no check, no feed discovery).") var skipCheck = false
        @Flag(help: "Add the shipped list of well-known AI news feeds, English and Japanese.") var starter = false
        @Option(help: "With --starter: read the list from this file (LANGUAGE<TAB>TOPIC<TAB>NAME<TAB>URL lines).")
        var starterFile: String?

        func validate() throws {
            if starterFile != nil && !starter { throw ValidationError("--starter-file goes with --starter") }
            if starter && (url != nil || name != nil || topic != nil || skipCheck || kind != .feed) {
                throw ValidationError("--starter takes no URL, --name, --topic, --kind or --skip-check: the list gives them")
            }
        }

        func run() async throws {
            if starter { return try await addStarter() }
            let kind = self.kind
            guard let url = url ?? (kind == .hackerNews ? HackerNews.officialAPIBase : nil) else {
                throw ValidationError("give the feed's or the site's URL")
            }
            try await options.withServices { services in
                let catalog = services.catalog()
                let added = try await CommandFailure.inOwnWords {
                    try await catalog.add(url: url, name: name, kind: kind, topic: topic, check: !skipCheck)
                }
                let source = added.source
                if let page = added.discoveredOn { print("\(page) is a page; it announces the feed \(source.url)") }
                let topicLabel = source.topic.map { ", topic \($0.rawValue)" } ?? ""
                print("added source #\(source.id) \(source.name) [\(source.kind.rawValue)\(topicLabel)] <\(source.url)>")
            }
        }

        private func addStarter() async throws {
            let list = try await CommandFailure.inOwnWords {
                if let starterFile { return try StarterSource.parseList(String(contentsOfFile: starterFile, encoding: .utf8)) }
                return try StarterSource.shipped()
            }
            try await options.withServices { services in
                let outcomes = try await services.catalog().addStarter(list)
                for (feed, outcome) in outcomes {
                    switch outcome {
                    case .added(let source):
                        print("added source #\(source.id) \(source.name) [\(feed.language)] <\(source.url)>")
                    case .alreadyPresent:
                        print("already present: \(feed.name) [\(feed.language)] <\(feed.url)>")
                    case .failed(let reason):
                        print("failed: \(feed.name) [\(feed.language)] <\(feed.url)>: \(reason)")
                    }
                }
                let added = outcomes.filter { if case .added = $0.outcome { true } else { false } }.count
                let present = outcomes.filter { if case .alreadyPresent = $0.outcome { true } else { false } }.count
                print("\(added) added, \(present) already present, \(outcomes.count - added - present) failed")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List sources: kind, last fetch, HTTP status, items found and new, last error, next fetch.")

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

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the feeds an OPML subscription list names; URLs already present are skipped.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "An OPML file, as feed readers export them.") var file: String

        func run() async throws {
            let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
            guard size <= OPML.maximumBytes else { throw CommandFailure("\(file): \(OPMLError.tooLarge(limit: OPML.maximumBytes))") }
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            try await options.withServices { services in
                let summary: SourceImport
                do {
                    summary = try await services.catalog().importOPML(data)
                } catch {
                    throw CommandFailure("\(file): \(error)")
                }
                for source in summary.added { print("added source #\(source.id) \(source.name) <\(source.url)>") }
                for url in summary.alreadyPresent { print("skipped <\(url)>: already a source") }
                for (url, reason) in summary.invalid { print("skipped <\(url)>: \(reason)") }
                var counts = ["\(summary.added.count) added",
                              "\(summary.alreadyPresent.count + summary.invalid.count) skipped"]
                if summary.ignoredOutlines > 0 { counts.append("\(summary.ignoredOutlines) outlines without a feed URL ignored") }
                print(counts.joined(separator: ", "))
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write every source as an OPML 2.0 subscription list.")

        @OptionGroup var options: GlobalOptions
        @Option(help: "Write to this file instead of standard output.") var out: String?

        func run() async throws {
            try await options.withServices { services in
                let opml = try await services.catalog().exportOPML()
                if let out {
                    try Data(opml.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
                } else {
                    print(opml, terminator: "")
                }
            }
        }
    }
}
