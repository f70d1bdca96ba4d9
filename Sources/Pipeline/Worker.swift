import Extraction
import Fetching
import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import Store

/// The LLM-backed stages; absent when no LLM is configured.
public struct EditorialDesk: Sendable {
    public let analyst: Analyst
    public let translator: Translator

    public init(analyst: Analyst, translator: Translator) {
        self.analyst = analyst
        self.translator = translator
    }
}

/// Why a stage did not complete, and whether trying again later could help.
public struct StageFailure: Error, Sendable, CustomStringConvertible {
    public var stage: Stage
    public var reason: String
    public var isTransient: Bool

    public var description: String { "\(stage.rawValue): \(reason)" }
}

/// What a worker run did.
public struct WorkSummary: Sendable {
    public var steps = 0
    public var published = 0
    /// Items found to be a story already stored, folded into it.
    public var merged = 0
    public var failed = 0
    public var retriesScheduled = 0

    mutating func record(_ result: Worker.StepResult) {
        steps += 1
        switch result {
        case .advanced(let stage): if stage == .published { published += 1 }
        case .merged: merged += 1
        case .failed: failed += 1
        case .retryScheduled: retriesScheduled += 1
        case .lostLease: break
        }
    }

    mutating func add(_ other: WorkSummary) {
        steps += other.steps
        published += other.published
        merged += other.merged
        failed += other.failed
        retriesScheduled += other.retriesScheduled
    }
}

/// Takes items from the queue one stage at a time. Each step is claimed under a lease and
/// written back before the next, so a killed worker loses at most the step it was in.
public final class Worker: Sendable {
    public static let pageAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
    static let idlePoll: Duration = .seconds(1)

    let store: Store
    let fetcher: Fetcher
    let desk: EditorialDesk?
    let settings: WorkSettings
    let owner: String
    let logger: Logger

    public init(store: Store, fetcher: Fetcher, desk: EditorialDesk?, settings: WorkSettings,
                owner: String = Worker.makeOwnerID(), logger: Logger) {
        self.store = store
        self.fetcher = fetcher
        self.desk = desk
        self.settings = settings
        self.owner = owner
        self.logger = logger
    }

    public static func makeOwnerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    }

    /// Stages this worker can move forward: without an LLM, items stop at `extracted`.
    public var stages: [Stage] {
        desk == nil ? Stage.workable.filter { !Stage.needingLLM.contains($0) } : Stage.workable
    }

    /// Works until no item can progress now: nothing claimable and nothing held by a lease,
    /// which includes leases of killed workers that have yet to expire. `concurrency` lanes each
    /// take one item at a time, so a slow item never holds up the others.
    public func runUntilIdle() async throws -> WorkSummary {
        try await inLanes { summary in
            while true {
                if let result = try await self.stepOne() {
                    summary.record(result)
                    continue
                }
                if try await self.store.leasedCount(stages: self.stages, now: Date()) == 0 { return }
                try await Task.sleep(for: Self.idlePoll)
            }
        }
    }

    /// Works until cancelled, pausing while the queue is empty. A failing database is logged and
    /// retried after the pause rather than ending the process.
    public func runForever(idlePause: Duration = .seconds(5)) async throws {
        _ = try await inLanes { summary in
            while !Task.isCancelled {
                do {
                    if let result = try await self.stepOne() {
                        summary.record(result)
                    } else {
                        try await Task.sleep(for: idlePause)
                    }
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("work step failed: \(error)")
                    try await Task.sleep(for: idlePause)
                }
            }
        }
    }

    /// Runs `lane` `concurrency` times in parallel and adds up what they did.
    private func inLanes(_ lane: @escaping @Sendable (inout WorkSummary) async throws -> Void) async throws -> WorkSummary {
        try await withThrowingTaskGroup(of: WorkSummary.self) { group in
            for _ in 0..<max(1, settings.concurrency) {
                group.addTask {
                    var summary = WorkSummary()
                    try await lane(&summary)
                    return summary
                }
            }
            return try await group.reduce(into: WorkSummary()) { $0.add($1) }
        }
    }

    /// Claims one item and moves it one stage forward; nil when nothing can be claimed now.
    func stepOne() async throws -> StepResult? {
        guard let item = try await store.claim(stages: stages, owner: owner, limit: 1, lease: settings.lease, now: Date()).first
        else { return nil }
        return try await advance(item)
    }

    enum StepResult: Sendable {
        case advanced(Stage)
        case merged
        case failed
        case retryScheduled
        case lostLease
    }

    private func advance(_ item: Item) async throws -> StepResult {
        let now = Date()
        do {
            let outcome = try await whileHolding(item) { try await self.perform(item) }
            let kept: Bool
            let result: StepResult
            switch outcome {
            case .next(let stage, let update):
                kept = try await store.advance(item.id, owner: owner, to: stage, with: update, now: Date())
                result = .advanced(stage)
            case .sameStory(let survivor):
                kept = try await store.mergeDuplicate(item.id, into: survivor, owner: owner, now: Date())
                result = .merged
                logger.info("same story", metadata: ["item": "\(item.id)", "kept": "\(survivor)"])
            }
            if !kept { logger.warning("lease lost before writing", metadata: ["item": "\(item.id)"]) }
            return kept ? result : .lostLease
        } catch let failure as StageFailure {
            let attempts = item.attempts + 1
            let retry = failure.isTransient && attempts < WorkSettings.maximumAttempts
            let retryAt = retry ? now.addingTimeInterval(WorkSettings.retryBaseDelay * pow(2, Double(attempts - 1))) : nil
            logger.warning("stage failed", metadata: [
                "item": "\(item.id)", "stage": "\(failure.stage.rawValue)", "reason": "\(failure.reason)",
                "retry": "\(retry)",
            ])
            let kept = try await store.recordFailure(item.id, owner: owner, reason: failure.description,
                                                     retryAt: retryAt, now: Date())
            guard kept else { return .lostLease }
            return retry ? .retryScheduled : .failed
        }
    }

    /// Runs `body` while renewing the item's lease, so that a step longer than one lease (a slow
    /// model, retries) is not taken over by another worker halfway.
    private func whileHolding<T: Sendable>(_ item: Item, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let lease = settings.lease
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(lease / 3))
                    _ = try await self.store.extendLease(item.id, owner: self.owner, until: Date().addingTimeInterval(lease))
                }
            }
            group.addTask { try await body() }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw CancellationError()
        }
    }

    /// Where a step sends an item.
    enum StepOutcome: Sendable {
        case next(Stage, ItemUpdate)
        /// The item is a story stored already under this id.
        case sameStory(Int64)
    }

    /// Runs the stage the item is in and says where it goes next.
    private func perform(_ item: Item) async throws(StageFailure) -> StepOutcome {
        switch item.stage {
        case .discovered:
            let page = try await fetchPage(item)
            if let survivor = try await storedStory(item, at: page?.finalURL.absoluteString, stage: .discovered) {
                return .sameStory(survivor)
            }
            return .next(.fetched, ItemUpdate(pageHTML: page?.html))
        case .fetched:
            try await screenPage(item)
            let article = try extract(item)
            if let survivor = try await storedStory(item, at: article.canonicalURL, stage: .fetched) {
                return .sameStory(survivor)
            }
            return .next(.extracted, ItemUpdate(article: article))
        case .extracted:
            return .next(.analysed, ItemUpdate(analysis: try await analyse(item)))
        case .analysed:
            return .next(.translated, ItemUpdate(translation: try await translate(item)))
        case .translated:
            try checkPublishable(item)
            return .next(.published, ItemUpdate())
        case .published, .failed, .skipped:
            throw StageFailure(stage: item.stage, reason: "the item is already final", isTransient: false)
        }
    }

    /// Another item already stored for the story at `url`, when the page redirected or named its
    /// canonical URL to something other than what the feed gave (feed proxies, tracking links,
    /// syndicated copies).
    private func storedStory(_ item: Item, at url: String?, stage: Stage) async throws(StageFailure) -> Int64? {
        guard let url else { return nil }
        let canonical = CanonicalURL.canonicalize(url)
        guard canonical != item.feedEntry.canonicalURL else { return nil }
        do {
            guard let other = try await store.itemID(canonicalURL: canonical), other != item.id else { return nil }
            return other
        } catch {
            throw StageFailure(stage: stage, reason: error.description, isTransient: true)
        }
    }

    /// A fetched page: where it ended up after redirects, and its text.
    struct FetchedPage: Sendable {
        var finalURL: URL
        var html: String
    }

    /// The page, or nil when the page cannot be had for good (extraction then falls back to the
    /// feed's own content); transient failures are retried.
    private func fetchPage(_ item: Item) async throws(StageFailure) -> FetchedPage? {
        do throws(FetchError) {
            let response = try await fetcher.fetch(FetchRequest(url: item.feedEntry.url, accept: Self.pageAccept))
            guard response.isSuccess else { throw .httpStatus(response.status) }
            return FetchedPage(finalURL: response.finalURL,
                               html: TextDecoding.decode(response.body, contentType: response.contentType))
        } catch {
            if error.isTransient { throw StageFailure(stage: .discovered, reason: error.description, isTransient: true) }
            logger.notice("page not fetched; the feed's content will be used",
                          metadata: ["item": "\(item.id)", "reason": "\(error)"])
            return nil
        }
    }

    private func extract(_ item: Item) throws(StageFailure) -> Article {
        do {
            return try ArticleExtractor.extract(
                html: item.pageHTML, pageURL: URL(string: item.feedEntry.url),
                feedContentHTML: item.feedEntry.contentHTML ?? item.feedEntry.summary, feedTitle: item.feedEntry.title)
        } catch {
            throw StageFailure(stage: .fetched, reason: error.description, isTransient: false)
        }
    }

    private func analyse(_ item: Item) async throws(StageFailure) -> Analysis {
        let (desk, article) = try prerequisites(item, stage: .extracted)
        let suspicion = try await suspicion(of: item, article: article)
        do {
            return try await desk.analyst.analyse(article: article, sourceName: item.sourceName, url: item.feedEntry.url,
                                                  suspicion: suspicion)
        } catch {
            throw StageFailure(stage: .extracted, reason: error.description, isTransient: error.isTransient)
        }
    }

    private func translate(_ item: Item) async throws(StageFailure) -> Translation {
        let (desk, article) = try prerequisites(item, stage: .analysed)
        do {
            let translation = try await desk.translator.translate(
                article.blocks, resumingFrom: await savedTranslationProgress(of: item)
            ) { progress in await self.saveTranslationProgress(progress, of: item) }
            await saveTranslationProgress(nil, of: item)
            return translation
        } catch {
            throw StageFailure(stage: .analysed, reason: error.description, isTransient: error.isTransient)
        }
    }

    private func prerequisites(_ item: Item, stage: Stage) throws(StageFailure) -> (EditorialDesk, Article) {
        guard let desk else { throw StageFailure(stage: stage, reason: "no LLM is configured", isTransient: true) }
        guard let article = item.article else {
            throw StageFailure(stage: stage, reason: "the extracted article is missing", isTransient: false)
        }
        return (desk, article)
    }

    /// The last guard before readers see the item: everything present, no masking mark left.
    private func checkPublishable(_ item: Item) throws(StageFailure) {
        guard let analysis = item.analysis, let translation = item.translation else {
            throw StageFailure(stage: .translated, reason: "analysis or translation is missing", isTransient: false)
        }
        let analysisText = [analysis.title, analysis.tldr, analysis.impact, analysis.editorial]
            + analysis.tags + analysis.keyPoints.flatMap { [$0.heading, $0.body] }
        let everything = translation.blocks + analysisText.map { Block.paragraph([.text($0)]) }
        if Masking.containsPlaceholderMarks(everything) {
            throw StageFailure(stage: .translated, reason: "a masking placeholder is left in the text; not published",
                               isTransient: false)
        }
    }
}
