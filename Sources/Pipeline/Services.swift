import Fetching
import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import Store

/// The long-lived parts every command shares, opened from settings and closed together.
public struct Services: Sendable {
    public let settings: Settings
    public let store: Store
    public let fetcher: Fetcher
    public let desk: EditorialDesk?
    public let logger: Logger

    public static func open(_ settings: Settings, logger: Logger) async throws -> Services {
        let store = try await Store.open(settings.database, logger: logger)
        let fetcher = Fetcher(policy: settings.fetchPolicy, logger: logger)
        let desk = settings.llm.map { configuration in
            let client = ChatClient(configuration: configuration, logger: logger)
            return EditorialDesk(analyst: Analyst(client: client, edition: settings.edition),
                                 translator: Translator(client: client, edition: settings.edition,
                                                         maximumCharacters: settings.translationMaximumCharacters))
        }
        if let reason = settings.llmMissingReason { logger.warning("\(reason)") }
        return Services(settings: settings, store: store, fetcher: fetcher, desk: desk, logger: logger)
    }

    public func close() async {
        do { try await store.close() } catch { logger.error("closing the store failed: \(error)") }
    }

    public func collector() -> Collector {
        Collector(store: store, fetcher: fetcher, logger: logger)
    }

    public func worker() -> Worker {
        Worker(store: store, fetcher: fetcher, desk: desk, settings: settings.work, logger: logger)
    }

    /// Collects due sources every `period` until cancelled; a failed pass is logged and retried.
    public func runScheduler(period: Duration = .seconds(60)) async throws {
        let collector = collector()
        while !Task.isCancelled {
            do {
                _ = try await collector.collectDue()
            } catch is CancellationError {
                return
            } catch {
                logger.error("collection pass failed: \(error)")
            }
            try await Task.sleep(for: period)
        }
    }
}
