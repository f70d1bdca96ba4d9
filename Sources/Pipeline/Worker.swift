import Extraction
import Fetching
import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import Store
import Synchronization

/// The LLM-backed stages; absent when no LLM is configured.
public struct EditorialDesk: Sendable {
    public let triager: Triager
    public let analyst: Analyst
    public let translator: Translator
    /// Settles the close calls of story matching; without it they count as unrelated.
    public let storyJudge: StoryJudge?

    public init(triager: Triager, analyst: Analyst, translator: Translator, storyJudge: StoryJudge? = nil) {
        self.triager = triager
        self.analyst = analyst
        self.translator = translator
        self.storyJudge = storyJudge
    }
}

/// What a worker run did.
public struct WorkSummary: Sendable {
    public var steps = 0
    public var published = 0
    /// Items found to be a story already stored, folded into it.
    public var merged = 0
    /// Items triage judged not about AI or not worth a reader's time.
    public var skipped = 0
    public var failed = 0
    public var retriesScheduled = 0

    mutating func record(_ result: Worker.StepResult) {
        steps += 1
        count(result)
    }

    private mutating func count(_ result: Worker.StepResult) {
        switch result {
        case .advanced(let stage): if stage == .published { published += 1 }
        case .merged: merged += 1
        case .skipped: skipped += 1
        case .failed: failed += 1
        case .retryScheduled: retriesScheduled += 1
        case .lostLease: break
        case .batch(let results): results.forEach { count($0) }
        }
    }

    mutating func add(_ other: WorkSummary) {
        steps += other.steps
        published += other.published
        merged += other.merged
        skipped += other.skipped
        failed += other.failed
        retriesScheduled += other.retriesScheduled
    }
}

/// Takes items from the queue one stage at a time. Each step is claimed under a lease and
/// written back before the next, so a killed worker loses at most the step it was in. What to
/// decide (next stage, retries, giving up, publishing) is asked of `WorkRules`; this type only
/// runs the steps and writes their results.
public final class Worker: Sendable {
    public static let pageAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
    static let idlePoll: Duration = .seconds(1)

    let store: Store
    let fetcher: Fetcher
    let pool: CPUPool
    let desk: EditorialDesk?
    let settings: WorkSettings
    let rules: WorkRules
    let owner: String
    let logger: Logger
    let circuit: LLMCircuitBreaker
    /// Whether a lane of this worker is claiming a triage batch: one at a time, so that lanes
    /// starting together do not split the waiting items into several calls.
    let claimingTriageBatch = Mutex(false)
    /// One lane at a time groups an item into its story.
    let storyTurns = StoryGroupingTurns()
    /// The daily token budget the LLM stages are claimed under; nil when none is set.
    let budget: (any CallLedger)?

    public init(store: Store, fetcher: Fetcher, pool: CPUPool, desk: EditorialDesk?, settings: WorkSettings,
                rules: WorkRules = WorkRules(), owner: String = Worker.makeOwnerID(), budget: (any CallLedger)? = nil,
                logger: Logger) {
        self.budget = budget
        self.store = store
        self.fetcher = fetcher
        self.pool = pool
        self.desk = desk
        self.settings = settings
        self.rules = rules
        self.owner = owner
        self.logger = logger
        self.circuit = LLMCircuitBreaker(store: store, rules: LLMCircuitRules(policy: settings.llmPause), logger: logger)
    }

    public static func makeOwnerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    }

    /// Stages this worker can move forward.
    public var stages: [Stage] { rules.stages(llmConfigured: desk != nil) }

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
                if try await self.store.leasedCount(stages: self.stages) == 0 { return }
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

    /// Claims one item and moves it one stage forward, or, when it waits for triage, a batch of
    /// such items with it; nil when nothing can be claimed now.
    func stepOne() async throws -> StepResult? {
        var stages = self.stages
        if let budget, await budget.budgetExhausted(at: rules.now) != nil {
            stages.removeAll { Stage.needingLLM.contains($0) }
        }
        if stages.contains(.collected), let batch = try await claimTriageBatch() { return try await triage(batch) }
        let singleStages = stages.filter { $0 != .collected }
        guard let item = try await circuit.claim(stages: singleStages, owner: owner, lease: settings.lease, now: rules.now, { stages in
            try await self.store.claim(stages: stages, owner: self.owner, limit: 1, lease: self.settings.lease,
                                       giveUp: self.rules.claimLimit).first
        }) else { return nil }
        return try await advance(item)
    }

    enum StepResult: Sendable {
        case advanced(Stage)
        case merged
        /// Triage judged it not worth fetching.
        case skipped
        case failed
        case retryScheduled
        case lostLease
        /// What became of each item of a triage batch.
        case batch([StepResult])
    }

    private func advance(_ item: Item) async throws -> StepResult {
        let stepStartedAt = rules.now
        do {
            let next = try rules.stage(after: item.stage)
            let outcome = try await whileHolding([item]) {
                try await LLMCallContext.$itemID.withValue(item.id) { try await self.perform(item) }
            }
            if desk != nil, Stage.needingLLM.contains(item.stage) { try await circuit.recordAnswer(now: rules.now) }
            let kept: Bool
            let result: StepResult
            switch outcome {
            case .done(let update):
                kept = try await store.advance(item.id, owner: owner, to: next, with: update, now: rules.now)
                result = .advanced(next)
            case .sameStory(let survivor):
                kept = try await store.mergeDuplicate(item.id, into: survivor, owner: owner, now: rules.now)
                result = .merged
                logger.info("same story", metadata: ["item": "\(item.id)", "kept": "\(survivor)"])
            }
            if !kept { logger.warning("lease lost before writing", metadata: ["item": "\(item.id)"]) }
            return kept ? result : .lostLease
        } catch is LeaseLost {
            logger.warning("lease lost; the step was stopped and nothing written", metadata: ["item": "\(item.id)"])
            return .lostLease
        } catch let failure as StageFailure {
            if let deferred = try await deferIfProviderDown(item, failure, stepStartedAt: stepStartedAt) { return deferred }
            let decision = rules.decide(failure, earlierAttempts: item.attempts)
            logger.warning("stage failed", metadata: [
                "item": "\(item.id)", "stage": "\(failure.stage.rawValue)", "reason": "\(failure.reason)",
                "decision": "\(decision)",
            ])
            let kept = try await store.recordFailure(item.id, owner: owner, reason: failure.description,
                                                     retryAfter: decision.retryAfter, now: rules.now)
            guard kept else { return .lostLease }
            return decision == .fail ? .failed : .retryScheduled
        }
    }

    /// A transient failure of an LLM stage goes to the circuit breaker; unless the provider was
    /// answering others meanwhile, it is not the item's fault and the item waits without losing an
    /// attempt. Nil when the failure is the item's own.
    private func deferIfProviderDown(_ item: Item, _ failure: StageFailure, stepStartedAt: Date) async throws -> StepResult? {
        guard desk != nil, Stage.needingLLM.contains(item.stage) else { return nil }
        if let resumesAt = failure.budgetResumesAt {
            // Nothing was sent: neither the provider nor the item is at fault, and no LLM stage is
            // claimed again before the budget's day turns.
            try await circuit.releaseProbe(owner: owner)
            let kept = try await store.deferItem(item.id, owner: owner, reason: failure.description,
                                                 retryAfter: max(0, resumesAt.timeIntervalSince(rules.now)), now: rules.now)
            return kept ? .retryScheduled : .lostLease
        }
        guard failure.isTransient else {
            try await circuit.releaseProbe(owner: owner)
            return nil
        }
        // A step cancelled (a shutdown, a lost lease) says nothing about the provider.
        let charged = Task.isCancelled ? false : try await circuit.recordTransientFailure(
            of: item, reason: failure.description, owner: owner, stepStartedAt: stepStartedAt, now: rules.now)
        guard !charged else { return nil }
        let kept = try await store.deferItem(item.id, owner: owner, reason: failure.description,
                                             retryAfter: settings.llmPause.firstPause, now: rules.now)
        return kept ? .retryScheduled : .lostLease
    }

    /// Renewal was refused: another worker holds the item now.
    struct LeaseLost: Error {}

    /// Runs `body` while renewing the items' leases, so that a step longer than one lease (a slow
    /// model, retries) is not taken over by another worker halfway. When a renewal is refused an
    /// item belongs to someone else: `body` is cancelled, so that no more is spent on it (model
    /// calls cost money), and `LeaseLost` is thrown.
    func whileHolding<T: Sendable>(_ items: [Item], _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let lease = settings.lease
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(lease / 3))
                    for item in items {
                        guard try await self.store.extendLease(item.id, owner: self.owner, lease: lease) else { throw LeaseLost() }
                    }
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

    /// What a step found.
    enum StepOutcome: Sendable {
        /// The stage's work is done; the item moves on with this update.
        case done(ItemUpdate)
        /// The item is a story stored already under this id.
        case sameStory(Int64)
    }

    /// Runs the stage the item is in.
    private func perform(_ item: Item) async throws(StageFailure) -> StepOutcome {
        switch item.stage {
        case .collected:
            // `stepOne` hands these to `triage` in batches: one call judges many.
            throw StageFailure(stage: .collected, reason: "triage runs on batches, not on one item", isTransient: false)
        case .discovered:
            let page = try await fetchPage(item)
            if let survivor = try await storedStory(item, at: page?.finalURL.absoluteString, stage: .discovered) {
                return .sameStory(survivor)
            }
            return .done(ItemUpdate(page: page.map { .store($0.html) } ?? .unchanged))
        case .fetched:
            try await screenPage(item)
            let article = try await extract(item)
            if let survivor = try await storedStory(item, at: article.canonicalURL, stage: .fetched) {
                return .sameStory(survivor)
            }
            // The article replaces the page; an item that fails extraction keeps its page for inspection.
            return .done(ItemUpdate(page: .drop, article: article))
        case .extracted:
            return .done(ItemUpdate(analysis: try await analyse(item)))
        case .analysed:
            return .done(ItemUpdate(translation: try await translate(item)))
        case .translated:
            try rules.checkPublishable(item)
            try await groupIntoStory(item)
            return .done(ItemUpdate())
        case .published, .unpublished, .failed, .skipped:
            throw StageFailure.alreadyFinal(item.stage)
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
        let response: FetchResponse
        do throws(FetchError) {
            response = try await fetcher.fetch(FetchRequest(url: item.feedEntry.url, accept: Self.pageAccept, namedBy: item.sourceURL))
            guard response.isSuccess else { throw .httpStatus(response.status) }
        } catch {
            if error.isTransient { throw StageFailure(stage: .discovered, reason: error.description, isTransient: true) }
            logger.notice("page not fetched; the feed's content will be used",
                          metadata: ["item": "\(item.id)", "reason": "\(error)"])
            return nil
        }
        // Decoding up to the body limit (iconv for legacy encodings) is CPU work: off the site's threads.
        do {
            let html = try await pool.run { TextDecoding.decode(response.body, contentType: response.contentType) }
            return FetchedPage(finalURL: response.finalURL, html: html)
        } catch {
            throw StageFailure(stage: .discovered, reason: "\(error)", isTransient: true)
        }
    }

    /// On the CPU pool: a large page must not hold a thread that serves the site.
    private func extract(_ item: Item) async throws(StageFailure) -> Article {
        do {
            return try await pool.run {
                try ArticleExtractor.extract(
                    html: item.pageHTML, pageURL: URL(string: item.feedEntry.url),
                    feedContentHTML: item.feedEntry.contentHTML ?? item.feedEntry.summary, feedTitle: item.feedEntry.title)
            }
        } catch let error as ExtractionError {
            throw StageFailure(stage: .fetched, reason: error.description, isTransient: false)
        } catch {
            throw StageFailure(stage: .fetched, reason: "\(error)", isTransient: true)
        }
    }

    private func analyse(_ item: Item) async throws(StageFailure) -> Analysis {
        let (desk, article) = try prerequisites(item, stage: .extracted)
        let suspicion = try await suspicion(of: item, article: article)
        let glossary = try await glossary(for: article, stage: .extracted)
        let analysis: Analysis
        do {
            analysis = try await desk.analyst.analyse(article: article, sourceName: item.sourceName, url: item.feedEntry.url,
                                                      glossary: glossary, suspicion: suspicion)
        } catch {
            throw StageFailure(stage: .extracted, error)
        }
        return try await settle(analysis, of: item, article: article, suspicious: !suspicion.isEmpty, glossary: glossary)
    }

    private func translate(_ item: Item) async throws(StageFailure) -> Translation {
        let (desk, article) = try prerequisites(item, stage: .analysed)
        let glossary = try await glossary(for: article, stage: .analysed)
        do {
            return try await desk.translator.translate(article.blocks, glossary: glossary)
        } catch {
            throw StageFailure(stage: .analysed, error)
        }
    }

    private func prerequisites(_ item: Item, stage: Stage) throws(StageFailure) -> (EditorialDesk, Article) {
        guard let desk else { throw StageFailure(stage: stage, reason: "no LLM is configured", isTransient: true) }
        guard let article = item.article else {
            throw StageFailure(stage: stage, reason: "the extracted article is missing", isTransient: false)
        }
        return (desk, article)
    }
}
