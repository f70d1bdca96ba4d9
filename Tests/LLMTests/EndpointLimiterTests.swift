import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import LLM

/// The limiter's arithmetic at instants the test chooses, and its waiting without timing anything.
@Suite struct EndpointLimiterTests {
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }

    @Test func concurrencyAdmitsUpToItsSlotsAndASettledRequestFreesOne() {
        var budget = EndpointBudget(limits: EndpointLimits(concurrency: 2), now: at(0))
        #expect(budget.admit(estimatedTokens: 10, at: at(0)) == .admitted(chargedTokens: 10))
        #expect(budget.admit(estimatedTokens: 10, at: at(0)) == .admitted(chargedTokens: 10))
        #expect(budget.admit(estimatedTokens: 10, at: at(0)) == .waitForSlot)
        budget.settle(chargedTokens: 10, usedTokens: 12, at: at(1))
        #expect(budget.admit(estimatedTokens: 10, at: at(1)) == .admitted(chargedTokens: 10))
        #expect(budget.inFlight == 2)
    }

    @Test func requestsPerMinuteRefillContinuously() {
        var budget = EndpointBudget(limits: EndpointLimits(requestsPerMinute: 60), now: at(0))
        for _ in 0..<60 { #expect(budget.admit(estimatedTokens: 1, at: at(0)) == .admitted(chargedTokens: 1)) }
        #expect(budget.admit(estimatedTokens: 1, at: at(0)) == .waitUntil(at(1)))
        #expect(budget.admit(estimatedTokens: 1, at: at(0.5)) == .waitUntil(at(1)))
        #expect(budget.admit(estimatedTokens: 1, at: at(1)) == .admitted(chargedTokens: 1))
        #expect(budget.admit(estimatedTokens: 1, at: at(1)) == .waitUntil(at(2)))
    }

    @Test func tokensAreChargedInAdvanceAndCorrectedByTheRealUsage() {
        var budget = EndpointBudget(limits: EndpointLimits(tokensPerMinute: 6000), now: at(0))
        #expect(budget.admit(estimatedTokens: 4000, at: at(0)) == .admitted(chargedTokens: 4000))
        // 2000 left; 2000 more come at 100 a second.
        #expect(budget.admit(estimatedTokens: 4000, at: at(0)) == .waitUntil(at(20)))
        // It used 1000 of its 4000: 3000 come back.
        budget.settle(chargedTokens: 4000, usedTokens: 1000, at: at(0))
        #expect(budget.tokensAvailable == 5000)
        #expect(budget.admit(estimatedTokens: 4000, at: at(0)) == .admitted(chargedTokens: 4000))
        // It used 9000, not 4000: the bucket goes 4000 below zero, and 1000 tokens wait 50 s.
        budget.settle(chargedTokens: 4000, usedTokens: 9000, at: at(0))
        #expect(budget.tokensAvailable == -4000)
        #expect(budget.admit(estimatedTokens: 1000, at: at(0)) == .waitUntil(at(50)))
        #expect(budget.admit(estimatedTokens: 1000, at: at(50)) == .admitted(chargedTokens: 1000))
    }

    @Test func aFailedRequestKeepsItsEstimateAndARefundNeverExceedsAMinute() {
        var budget = EndpointBudget(limits: EndpointLimits(tokensPerMinute: 6000), now: at(0))
        #expect(budget.admit(estimatedTokens: 1000, at: at(0)) == .admitted(chargedTokens: 1000))
        budget.settle(chargedTokens: 1000, usedTokens: nil, at: at(0))
        #expect(budget.tokensAvailable == 5000)
        budget.settle(chargedTokens: 5000, usedTokens: 0, at: at(0))
        #expect(budget.tokensAvailable == 6000)
    }

    @Test func idleTimeStoresAtMostOneMinuteAndALargeRequestWaitsForAFullBucket() {
        var budget = EndpointBudget(limits: EndpointLimits(tokensPerMinute: 6000), now: at(0))
        #expect(budget.admit(estimatedTokens: 50_000, at: at(3600)) == .admitted(chargedTokens: 6000))
        #expect(budget.admit(estimatedTokens: 50_000, at: at(3600)) == .waitUntil(at(3660)))
        #expect(budget.admit(estimatedTokens: 1, at: at(3600)) == .waitUntil(at(3600.01)))
    }

    @Test func aRequestWaitingForARateHoldsNoSlot() {
        var budget = EndpointBudget(limits: EndpointLimits(concurrency: 1, requestsPerMinute: 1), now: at(0))
        #expect(budget.admit(estimatedTokens: 1, at: at(0)) == .admitted(chargedTokens: 1))
        #expect(budget.admit(estimatedTokens: 1, at: at(0)) == .waitForSlot)
        budget.settle(chargedTokens: 1, usedTokens: 1, at: at(0))
        #expect(budget.admit(estimatedTokens: 1, at: at(0)) == .waitUntil(at(60)))
        #expect(budget.inFlight == 0)
        #expect(budget.hasFreeSlot)
    }

    @Test func theEstimateCountsTheBodyAndTheCompletionBound() {
        #expect(EndpointLimiter.estimatedTokens(bodyBytes: 3000, maximumCompletionTokens: 200) == 1200)
        #expect(EndpointLimiter.estimatedTokens(bodyBytes: 3000, maximumCompletionTokens: nil)
                == 1000 + EndpointLimiter.unboundedCompletionEstimate)
    }

    @Test func aReleaseWakesARequestWaitingForTheSlot() async throws {
        let limiter = EndpointLimiter(limits: EndpointLimits(concurrency: 1))
        let first = try await limiter.acquire(estimatedTokens: 1)
        let second = Task { try await limiter.acquire(estimatedTokens: 1) }
        limiter.release(first, usedTokens: 1)
        let permit = try await second.value
        #expect(permit.chargedTokens == 1)
        limiter.release(permit, usedTokens: nil)
    }

    @Test func cancellingARequestWaitingForTheSlotEndsItsWait() async throws {
        let limiter = EndpointLimiter(limits: EndpointLimits(concurrency: 1))
        let held = try await limiter.acquire(estimatedTokens: 1)
        let waiting = Task { try await limiter.acquire(estimatedTokens: 1) }
        waiting.cancel()
        let outcome = await waiting.result
        guard case .failure(let error) = outcome else { Issue.record("the slot is held; \(outcome)"); return }
        #expect(error is CancellationError)
        limiter.release(held, usedTokens: 1)
    }

    /// Three calls at once through a client limited to one request in flight: the server never
    /// sees two at a time.
    @Test func aClientLimitedToOneRequestSendsOneAtATime() async throws {
        let inFlight = Mutex((now: 0, most: 0))
        let answers = ScriptedLLMServer.sensible()
        let handler: TestHandler = { request in
            inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            try? await Task.sleep(for: .milliseconds(50))
            inFlight.withLock { $0.now -= 1 }
            return await answers.handler(request)
        }
        try await withTestHTTPServer(handler) { port in
            let configuration = LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m")
            let client = ChatClient(routes: LLMRoutes(configuration, limits: EndpointLimits(concurrency: 1)),
                                    logger: Logger(label: "llm-tests", factory: { _ in SwiftLogNoOpLogHandler() }))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in [LLMTask.triage, .analysis, .digest] {
                    group.addTask { _ = try await client.complete(ChatRequest(task: task, messages: [.user("hi")])) }
                }
                try await group.waitForAll()
            }
            #expect(answers.received.count == 3)
            #expect(inFlight.withLock { $0.most } == 1)
        }
    }
}
