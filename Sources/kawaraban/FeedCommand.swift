import ArgumentParser
import Feeds
import Foundation
import Pipeline

struct Feed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect feeds without storing anything.", subcommands: [Parse.self])

    struct Parse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse a feed file, or fetch a URL through the collector's safe fetcher, and print it.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A feed file, or an http(s) URL.") var source: String
        @Flag(help: "Print the normalised feed as JSON.") var json = false
        @Flag(help: "Print only the number of items.") var count = false

        func run() async throws {
            let (data, baseURL, contentType) = try await load()
            let feed: ParsedFeed
            do {
                feed = try FeedParser.parse(data, baseURL: baseURL, contentType: contentType)
            } catch {
                throw CommandFailure("\(source): \(error.description)")
            }
            if count {
                print(feed.items.count)
            } else if json {
                print(try feed.jsonSummary())
            } else {
                print("\(feed.title) <\(feed.link ?? "")>: \(feed.items.count) items (\(feed.format.rawValue))")
                for item in feed.items { print("- \(item.title) <\(item.link ?? "")>") }
            }
        }

        /// A local file is read whole; a URL goes through the same limits and allow list as collection.
        private func load() async throws -> (Data, URL?, contentType: String?) {
            guard SourceAddress.isWebAddress(source) else {
                return (try Data(contentsOf: URL(fileURLWithPath: source)), nil, nil)
            }
            let response = try await SourceAddress.fetch(source, accept: Collector.feedAccept, options: options)
            return (response.body, response.finalURL, response.contentType)
        }
    }
}
