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

/// The worker's steps against a real store and a real scripted model server.
@Suite struct WorkerTests {
    static let logger = Logger(label: "worker-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Renewed every third of this, so a stolen lease is noticed quickly.
    static let shortLease: TimeInterval = 0.3
    /// Long enough that the step could only end by being stopped.
    static let modelHang: Duration = .seconds(20)

    /// A model server whose answers wait until the test lets them go (or `modelHang` passes),
    /// and which remembers whether it answered.
    final class HeldModel: Sendable {
        private let state = Mutex((requests: 0, released: false, answered: false))

        var requests: Int { state.withLock { $0.requests } }
        var answered: Bool { state.withLock { $0.answered } }
        func release() { state.withLock { $0.released = true } }

        var handler: TestHandler {
            { request in
                self.state.withLock { $0.requests += 1 }
                let started = ContinuousClock.now
                while !self.state.withLock({ $0.released }) && ContinuousClock.now - started < WorkerTests.modelHang {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                self.state.withLock { $0.answered = true }
                return ScriptedLLMServer.sensibleAnswer(to: request)
            }
        }
    }

    func desk(port: Int) -> EditorialDesk {
        let client = ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m"),
                                logger: Self.logger)
        return EditorialDesk(triager: Triager(client: client, edition: .japanese), analyst: Analyst(client: client, edition: .japanese),
                             translator: Translator(client: client, edition: .japanese))
    }

    /// One item waiting for analysis.
    func extractedItem(in store: Store) async throws -> Int64 {
        let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed)
        let entry = DiscoveredItem(sourceID: source.id, guid: "1", url: "https://a.example/1", canonicalURL: "https://a.example/1",
                                   title: "Open model tops benchmark")
        _ = try await store.insertDiscovered([entry], now: Date())
        let item = try #require(try await store.claim(stages: [.discovered], owner: "setup", limit: 1, lease: 60,
                                                      giveUp: WorkRules().claimLimit).first)
        let article = Article(title: entry.title, blocks: [.paragraph([.text("A small open model tops a reasoning benchmark.")])])
        #expect(try await store.advance(item.id, owner: "setup", to: .extracted, with: ItemUpdate(article: article), now: Date()))
        return item.id
    }

    /// A worker whose lease was taken over stops paying for the model call at once and writes
    /// nothing, rather than finishing a step whose result would be refused.
    @Test func aWorkerThatLosesItsLeaseStopsTheStepAndWritesNothing() async throws {
        let model = HeldModel()
        try await withTestStore { store in
            let itemID = try await extractedItem(in: store)
            try await withTestHTTPServer(model.handler) { port in
                let worker = Worker(store: store, fetcher: Fetcher(policy: FetchPolicy()), pool: testPool, desk: desk(port: port),
                                    settings: WorkSettings(lease: Self.shortLease, concurrency: 1), owner: "worker", logger: Self.logger)
                async let step = worker.stepOne()
                while model.requests == 0 { try await Task.sleep(for: .milliseconds(10)) }
                try await store.database.raw("UPDATE items SET lease_owner = 'another worker' WHERE id = \(bind: itemID)").run()

                let result = try await step
                let answeredBeforeTheStepEnded = model.answered
                model.release()

                guard case .lostLease = try #require(result) else {
                    Issue.record("expected the lease to be lost, got \(String(describing: result))")
                    return
                }
                #expect(!answeredBeforeTheStepEnded, "the step ran on until the model answered")
                #expect(model.requests == 1)
                let item = try #require(try await store.item(id: itemID))
                #expect(item.stage == .extracted)
                #expect(item.analysis == nil)
            }
        }
    }

    /// Every stamp the worker writes comes from the rules' clock, not the host's.
    @Test func publishingIsStampedByTheInjectedClock() async throws {
        let moment = Date(timeIntervalSince1970: 1_790_000_000)
        let llm = ScriptedLLMServer.sensible()
        try await withTestStore { store in
            let itemID = try await extractedItem(in: store)
            try await withTestHTTPServer(llm.handler) { port in
                let worker = Worker(store: store, fetcher: Fetcher(policy: FetchPolicy()), pool: testPool, desk: desk(port: port),
                                    settings: WorkSettings(lease: 60, concurrency: 1), rules: WorkRules(clock: { moment }),
                                    logger: Self.logger)
                let summary = try await worker.runUntilIdle()
                #expect(summary.published == 1)
                let item = try #require(try await store.item(id: itemID))
                #expect(item.stage == .published)
                #expect(item.publishedAt == moment)
            }
        }
    }
}
