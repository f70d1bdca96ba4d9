import Fetching
import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import ServiceLifecycle
import Store

/// The long-lived parts every command shares, opened from settings and closed together.
public struct Services: Sendable {
    public let settings: Settings
    public let store: Store
    public let fetcher: Fetcher
    /// The process's one pool for CPU-heavy work, shut down by `close`.
    public let pool: CPUPool
    public let desk: EditorialDesk?
    /// The model that writes the digests' prose; nil without a model configured.
    public let digestEditor: DigestEditor?
    /// The model that summarises Hacker News threads for Hacker日報; nil without a model configured.
    public let threadSummarizer: ThreadSummarizer?
    /// Every LLM call's record, the daily budget and the answer caches, over the store.
    public let ledger: StoreCallLedger
    public let logger: Logger

    public static func open(_ settings: Settings, logger: Logger) async throws -> Services {
        for warning in settings.warnings { logger.warning("\(warning)") }
        let store = try await Store.open(settings.database, logger: logger,
                                         schema: settings.migrateOnStart ? .migrate : .requireCurrent)
        if settings.migrateOnStart {
            do {
                try await GlossaryMaintenance(store: store).seed(languageCode: settings.edition.languageCode)
            } catch {
                try? await store.close()
                throw error
            }
        }
        let fetcher = Fetcher(policy: settings.fetchPolicy, logger: logger)
        let ledger = StoreCallLedger(store: store, budget: settings.tokenBudget, logger: logger)
        // The process's one client: every task and lane shares its per-endpoint limiters.
        let client = settings.llm.map { ChatClient(routes: $0, logger: logger, ledger: ledger) }
        let desk = client.map { client in
            EditorialDesk(triager: Triager(client: client, edition: settings.edition),
                          analyst: Analyst(client: client, edition: settings.edition),
                          translator: Translator(client: client, edition: settings.edition,
                                                 maximumCharacters: settings.translationMaximumCharacters),
                          storyJudge: StoryJudge(client: client, edition: settings.edition))
        }
        if let reason = settings.llmMissingReason { logger.warning("\(reason)") }
        return Services(settings: settings, store: store, fetcher: fetcher, pool: CPUPool(), desk: desk,
                        digestEditor: client.map { DigestEditor(client: $0, edition: settings.edition) },
                        threadSummarizer: client.map { ThreadSummarizer(client: $0, edition: settings.edition) },
                        ledger: ledger, logger: logger)
    }

    public func close() async {
        await pool.shutdown()
        do { try await store.close() } catch { logger.error("closing the store failed: \(error)") }
    }

    public func collector() -> Collector {
        Collector(store: store, fetcher: fetcher, pool: pool, settings: settings.collection,
                  hackerNews: HackerNews(minimumScore: settings.collection.hackerNewsMinimumScore,
                                         minimumComments: settings.collection.hackerNewsMinimumComments),
                  triaging: desk != nil, logger: logger)
    }

    public func catalog() -> SourceCatalog {
        SourceCatalog(store: store, fetcher: fetcher, pool: pool)
    }

    public func worker() -> Worker {
        Worker(store: store, fetcher: fetcher, pool: pool, desk: desk, settings: settings.work, budget: ledger, logger: logger)
    }

    /// What a worker process runs beside (or instead of) the site: collection and processing, and
    /// the digests unless they are turned off.
    public func backgroundServices() -> [any Service] {
        [CollectionScheduler(collector: collector(), retention: retention(), logger: logger), WorkerService(worker: worker())]
            + (settings.digests.enabled ? [digestScheduler()] : [])
    }

    /// The composer of each digest kind this build writes.
    public func digestComposers() -> [any DigestComposer] {
        let desk = DigestDesk(store: store, editor: digestEditor, edition: settings.edition)
        return [DailyDigestComposer(desk: desk), WeeklyDigestComposer(desk: desk),
                hackerDigestComposer(summarizer: threadSummarizer)]
    }

    public func digestScheduler() -> DigestScheduler {
        DigestScheduler(writer: DigestWriter(store: store, logger: logger), composers: digestComposers(),
                        schedule: DigestSchedule(timeOfDay: settings.digests.timeOfDay, timeZone: settings.edition.timeZone),
                        logger: logger)
    }
}

/// Collects due sources every `period` until the process shuts down, and drops stored pages past
/// keeping after each pass; a failed pass is logged and retried. On shutdown the pass in progress is abandoned: what a source's read found is
/// stored only after the read finished, and the claim of a source left unfinished runs out, so
/// another collector takes it up.
public struct CollectionScheduler: Service {
    public static let defaultPeriod: Duration = .seconds(60)

    let collector: Collector
    let retention: Retention
    let period: Duration
    let logger: Logger

    public init(collector: Collector, retention: Retention, period: Duration = CollectionScheduler.defaultPeriod,
                logger: Logger) {
        self.collector = collector
        self.retention = retention
        self.period = period
        self.logger = logger
    }

    public func run() async throws {
        try await untilShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await collector.collectDue()
                    await retention.pruneLogging(now: Date(), logger: logger)
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("collection pass failed: \(error)")
                }
                try await Task.sleep(for: period)
            }
        }
    }
}

/// The worker's lanes until the process shuts down. On shutdown the step in progress is
/// cancelled: every write of a step is one statement accepted only from the lease's owner, so
/// an abandoned step leaves the item as it was, and its lease runs out for another worker.
public struct WorkerService: Service {
    let worker: Worker

    public init(worker: Worker) { self.worker = worker }

    public func run() async throws {
        try await untilShutdown { try await worker.runForever() }
    }
}

/// Runs `body` until it ends or the process shuts down, which cancels it; ending by
/// cancellation is the normal way for a service to stop, not a failure of the group.
func untilShutdown(_ body: @escaping @Sendable () async throws -> Void) async throws {
    do {
        try await cancelWhenGracefulShutdown(body)
    } catch is CancellationError {
        return
    }
}
