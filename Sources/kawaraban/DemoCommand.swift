import ArgumentParser
import Foundation
import Pipeline

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill a new database with synthetic published articles, to try the site or benchmark it.",
        discussion: """
            Every page served from the database says that its articles are synthetic. The database \
            must be new or empty: an existing one is refused.
            """)

    /// More than a benchmark needs, few enough to fill in minutes.
    static let maximumArticles = 1_000_000

    @OptionGroup var options: GlobalOptions
    @Option(help: "How many articles to make.") var articles: Int

    func validate() throws {
        guard (1...Self.maximumArticles).contains(articles) else {
            throw ValidationError("--articles must be between 1 and \(Self.maximumArticles)")
        }
        guard options.database != nil else {
            throw ValidationError("name the database to fill with --database FILE (never the configured one by default)")
        }
    }

    func run() async throws {
        try await options.withServices { services in
            guard try await !services.store.holdsAnyContent() else {
                throw CommandFailure("\(services.settings.database) already holds sources or items; demo fills only a new database")
            }
            let started = ContinuousClock.now
            let stored = try await DemoArticles.fill(services.store, count: articles, now: Date()) { stored in
                print("\(stored) of \(articles) articles stored")
            }
            print("\(stored) articles stored in \(ContinuousClock.now - started); indexing them for search")
            let indexing = ContinuousClock.now
            let indexed = try await services.store.indexPublishedMissingFromSearch()
            let digests = try await DemoDigests.write(services.store, edition: services.settings.edition, now: Date())
            print("\(indexed) synthetic articles indexed in \(ContinuousClock.now - indexing), \(digests) digests written; serve them with "
                  + "kawaraban serve --role web --database \(options.database ?? "")")
        }
    }
}
