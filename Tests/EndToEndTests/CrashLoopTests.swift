import Foundation
import Synchronization
import Testing
import TestSupport

/// An item that brings down every worker that takes it (a crash, the out-of-memory killer) is
/// given up after three claims, and everything else is still published.
@Suite(.serialized) struct CrashLoopTests {
    static let goodStories = 4
    static let poisonPath = "/news/crash-loop.html"
    /// The shortest lease the settings accept, so each dead worker's hold runs out quickly.
    static let leaseSeconds = 1
    /// Far longer than the test: the worker asking for the poisoned page waits until it is killed.
    static let pageHang: Duration = .seconds(60)

    /// The fixture site with a feed of good stories and one whose page never finishes loading,
    /// counting the requests for that page.
    final class PoisonedSite: Sendable {
        private let state = Mutex((poisonRequests: 0, closed: false))

        var poisonRequests: Int { state.withLock { $0.poisonRequests } }
        /// Lets hanging requests end, so that the server can stop.
        func close() { state.withLock { $0.closed = true } }

        var handler: TestHandler {
            { request in
                let base = "http://\(request.header("Host") ?? "127.0.0.1")"
                switch request.path {
                case "/crash.xml":
                    let good = (1...CrashLoopTests.goodStories).map { number in
                        "<item><title>Story \(number) about open models</title>"
                            + "<link>\(base)/news/open-model-reasoning.html?story=\(number)</link><guid>story-\(number)</guid></item>"
                    }
                    let poison = "<item><title>The AI model page that kills workers</title><link>\(base)\(CrashLoopTests.poisonPath)</link>"
                        + "<guid>poison</guid></item>"
                    return .text("<rss version=\"2.0\"><channel><title>Crash</title><link>\(base)/</link>"
                                 + good.joined() + poison + "</channel></rss>", contentType: "application/rss+xml")
                case CrashLoopTests.poisonPath:
                    self.state.withLock { $0.poisonRequests += 1 }
                    let started = ContinuousClock.now
                    while !self.state.withLock({ $0.closed }) && ContinuousClock.now - started < CrashLoopTests.pageHang {
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                    return .notFound()
                default:
                    return await FixtureSite.handler(request)
                }
            }
        }
    }

    @Test(arguments: Backend.available)
    func aWorkerKilledEachTimeItHoldsTheSameItemEndsWithThatItemFailed(backend: Backend) async throws {
        let database = try await TestDatabase.create(backend)
        let site = PoisonedSite()
        let llm = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(site.handler) { sitePort in
            try await withTestHTTPServer(llm.handler) { llmPort in
                let kawaraban = KawarabanProcess.pipeline(database: database, sitePort: sitePort, llmPort: llmPort, [
                    "KAWARABAN_WORK_LEASE_SECONDS": "\(Self.leaseSeconds)",
                    // One item at a time: when the worker dies it holds the poisoned item only.
                    "KAWARABAN_WORK_CONCURRENCY": "1",
                ])
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)/crash.xml"])
                try await kawaraban.succeed(["collect"])

                // act: run workers until one finishes by itself, killing each the moment it asks for the poisoned page
                var kills = 0
                var finished: KawarabanProcess.Launched?
                let started = ContinuousClock.now
                while finished == nil && kills <= 5 && ContinuousClock.now - started < .seconds(90) {
                    let worker = try kawaraban.launch(["work", "--until-idle"])
                    while worker.process.isRunning && site.poisonRequests == kills {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    if site.poisonRequests > kills {
                        kill(worker.process.processIdentifier, SIGKILL)
                        try await worker.exit(within: .seconds(10))
                        #expect(worker.process.terminationReason == .uncaughtSignal)
                        kills += 1
                        worker.removeFiles()
                    } else {
                        finished = worker
                    }
                }
                site.close()

                // check
                let last = try #require(finished, "no worker finished after \(kills) kills")
                defer { last.removeFiles() }
                #expect(last.process.terminationStatus == 0, "\(last.errors)")
                #expect(kills == 3)
                #expect(site.poisonRequests == 3)
                let status = try await StatusJSON.read(kawaraban)
                #expect(status.stages["published"] == Self.goodStories, "\(status)")
                #expect(status.stages["failed"] == 1, "\(status)")
                #expect(status.failures.map(\.reason) == ["abandoned by 3 workers"], "\(status)")
            }
        }
        try await database.remove()
    }
}
