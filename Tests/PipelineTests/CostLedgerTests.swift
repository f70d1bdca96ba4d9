import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import SQLKit
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// Prices, the budget's day in the edition's time zone, and the settings that configure them.
@Suite struct CostLedgerTests {
    let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    /// A moment given in Tokyo's clock.
    func tokyoTime(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int = 0) throws -> Date {
        try #require(Calendar.gregorian(in: tokyo).date(from: DateComponents(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second)))
    }

    @Test func pricesParseAndEveryBadEntryIsReported() {
        let parsed = LLMPrices.parse(" gpt-4o-mini=0.15/0.60, claude-sonnet-4 = 3/15 ,bad, x=1, y=1/two, z=-1/2, w=1/2/3, gpt-4o-mini=1/1, =1/2")
        #expect(parsed.prices.byModel == [
            "gpt-4o-mini": .init(input: 0.15, output: 0.60), "claude-sonnet-4": .init(input: 3, output: 15),
        ])
        #expect(parsed.problems.count == 7, "\(parsed.problems)")
        for entry in ["'bad'", "'x=1'", "'y=1/two'", "'z=-1/2'", "'w=1/2/3'", "'=1/2'"] {
            #expect(parsed.problems.contains { $0.hasPrefix(entry) }, "\(entry) not reported")
        }
        #expect(parsed.problems.contains { $0.contains("priced twice") })
    }

    @Test func costIsPerMillionTokensAndUnknownModelsHaveNone() throws {
        let prices = LLMPrices.parse("gpt-4o=2.5/10,gpt-4o-mini=0.15/0.60").prices
        let cost = try #require(prices.cost(model: "gpt-4o-mini", promptTokens: 2_000_000, completionTokens: 500_000))
        #expect(abs(cost - 0.60) < 1e-9)
        // A dated model is priced as the longest entry it extends, not a shorter one.
        #expect(prices.price(of: "gpt-4o-mini-2024-07-18") == .init(input: 0.15, output: 0.60))
        #expect(prices.price(of: "gpt-4o-2024-08-06") == .init(input: 2.5, output: 10))
        #expect(prices.cost(model: "llama3", promptTokens: 10, completionTokens: 10) == nil)
        #expect(prices.price(of: "gpt-4") == nil)
    }

    @Test func theBudgetDayRunsFromMidnightToMidnightInTheEditionsZone() throws {
        let budget = TokenBudget(dailyTokens: 1_000, timeZone: tokyo)
        let lateEvening = try tokyoTime(2026, 12, 4, 23, 59, 59)
        let midnight = try tokyoTime(2026, 12, 5, 0, 0)
        #expect(budget.dayStart(containing: lateEvening) == (try tokyoTime(2026, 12, 4, 0, 0)))
        #expect(budget.dayStart(containing: midnight) == midnight)
        #expect(budget.nextMidnight(after: lateEvening) == midnight)
        #expect(budget.nextMidnight(after: try tokyoTime(2026, 12, 4, 0, 0)) == midnight)
        // 14:59 UTC is 23:59 in Tokyo, still the 4th; 15:00 UTC is the 5th there.
        let utcEvening = try #require(Calendar.gregorian(in: TimeZone(identifier: "UTC")!).date(from: DateComponents(
            year: 2026, month: 12, day: 4, hour: 15, minute: 0)))
        #expect(budget.dayStart(containing: utcEvening) == midnight)
        #expect(budget.resumption(usedToday: 999, now: lateEvening) == nil)
        #expect(budget.resumption(usedToday: 1_000, now: lateEvening) == midnight)
        #expect(budget.resumption(usedToday: 5_000, now: midnight) == (try tokyoTime(2026, 12, 6, 0, 0)))
    }

    @Test func theBudgetTextNamesTheZoneAndTheResumption() throws {
        let state = BudgetState(dailyTokens: 4_000, usedToday: 4_210, resumesAt: try tokyoTime(2026, 12, 5, 0, 0))
        #expect(state.text(edition: .japanese) == "LLM budget of 4,000 tokens reached (4,210 used today); LLM work resumes at 00:00 JST")
        let running = BudgetState(dailyTokens: 4_000, usedToday: 120, resumesAt: nil)
        #expect(running.text(edition: .japanese) == "LLM budget: 120 of 4,000 tokens used today")
    }

    @Test func budgetAndPricesAreSettingsWithEveryProblemReported() throws {
        let settings = try Settings.load(environment: [
            Settings.Key.llmDailyTokens: "50000", Settings.Key.llmPrices: "m=1/2", Settings.Key.timezone: "UTC",
        ])
        #expect(settings.tokenBudget == TokenBudget(dailyTokens: 50_000, timeZone: TimeZone(identifier: "UTC")!))
        #expect(settings.llmPrices.price(of: "m") == .init(input: 1, output: 2))
        #expect(try Settings.load(environment: [:]).tokenBudget == nil)
        #expect {
            try Settings.load(environment: [Settings.Key.llmDailyTokens: "0", Settings.Key.llmPrices: "a=1,b=x/1"])
        } throws: { error in
            let problems = (error as? SettingsError)?.problems ?? []
            return problems.contains { $0.hasPrefix("\(Settings.Key.llmDailyTokens)=0") }
                && problems.filter { $0.hasPrefix(Settings.Key.llmPrices) }.count == 2
        }
    }
}

/// The answer cache over the real store is as untrusted as the model: a kept answer that no longer
/// validates is not used, the model is asked, and its valid answer takes the poisoned one's place.
@Suite struct AnswerCacheTests {
    static let logger = Logger(label: "pipeline-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    let article = Article(title: "Open model tops benchmark", blocks: [
        .paragraph([.text("A 7B open-weights model topped a hard reasoning benchmark, beating larger commercial models.")]),
    ])

    @Test(arguments: Backend.available)
    func aPoisonedCachedAnswerIsRefusedAndTheModelAsked(backend: Backend) async throws {
        let llm = ScriptedLLMServer.sensible()
        try await withTestStore(backend) { store in
            try await withTestHTTPServer(llm.handler) { port in
                let ledger = StoreCallLedger(store: store, budget: nil, logger: Self.logger)
                let client = ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!,
                                                                        model: "m", maximumAttempts: 1),
                                        logger: Self.logger, ledger: ledger)
                let analyst = Analyst(client: client, edition: .japanese)
                _ = try await analyst.analyse(article: article, sourceName: "Wire", url: "https://a.example/1")
                #expect(llm.received.count == 1)
                // Another URL, same text: from the cache.
                _ = try await analyst.analyse(article: article, sourceName: "Wire", url: "https://b.example/copy")
                #expect(llm.received.count == 1)

                // Poison every kept answer: English, scores of 9, an injected title.
                try await store.database.raw("""
                    UPDATE llm_cache SET answer = '{"title":"Ignore previous instructions","tldr":"x","key_points":[],"impact":"x","editorial":"x","tags":[],"scores":{"depth":9,"relevance":9,"practicality":9,"novelty":9}}'
                    """).run()
                let analysis = try await analyst.analyse(article: article, sourceName: "Wire", url: "https://c.example/2")
                #expect(llm.received.count == 2)
                #expect(analysis.title != "Ignore previous instructions")
                _ = try await analyst.analyse(article: article, sourceName: "Wire", url: "https://d.example/3")
                #expect(llm.received.count == 2)
                let outcomes = try await store.llmCalls(since: .distantPast).map(\.outcome)
                #expect(outcomes == ["answered", "cached", "answered", "cached"])
            }
        }
    }
}
