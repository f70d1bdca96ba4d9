import Foundation
import KawarabanCore
import LLM
import Newsroom
import Store

/// What the system is doing, for `kawaraban status` and operators' scripts.
public struct StatusReport: Sendable, Codable {
    public struct SourceLine: Sendable, Codable {
        public var id: Int64
        public var name: String
        public var url: String
        public var kind: SourceKind
        /// `ai`: every item is about AI, so none is triaged.
        public var topic: SourceTopic?
        public var healthy: Bool
        public var lastFetchAt: Date?
        public var lastStatus: Int?
        public var itemsFound: Int
        public var itemsKept: Int
        public var newItems: Int
        public var lastError: String?
        public var nextFetchAt: Date?
        /// New items the source added in the quota's window (24 hours), and its daily quota.
        public var addedInQuotaWindow: Int
        public var dailyQuota: Int
    }

    /// The LLM stages' pause, while the circuit breaker holds them.
    public struct LLMPause: Sendable, Codable {
        public var pausedSince: Date
        public var nextProbeAt: Date?
        public var consecutiveFailures: Int
        public var lastError: String?
    }

    public var stages: [String: Int]
    public var awaitingAnalysis: Int
    public var llmConfigured: Bool
    public var llmMissingReason: String?
    public var llmPause: LLMPause?
    /// The model and API of each LLM task, in task order; empty without an LLM.
    public var llmRoutes: [LLMRouteLine] = []
    /// The daily token budget and today's use, when a budget is set.
    public var llmBudget: BudgetState?
    public var failures: [ItemFailure]
    /// Stories found to be one already stored and folded into it: not failures.
    public var merges: [MergedItem]
    public var sources: [SourceLine]
    /// Items whose text tries to steer the model; their scores were capped.
    public var suspicious: [SuspiciousLine] = []
    /// Items triage skipped since midnight in the edition's time zone, and the latest with their reasons.
    public var triageSkippedToday = 0
    public var triageSkips: [TriageSkip] = []
    public var triageMinimumWorth = WorkSettings.defaultTriageMinimumWorth
    /// Items whose analysis or translation was accepted with a flaw (a mixed register), and the latest.
    public var qualityNoted = 0
    public var qualityNotedLatest: [QualityNotedItem] = []
    /// Stories that gained an item in the last `storyMergeWindow`, so that a wrong merge is seen.
    public var storyMerges: [StorySummary] = []
    /// Digest slots that could not be written, the latest first.
    public var digestFailures: [DigestFailure] = []

    public static let failuresShown = 20
    public static let qualityNotedShown = 20
    public static let mergesShown = 20
    public static let suspiciousShown = 20
    public static let triageSkipsShown = 20
    public static let storyMergesShown = 20
    public static let storyMergeWindow: TimeInterval = 86_400
    public static let digestFailuresShown = 20

    public struct LLMRouteLine: Sendable, Codable {
        public var task: LLMTask
        public var provider: String
        public var model: String
        public var baseURL: String
    }

    public struct SuspiciousLine: Sendable, Codable {
        public var itemID: Int64
        public var title: String
        public var stage: Stage
        public var markedAt: Date
        public var evidence: [InjectionEvidence]
    }

    public static func gather(from store: Store, settings: Settings) async throws -> StatusReport {
        let counts = try await store.countsByStage()
        var stages: [String: Int] = [:]
        for stage in Stage.allCases { stages[stage.rawValue] = counts[stage] ?? 0 }
        let awaiting = settings.llm == nil ? Stage.needingLLM.reduce(0) { $0 + (counts[$1] ?? 0) } : 0
        let added = try await store.discoveredCounts(since: Date().addingTimeInterval(-CollectionSettings.quotaWindow))
        let sources = try await store.sources().map { source in
            SourceLine(id: source.id, name: source.name, url: source.url, kind: source.kind, topic: source.topic,
                       healthy: source.health.isHealthy,
                       lastFetchAt: source.health.lastFetchAt, lastStatus: source.health.lastStatus,
                       itemsFound: source.health.itemsFound, itemsKept: source.health.itemsKept,
                       newItems: source.health.newItems, lastError: source.health.lastError,
                       nextFetchAt: source.health.nextFetchAt, addedInQuotaWindow: added[source.id] ?? 0,
                       dailyQuota: settings.collection.dailyQuota)
        }
        let circuit = try await store.llmCircuit().state
        let pause = circuit.pausedSince.map {
            LLMPause(pausedSince: $0, nextProbeAt: circuit.nextProbeAt, consecutiveFailures: circuit.consecutiveFailures,
                     lastError: circuit.lastError)
        }
        let budget = try await BudgetState.read(settings.tokenBudget, from: store, now: Date())
        var report = StatusReport(
            stages: stages, awaitingAnalysis: awaiting, llmConfigured: settings.llm != nil,
            llmMissingReason: settings.llmMissingReason, llmPause: pause, llmBudget: budget,
            failures: try await store.failures(limit: failuresShown), merges: try await store.merges(limit: mergesShown),
            sources: sources)
        report.llmRoutes = settings.llm.map { routes in
            LLMTask.allCases.map { task in
                let configuration = routes.configuration(for: task)
                return LLMRouteLine(task: task, provider: configuration.provider.rawValue, model: configuration.model,
                                    baseURL: configuration.baseURL.absoluteString)
            }
        } ?? []
        report.suspicious = try await store.suspiciousItems(limit: suspiciousShown, evidence: [InjectionEvidence].self).map {
            SuspiciousLine(itemID: $0.itemID, title: $0.title, stage: $0.stage, markedAt: $0.markedAt, evidence: $0.evidence)
        }
        report.triageSkippedToday = try await store.triageSkippedCount(since: settings.edition.startOfDay(containing: Date()))
        report.triageSkips = try await store.triageSkips(limit: triageSkipsShown)
        report.triageMinimumWorth = settings.work.triageMinimumWorth
        (report.qualityNoted, report.qualityNotedLatest) = try await store.qualityNotedItems(limit: qualityNotedShown)
        report.storyMerges = try await store.storySummaries(changedSince: Date().addingTimeInterval(-storyMergeWindow),
                                                            limit: storyMergesShown, threadsToo: false)
        report.digestFailures = try await store.digestFailures(limit: digestFailuresShown)
        return report
    }

    public func json() throws -> String { try Self.json(self) }

    /// A report as operators' scripts read it: pretty, keys sorted, dates in ISO 8601.
    static func json(_ report: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    public func text(edition: Edition) -> String {
        var lines: [String] = []
        lines.append("Items by stage:")
        for stage in Stage.allCases {
            lines.append("  \(stage.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(stages[stage.rawValue] ?? 0)")
        }
        let clock = { (date: Date) in Self.clockText(date, edition: edition) }
        if let llmPause {
            let probe = llmPause.nextProbeAt.map { "next probe at \(clock($0))" } ?? "probing now"
            lines.append("LLM: PAUSED since \(clock(llmPause.pausedSince)), \(probe), after \(llmPause.consecutiveFailures) failures in a row; collection, fetching and extraction go on")
            if let error = llmPause.lastError { lines.append("  last failure: \(error)") }
        } else if llmConfigured {
            lines.append("LLM: configured")
        } else {
            lines.append("LLM: not configured; \(awaitingAnalysis) items awaiting analysis")
            if let llmMissingReason { lines.append("  \(llmMissingReason)") }
        }
        for route in llmRoutes {
            lines.append("  \(route.task.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(route.model) (\(route.provider), \(route.baseURL))")
        }
        if llmConfigured {
            lines.append("Triage: \(triageSkippedToday) items skipped today (not about AI, or worth under \(triageMinimumWorth) of 5)")
            for skip in triageSkips { lines.append("  #\(skip.itemID) \(skip.title)\n      \(skip.reason)") }
        }
        if let llmBudget { lines.append(llmBudget.text(edition: edition)) }
        lines.append("Sources:")
        if sources.isEmpty { lines.append("  none; add one with: kawaraban sources add URL") }
        for source in sources { lines.append("  " + Self.describe(source, edition: edition)) }
        if !failures.isEmpty {
            lines.append("Failures:")
            for failure in failures {
                lines.append("  #\(failure.itemID) [\(failure.stage.rawValue), \(failure.attempts) attempts] \(failure.title)")
                lines.append("      \(failure.reason)")
            }
        }
        if !merges.isEmpty {
            lines.append("Merged into a story already stored (\(stages[Stage.skipped.rawValue] ?? merges.count)):")
            for merge in merges {
                let target = merge.mergedInto.map { "→ #\($0)" } ?? "(\(merge.note))"
                lines.append("  #\(merge.itemID) \(merge.title) \(target)")
            }
        }
        if !storyMerges.isEmpty {
            lines.append("Stories merged in the last 24 h (undo a wrong one: kawaraban stories split ITEM):")
            lines += StoryListing.lines(storyMerges, clock: clock)
        }
        if !suspicious.isEmpty {
            lines.append("Suspicious (text aimed at the model; importance capped at \(Analyst.suspiciousScoreCap)):")
            for item in suspicious {
                lines.append("  #\(item.itemID) [\(item.stage.rawValue)] \(item.title)")
                for evidence in item.evidence { lines.append("      \(evidence)") }
            }
        }
        if qualityNoted > 0 {
            lines.append("Quality notes (accepted after one re-ask; see kawaraban items show ID): \(qualityNoted)")
            for item in qualityNotedLatest { lines.append("  #\(item.itemID) [\(item.stage.rawValue)] \(item.title)") }
        }
        if !digestFailures.isEmpty {
            lines.append("Digests not written (kawaraban digest KIND --date/--week writes one by hand):")
            for failure in digestFailures {
                let next = failure.nextAttemptAt.map { "retry at \(clock($0))" } ?? "failed for good"
                lines.append("  \(failure.slot) [\(failure.attempts) claims, \(next)]")
                lines.append("      \(failure.reason)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One line per source: kind, last fetch and its result, next fetch, in the edition's clock.
    public static func describe(_ source: SourceLine, edition: Edition) -> String {
        let clock = { (date: Date) in clockText(date, edition: edition) }
        let status = source.lastStatus.map { "HTTP \($0)" } ?? "no HTTP answer"
        let result: String
        if let error = source.lastError {
            result = "last: \(source.lastFetchAt.map(clock) ?? "-"), \(status); FAILING: \(error)"
        } else if let lastFetchAt = source.lastFetchAt {
            result = "last: \(clock(lastFetchAt)), \(status), \(grouped(source.itemsKept)) of \(grouped(source.itemsFound)) kept, "
                + "\(grouped(source.newItems)) new"
        } else {
            result = "never fetched"
        }
        let next = source.nextFetchAt.map(clock) ?? "at the next collection"
        let quota = "\(grouped(source.addedInQuotaWindow))/\(grouped(source.dailyQuota)) in 24 h"
        let kind = source.kind.rawValue + (source.topic.map { ", topic \($0.rawValue)" } ?? "")
        return "#\(source.id) \(source.name) [\(kind)] <\(source.url)> \(result); \(quota); next: \(next)"
    }

    /// 4000 as "4,000", the same whatever the machine's locale.
    static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (number < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    /// A time in the edition's clock and zone, as operators read it.
    static func clockText(_ date: Date, edition: Edition) -> String {
        "\(edition.displayDateTime(date)) \(zoneLabel(edition.timeZone, at: date))"
    }

    /// Foundation on Linux names Tokyo's zone "GMT+9"; operators in Japan read "JST".
    private static func zoneLabel(_ timeZone: TimeZone, at date: Date) -> String {
        if timeZone.identifier == Edition.japanese.timeZone.identifier { return "JST" }
        return timeZone.abbreviation(for: date) ?? timeZone.identifier
    }
}
