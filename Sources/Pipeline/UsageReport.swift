import Foundation
import KawarabanCore
import LLM
import Store

/// Tokens, calls and cost per day (in the edition's time zone), task and model, for `kawaraban usage`.
public struct UsageReport: Sendable, Codable {
    public static let defaultDays = 7

    public struct Line: Sendable, Codable, Equatable {
        public var day: String
        public var task: String
        public var model: String
        /// HTTP attempts, answered or not.
        public var calls: Int
        /// Answers taken from the cache instead of a call.
        public var cached: Int
        public var promptTokens: Int
        public var completionTokens: Int
        /// USD; nil when the model has no price in `KAWARABAN_LLM_PRICES`.
        public var cost: Double?

        public var tokens: Int { promptTokens + completionTokens }

        /// Counts `call`; `cost` is nil when its model has no price, which leaves this line's cost unknown.
        mutating func add(_ call: LLMCallRow, cost: Double?) {
            if call.outcome == CallOutcome.cached.storedValue { cached += 1 } else { calls += 1 }
            promptTokens += call.promptTokens
            completionTokens += call.completionTokens
            if let sum = self.cost, let cost { self.cost = sum + cost }
        }
    }

    public var days: Int
    public var lines: [Line]
    public var total: Line
    /// Tokens of calls to models without a price, left out of the total cost.
    public var unpricedTokens: Int
    public var budget: BudgetState?

    public static func gather(from store: Store, settings: Settings, days: Int, now: Date) async throws -> UsageReport {
        let calendar = Calendar.gregorian(in: settings.edition.timeZone)
        let firstDay = calendar.date(byAdding: .day, value: -(days - 1), to: calendar.startOfDay(for: now)) ?? now
        var lines: [Line] = []
        var positions: [String: Int] = [:]
        var total = Line(day: "", task: "", model: "", calls: 0, cached: 0, promptTokens: 0, completionTokens: 0, cost: 0)
        var unpricedTokens = 0
        for call in try await store.llmCalls(since: firstDay) {
            let day = dayText(call.startedAt, timeZone: settings.edition.timeZone)
            let key = [day, call.task, call.model].joined(separator: "\u{0}")
            let position: Int
            if let known = positions[key] {
                position = known
            } else {
                position = lines.count
                positions[key] = position
                lines.append(Line(day: day, task: call.task, model: call.model, calls: 0, cached: 0, promptTokens: 0,
                                  completionTokens: 0, cost: settings.llmPrices.price(of: call.model) == nil ? nil : 0))
            }
            let cost = settings.llmPrices.cost(model: call.model, promptTokens: call.promptTokens,
                                               completionTokens: call.completionTokens)
            lines[position].add(call, cost: cost)
            total.add(call, cost: cost)
            if cost == nil { unpricedTokens += call.tokens }
        }
        let budget = try await BudgetState.read(settings.tokenBudget, from: store, now: now)
        return UsageReport(days: days, lines: lines, total: total, unpricedTokens: unpricedTokens, budget: budget)
    }

    /// "2026-12-04" in `timeZone`.
    static func dayText(_ date: Date, timeZone: TimeZone) -> String {
        let parts = Calendar.gregorian(in: timeZone).dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    public func json() throws -> String { try StatusReport.json(self) }

    public func text(edition: Edition) -> String {
        var rows = [["day", "task", "model", "calls", "cached", "prompt", "completion", "tokens", "cost (USD)"]]
        for line in lines + [total] {
            rows.append([line.day.isEmpty ? "total" : line.day, line.task, line.model, StatusReport.grouped(line.calls),
                         StatusReport.grouped(line.cached), StatusReport.grouped(line.promptTokens),
                         StatusReport.grouped(line.completionTokens), StatusReport.grouped(line.tokens),
                         line.cost.map { String(format: "%.4f", $0) } ?? "—"])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var text = ["LLM usage over the last \(days) days (days in \(edition.timeZone.identifier)):"]
        if lines.isEmpty { text.append("  no calls") }
        for row in rows where !lines.isEmpty {
            text.append("  " + zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        if unpricedTokens > 0 {
            text.append("  \(StatusReport.grouped(unpricedTokens)) tokens are of models without a price in KAWARABAN_LLM_PRICES; the cost leaves them out")
        }
        text.append(budget?.text(edition: edition) ?? "LLM budget: none (KAWARABAN_LLM_DAILY_TOKENS is not set)")
        return text.joined(separator: "\n")
    }
}
