import Foundation
import KawarabanCore
import LLM
import Logging
import Store

/// The daily token budget: at most `dailyTokens` prompt and completion tokens a day, the day
/// running from midnight to midnight in the edition's time zone.
public struct TokenBudget: Sendable, Equatable {
    public var dailyTokens: Int
    public var timeZone: TimeZone

    public init(dailyTokens: Int, timeZone: TimeZone) {
        self.dailyTokens = dailyTokens
        self.timeZone = timeZone
    }

    /// The midnight that began the day holding `date`.
    public func dayStart(containing date: Date) -> Date {
        Calendar.gregorian(in: timeZone).startOfDay(for: date)
    }

    /// The first midnight after `date`, when a spent budget is new again.
    public func nextMidnight(after date: Date) -> Date {
        Calendar.gregorian(in: timeZone).date(byAdding: .day, value: 1, to: dayStart(containing: date))
            ?? date.addingTimeInterval(24 * 3600)
    }

    /// When LLM work may resume if `usedToday` tokens were spent by `now`; nil while it may go on.
    public func resumption(usedToday: Int, now: Date) -> Date? {
        usedToday >= dailyTokens ? nextMidnight(after: now) : nil
    }
}

/// The budget as `status` and `usage` show it.
public struct BudgetState: Sendable, Codable, Equatable {
    public var dailyTokens: Int
    public var usedToday: Int
    /// Set once the budget is reached: the midnight LLM work resumes at.
    public var resumesAt: Date?

    /// Today's state of `budget`; nil when no budget is set.
    public static func read(_ budget: TokenBudget?, from store: Store, now: Date) async throws -> BudgetState? {
        guard let budget else { return nil }
        let used = try await store.llmTokens(since: budget.dayStart(containing: now))
        return BudgetState(dailyTokens: budget.dailyTokens, usedToday: used,
                           resumesAt: budget.resumption(usedToday: used, now: now))
    }

    public func text(edition: Edition) -> String {
        let used = StatusReport.grouped(usedToday), limit = StatusReport.grouped(dailyTokens)
        guard let resumesAt else { return "LLM budget: \(used) of \(limit) tokens used today" }
        let time = StatusReport.clockText(resumesAt, edition: edition).split(separator: " ").dropFirst().joined(separator: " ")
        return "LLM budget of \(limit) tokens reached (\(used) used today); LLM work resumes at \(time)"
    }
}

/// The LLM client's ledger over the store: every call recorded in `llm_calls`, the budget read
/// from there (so every process counts against one budget), answers kept in `llm_cache`. A store
/// that fails here is logged and does not stop the call: losing a record or a cached answer costs
/// less than losing the work.
public struct StoreCallLedger: CallLedger {
    let store: Store
    let budget: TokenBudget?
    let logger: Logger

    public init(store: Store, budget: TokenBudget?, logger: Logger) {
        self.store = store
        self.budget = budget
        self.logger = logger
    }

    public func record(_ call: CallRecord) async {
        do {
            try await store.recordLLMCall(LLMCallRow(
                task: call.task.rawValue, model: call.model, itemID: call.itemID, promptTokens: call.usage.promptTokens,
                completionTokens: call.usage.completionTokens, durationSeconds: call.duration.timeInterval, outcome: call.outcome.storedValue,
                startedAt: call.startedAt))
        } catch {
            logger.error("LLM call not recorded", metadata: ["error": "\(error)", "tokens": "\(call.usage)"])
        }
    }

    public func budgetExhausted(at now: Date) async -> Date? {
        guard let budget else { return nil }
        do {
            return budget.resumption(usedToday: try await store.llmTokens(since: budget.dayStart(containing: now)), now: now)
        } catch {
            logger.error("the LLM budget could not be read; the call goes ahead", metadata: ["error": "\(error)"])
            return nil
        }
    }

    public func cachedAnswer(for key: AnswerKey) async -> String? {
        do {
            return try await store.cachedLLMAnswer(kind: key.kind, model: key.model, promptVersion: key.promptVersion,
                                                   contentHash: key.contentHash)
        } catch {
            logger.warning("LLM answer cache unreadable", metadata: ["error": "\(error)"])
            return nil
        }
    }

    public func storeAnswer(_ content: String, for key: AnswerKey) async {
        do {
            try await store.storeLLMAnswer(content, kind: key.kind, model: key.model, promptVersion: key.promptVersion,
                                           contentHash: key.contentHash, now: Date())
        } catch {
            logger.warning("LLM answer not cached", metadata: ["error": "\(error)"])
        }
    }
}

/// USD per million prompt and completion tokens, by model, from `KAWARABAN_LLM_PRICES`
/// (`gpt-4o-mini=0.15/0.60,claude-sonnet-4=3/15`).
public struct LLMPrices: Sendable, Equatable {
    public struct Price: Sendable, Equatable {
        public var input: Double
        public var output: Double
    }

    public var byModel: [String: Price]

    public init(byModel: [String: Price] = [:]) { self.byModel = byModel }

    /// The table, and one problem per entry that is not `model=input/output` with two
    /// non-negative numbers; the good entries are kept.
    public static func parse(_ text: String) -> (prices: LLMPrices, problems: [String]) {
        var prices = LLMPrices()
        var problems: [String] = []
        for rawEntry in text.split(separator: ",") {
            let entry = rawEntry.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let amounts = parts.count == 2 ? parts[1].split(separator: "/", omittingEmptySubsequences: false)
                .map { Double($0.trimmingCharacters(in: .whitespaces)) } : []
            guard parts.count == 2, !parts[0].isEmpty, amounts.count == 2,
                  let input = amounts[0], let output = amounts[1],
                  input.isFinite, output.isFinite, input >= 0, output >= 0
            else {
                problems.append("'\(entry)' is not model=input/output (USD per million tokens, e.g. gpt-4o-mini=0.15/0.60)")
                continue
            }
            guard prices.byModel[parts[0]] == nil else {
                problems.append("'\(entry)': \(parts[0]) is priced twice")
                continue
            }
            prices.byModel[parts[0]] = Price(input: input, output: output)
        }
        return (prices, problems)
    }

    /// The price of `model`: its own entry, else the longest entry it extends with a dated or
    /// versioned suffix (`gpt-4o-mini-2024-07-18` is priced as `gpt-4o-mini`), else nil.
    public func price(of model: String) -> Price? {
        if let exact = byModel[model] { return exact }
        return byModel.filter { model.hasPrefix($0.key + "-") }.max { $0.key.count < $1.key.count }?.value
    }

    /// USD for `promptTokens` and `completionTokens` of `model`; nil when the model has no price.
    public func cost(model: String, promptTokens: Int, completionTokens: Int) -> Double? {
        price(of: model).map { (Double(promptTokens) * $0.input + Double(completionTokens) * $0.output) / 1_000_000 }
    }
}
