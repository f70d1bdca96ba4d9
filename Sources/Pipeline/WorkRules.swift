import Foundation
import KawarabanCore
import LLM
import Newsroom
import Store

/// Why a stage did not complete, and whether trying again later could help.
public struct StageFailure: Error, Sendable, CustomStringConvertible {
    public var stage: Stage
    public var reason: String
    public var isTransient: Bool
    /// Set when the step was refused by the daily token budget: when LLM work may resume.
    public var budgetResumesAt: Date?

    public init(stage: Stage, reason: String, isTransient: Bool, budgetResumesAt: Date? = nil) {
        self.stage = stage
        self.reason = reason
        self.isTransient = isTransient
        self.budgetResumesAt = budgetResumesAt
    }

    /// An LLM stage's failure, with the budget's resumption when that is the cause.
    init(stage: Stage, _ error: NewsroomError) {
        var resumesAt: Date?
        if case .llm(.budgetExhausted(let until)) = error { resumesAt = until }
        self.init(stage: stage, reason: error.description, isTransient: error.isTransient, budgetResumesAt: resumesAt)
    }

    public var description: String { "\(stage.rawValue): \(reason)" }

    static func alreadyFinal(_ stage: Stage) -> StageFailure {
        StageFailure(stage: stage, reason: "the item is already final", isTransient: false)
    }
}

/// The queue's decisions, kept apart from the work so that they can be checked without a
/// database, a server or a process: which stages a worker takes, where an item goes next, how
/// long a transient failure waits, when an item is given up, and what may be published. The
/// clock and the randomness are injected, so that tests fix both.
public struct WorkRules: Sendable {
    /// Failures a transient cause may bring before the item fails for good.
    public static let maximumAttempts = 3
    /// Claims without a write-back before the item is given up: a worker that takes it dies.
    public static let maximumClaims = 3
    /// First retry after a transient failure; doubled each attempt up to `maximumRetryDelay`.
    public static let retryBaseDelay: TimeInterval = 60
    public static let maximumRetryDelay: TimeInterval = 6 * 60 * 60
    /// A retry waits between half and all of its delay, so that items that failed together (an
    /// outage) do not all come back at the same moment.
    public static let jitter: ClosedRange<Double> = 0.5...1

    private let clock: @Sendable () -> Date
    /// A number in 0...1.
    private let random: @Sendable () -> Double

    public init(clock: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) {
        self.clock = clock
        self.random = random
    }

    /// The time work is stamped with (updated, published). Leases use the database's clock instead.
    public var now: Date { clock() }

    /// Stages a worker can move forward: without an LLM, items stop at `extracted`.
    public func stages(llmConfigured: Bool) -> [Stage] {
        llmConfigured ? Stage.workable : Stage.workable.filter { !Stage.needingLLM.contains($0) }
    }

    /// Where an item goes when the work of its stage is done. Final stages go nowhere.
    public func stage(after stage: Stage) throws(StageFailure) -> Stage {
        switch stage {
        case .collected: return .discovered
        case .discovered: return .fetched
        case .fetched: return .extracted
        case .extracted: return .analysed
        case .analysed: return .translated
        case .translated: return .published
        case .published, .unpublished, .failed, .skipped: throw .alreadyFinal(stage)
        }
    }

    /// The stage a new item enters: triage first when there is a model to ask, unless its source
    /// carries nothing but AI news; otherwise straight to fetching.
    public static func entryStage(triaging: Bool, topic: SourceTopic?) -> Stage {
        triaging && topic != .ai ? .collected : .discovered
    }

    /// Where triage sends an item.
    public enum TriageOutcome: Sendable, Equatable {
        /// On to fetching.
        case proceed
        /// Skipped for good, with the reason shown to operators.
        case skip(reason: String)
    }

    /// An item goes on only when it is about AI and its worth reaches `minimumWorth`.
    public func outcome(of verdict: TriageVerdict, minimumWorth: Int) -> TriageOutcome {
        guard verdict.aboutAI else { return .skip(reason: "triage: not about AI: \(verdict.reason)") }
        guard verdict.worth >= minimumWorth else {
            return .skip(reason: "triage: worth \(verdict.worth) of 5, under the bar of \(minimumWorth): \(verdict.reason)")
        }
        return .proceed
    }

    /// What a failed step leads to.
    public enum FailureDecision: Sendable, Equatable {
        case retry(after: TimeInterval)
        case fail

        /// Seconds the item waits before its next attempt; nil when there is none.
        public var retryAfter: TimeInterval? {
            switch self {
            case .retry(let delay): return delay
            case .fail: return nil
            }
        }
    }

    /// A transient failure is retried after a growing delay until the item has failed
    /// `maximumAttempts` times; anything else fails the item at once.
    public func decide(_ failure: StageFailure, earlierAttempts: Int) -> FailureDecision {
        let attempts = earlierAttempts + 1
        guard failure.isTransient, attempts < Self.maximumAttempts else { return .fail }
        return .retry(after: retryDelay(afterAttempt: attempts))
    }

    /// Exponential in the attempt, capped, with jitter.
    public func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        // Capped before the power is taken, so that no attempt count overflows.
        let doublings = Double(min(max(attempt - 1, 0), 32))
        let delay = min(Self.retryBaseDelay * pow(2, doublings), Self.maximumRetryDelay)
        let fraction = min(max(random(), 0), 1)
        return delay * (Self.jitter.lowerBound + (Self.jitter.upperBound - Self.jitter.lowerBound) * fraction)
    }

    /// When the queue gives up on an item that keeps bringing down its workers.
    public var claimLimit: ClaimLimit {
        ClaimLimit(claims: Self.maximumClaims, reason: "abandoned by \(Self.maximumClaims) workers")
    }

    /// The last guard before readers see the item: everything present, no masking mark left.
    public func checkPublishable(_ item: Item) throws(StageFailure) {
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
