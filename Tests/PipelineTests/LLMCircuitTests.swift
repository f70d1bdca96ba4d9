import Fetching
import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import Synchronization
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// The circuit breaker's rules on states and times handed to them, and the breaker on a real store.
@Suite struct LLMCircuitTests {
    static let logger = Logger(label: "circuit-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let policy = LLMPausePolicy(failuresBeforePause: 3, firstPause: 60, longestPause: 3600)
    /// No jitter, so that pauses are exact.
    static let rules = LLMCircuitRules(policy: policy, jitter: { 0 })

    func failures(_ count: Int, from state: LLMCircuitState = LLMCircuitState(), owner: String = "w1",
                  at now: Date = start) -> LLMCircuitState {
        (0..<count).reduce(state) { state, _ in Self.rules.afterTransientFailure(state, reason: "HTTP 500", owner: owner, now: now) }
    }

    @Test func failuresInARowPauseTheLLMStagesAtTheThreshold() {
        let almost = failures(2)
        #expect(!almost.isPaused)
        #expect(Self.rules.gate(almost, now: Self.start) == .open)

        let paused = failures(1, from: almost)
        #expect(paused.pausedSince == Self.start)
        #expect(paused.nextProbeAt == Self.start.addingTimeInterval(60))
        #expect(paused.lastError == "HTTP 500")
        #expect(Self.rules.gate(paused, now: Self.start.addingTimeInterval(59)) == .paused(until: Self.start.addingTimeInterval(60)))
        #expect(Self.rules.gate(paused, now: Self.start.addingTimeInterval(60)) == .probeDue)
    }

    @Test func anAnswerBetweenFailuresStartsTheCountAgain() {
        let answered = Self.rules.afterAnswer(failures(2), now: Self.start)
        #expect(answered.consecutiveFailures == 0)
        #expect(answered.lastSuccessAt == Self.start)
        #expect(Self.rules.gate(failures(2, from: answered), now: Self.start) == .open)
    }

    @Test func oneWorkerAtATimeProbesWhenThePauseEnds() throws {
        let due = Self.start.addingTimeInterval(60)
        let paused = failures(3)
        #expect(Self.rules.takeProbe(paused, owner: "w1", lease: 30, now: Self.start) == nil, "not before the pause ends")
        let probing = try #require(Self.rules.takeProbe(paused, owner: "w1", lease: 30, now: due))
        #expect(probing.probeOwner == "w1")
        #expect(Self.rules.takeProbe(probing, owner: "w2", lease: 30, now: due) == nil)
        #expect(Self.rules.gate(probing, now: due) == .paused(until: due.addingTimeInterval(30)))
        // A prober that died holds the probe only until its lease runs out.
        #expect(Self.rules.takeProbe(probing, owner: "w2", lease: 30, now: due.addingTimeInterval(30))?.probeOwner == "w2")
        // A probe that found nothing to do is handed back at once.
        #expect(Self.rules.takeProbe(Self.rules.releaseProbe(probing, owner: "w1"), owner: "w2", lease: 30, now: due) != nil)
    }

    @Test func eachFailedProbeDoublesThePauseUpToTheLongest() throws {
        var state = failures(3)
        var now = Self.start
        var pauses: [TimeInterval] = []
        for _ in 0..<8 {
            let probeAt = try #require(state.nextProbeAt)
            pauses.append(probeAt.timeIntervalSince(now))
            now = probeAt
            let probing = try #require(Self.rules.takeProbe(state, owner: "w1", lease: 30, now: now))
            state = Self.rules.afterTransientFailure(probing, reason: "HTTP 503", owner: "w1", now: now)
        }
        #expect(pauses == [60, 120, 240, 480, 960, 1920, 3600, 3600])
        #expect(state.pausedSince == Self.start, "the pause is one pause since it began")
        #expect(state.probeOwner == nil)
    }

    @Test func jitterOnlyShortensAPause() {
        #expect(Self.policy.pause(number: 1, jitter: 0) == 60)
        #expect(Self.policy.pause(number: 1, jitter: 1) == 60 * (1 - LLMPausePolicy.jitterFraction))
        #expect(Self.policy.pause(number: 30, jitter: 0) == 3600)
        #expect(Self.policy.pause(number: Int.max, jitter: 0.5) <= 3600)
        #expect(LLMPausePolicy().longestPause >= 3600, "the default backs off for hours")
    }

    @Test func failuresOfStepsUnderWayWhenThePauseBeganDoNotExtendIt() {
        let paused = failures(3)
        let late = Self.rules.afterTransientFailure(paused, reason: "timeout", owner: "w2", now: Self.start.addingTimeInterval(10))
        #expect(late.nextProbeAt == paused.nextProbeAt)
        #expect(late.pauses == 1)
    }

    @Test func theProbesAnswerClosesTheCircuit() throws {
        let due = Self.start.addingTimeInterval(60)
        let probing = try #require(Self.rules.takeProbe(failures(3), owner: "w1", lease: 30, now: due))
        let closed = Self.rules.afterAnswer(probing, now: due)
        #expect(!closed.isPaused)
        #expect(closed.probeOwner == nil)
        #expect(Self.rules.gate(closed, now: due) == .open)
        #expect(closed.pauses == 0, "the next outage starts from the first pause again")
    }

    @Test func aFailureCountsAgainstTheItemOnlyWhenTheProviderAnsweredOthersMeanwhile() {
        let since = Self.start
        #expect(!Self.rules.chargesItem(LLMCircuitState(), since: since))
        #expect(!Self.rules.chargesItem(LLMCircuitState(lastSuccessAt: since.addingTimeInterval(-1)), since: since))
        #expect(Self.rules.chargesItem(LLMCircuitState(lastSuccessAt: since.addingTimeInterval(1)), since: since))
    }

    @Test func anItemThatFailedBeforeIsChargedWhenOthersWereAnsweredSinceItsLastFailure() async throws {
        try await withTestStore { store in
            let breaker = LLMCircuitBreaker(store: store, rules: Self.rules, logger: Self.logger)
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
            _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source.id, guid: "1", url: "https://n.example/1",
                                                                 canonicalURL: "https://n.example/1", title: "Stubborn")],
                                                 now: Self.start)
            var item = try #require(try await store.claim(stages: [.discovered], owner: "w1", limit: 1, lease: 30, giveUp: WorkRules().claimLimit).first)
            let firstFailure = Self.start.addingTimeInterval(10)
            // Its first failure: nobody was answered during the step, so it is not the item's fault.
            #expect(try await !breaker.recordTransientFailure(of: item, reason: "HTTP 500", owner: "w1",
                                                              stepStartedAt: Self.start, now: firstFailure))
            #expect(try await store.deferItem(item.id, owner: "w1", reason: "HTTP 500", retryAfter: 0, now: firstFailure))
            // Others are answered; the item, tried again in a step that sees no answer, fails again: its own fault.
            try await breaker.recordAnswer(now: firstFailure.addingTimeInterval(5))
            item = try #require(try await store.claim(stages: [.discovered], owner: "w1", limit: 1, lease: 30, giveUp: WorkRules().claimLimit).first)
            #expect(try await breaker.recordTransientFailure(of: item, reason: "HTTP 500", owner: "w1",
                                                             stepStartedAt: firstFailure.addingTimeInterval(60),
                                                             now: firstFailure.addingTimeInterval(70)))
        }
    }

    // MARK: - The breaker on a real store

    @Test func whilePausedOnlyTheStagesWithoutTheLLMAreClaimedAndOneWorkerProbes() async throws {
        try await withTestStore { store in
            let breaker = LLMCircuitBreaker(store: store, rules: Self.rules, logger: Self.logger)
            let stages = Stage.workable
            let asked = Mutex<[[Stage]]>([])
            let claimNothing: @Sendable ([Stage]) async throws -> Item? = { stages in
                asked.withLock { $0.append(stages) }
                return nil
            }
            for _ in 0..<3 {
                _ = try await breaker.recordTransientFailure(reason: "HTTP 502", owner: "w1", since: Self.start, now: Self.start)
            }
            let stored = try await store.llmCircuit().state
            #expect(stored.pausedSince == Self.start)

            _ = try await breaker.claim(stages: stages, owner: "w1", lease: 30, now: Self.start.addingTimeInterval(1), claimNothing)
            #expect(asked.withLock { $0 } == [[.discovered, .fetched, .translated]])

            // The pause is over: the first worker takes the probe, finds no LLM item, and hands it back.
            asked.withLock { $0 = [] }
            let due = Self.start.addingTimeInterval(60)
            _ = try await breaker.claim(stages: stages, owner: "w1", lease: 30, now: due, claimNothing)
            #expect(asked.withLock { $0 } == [[.collected, .extracted, .analysed], [.discovered, .fetched, .translated]])
            #expect(try await store.llmCircuit().state.probeOwner == nil)
        }
    }

    @Test func aProbeHeldByOneWorkerKeepsTheOthersOffTheLLMStages() async throws {
        try await withTestStore { store in
            let breaker = LLMCircuitBreaker(store: store, rules: Self.rules, logger: Self.logger)
            for _ in 0..<3 {
                _ = try await breaker.recordTransientFailure(reason: "HTTP 502", owner: "w1", since: Self.start, now: Self.start)
            }
            let due = Self.start.addingTimeInterval(60)
            let probeItem = Item(id: 1, feedEntry: DiscoveredItem(sourceID: 1, guid: "g", url: "u", canonicalURL: "u", title: "t"),
                                 sourceName: "s", discoveredAt: Self.start, stage: .extracted)
            let first = try await breaker.claim(stages: Stage.workable, owner: "w1", lease: 30, now: due) { stages in
                stages.contains(.extracted) ? probeItem : nil
            }
            #expect(first?.id == probeItem.id)
            let asked = Mutex<[[Stage]]>([])
            _ = try await breaker.claim(stages: Stage.workable, owner: "w2", lease: 30, now: due) { stages in
                asked.withLock { $0.append(stages) }
                return nil
            }
            #expect(asked.withLock { $0 } == [[.discovered, .fetched, .translated]])

            // The probe fails: a pause twice as long; it answers: the circuit closes.
            _ = try await breaker.recordTransientFailure(reason: "HTTP 503", owner: "w1", since: due, now: due)
            #expect(try await store.llmCircuit().state.nextProbeAt == due.addingTimeInterval(120))
            try await breaker.recordAnswer(now: due.addingTimeInterval(121))
            let closed = try await store.llmCircuit().state
            #expect(!closed.isPaused)
            #expect(closed.consecutiveFailures == 0)
        }
    }

    // MARK: - The worker against a provider that is down

    @Test func aProviderThatIsDownPausesTheLLMStagesAndFailsNoItem() async throws {
        let paragraph = "<p>" + String(repeating: "A sentence about a new model and its training data. ", count: 8) + "</p>"
        let routes = FixtureRoutes()
        let llm = ScriptedLLMServer(script: Array(repeating: ScriptedLLMServer.failure(status: 500, retryAfter: 0), count: 100))
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { port in
                try await withTestHTTPServer(llm.handler) { llmPort in
                    let items = (1...3).map { "<item><title>Story \($0)</title><link>http://127.0.0.1:\(port)/story/\($0)</link></item>" }
                    routes.set("/feed.xml", .text("<rss version=\"2.0\"><channel><title>W</title>\(items.joined())</channel></rss>",
                                                  contentType: "application/rss+xml"))
                    for number in 1...3 {
                        routes.set("/story/\(number)", .text("<html><body><article><h1>Story \(number)</h1>\(paragraph)\(paragraph)</article></body></html>",
                                                             contentType: "text/html"))
                    }
                    let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                    let source = try await store.addSource(url: "http://127.0.0.1:\(port)/feed.xml", name: "Wire", kind: .feed)
                    _ = try await Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger).collect([source])
                    let client = ChatClient(configuration: LLMConfiguration(
                        baseURL: try #require(URL(string: "http://127.0.0.1:\(llmPort)/v1")), model: "m",
                        retryBaseDelay: .milliseconds(1)), logger: Self.logger)
                    let desk = EditorialDesk(triager: Triager(client: client, edition: .japanese),
                                             analyst: Analyst(client: client, edition: .japanese),
                                             translator: Translator(client: client, edition: .japanese))
                    let settings = WorkSettings(lease: 60, concurrency: 1,
                                                llmPause: LLMPausePolicy(failuresBeforePause: 2, firstPause: 3600))

                    _ = try await Worker(store: store, fetcher: fetcher, pool: testPool, desk: desk, settings: settings, logger: Self.logger)
                        .runUntilIdle()

                    // Fetching and extraction went on; the analysis paused after two failures in a row.
                    #expect(try await store.countsByStage() == [.extracted: 3])
                    let circuit = try await store.llmCircuit().state
                    #expect(circuit.isPaused)
                    #expect(circuit.consecutiveFailures == 2)
                    #expect(llm.received.count == 2 * LLMConfiguration.defaultMaximumAttempts, "no call after the pause began")
                    let failures = try await store.failures(limit: 10)
                    #expect(failures.count == 2)
                    #expect(failures.allSatisfy { $0.attempts == 0 && $0.stage == .extracted }, "\(failures)")

                    let report = try await StatusReport.gather(
                        from: store, settings: Settings.load(environment: ["KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:1/v1",
                                                                           "KAWARABAN_LLM_MODEL": "m"]))
                    let pause = try #require(report.llmPause)
                    #expect(pause.nextProbeAt != nil)
                    let text = report.text(edition: .japanese)
                    #expect(text.contains("PAUSED since"))
                    #expect(text.contains("next probe at"))
                }
            }
        }
    }
}
