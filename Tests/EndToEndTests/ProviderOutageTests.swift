import Foundation
import Synchronization
import Testing
import TestSupport

/// The fault run: a provider that rate-limits with absurd Retry-After values, then fails with 500s
/// for a while, then recovers, under a running `kawaraban serve --role worker`.
///
/// The 3 minutes of 500s are scaled down with the pause settings: the first pause is 1 s
/// and the longest 4 s (instead of 60 s and 6 h), so 20 s of 500s span several failed probes and
/// pauses at their longest, as 3 minutes would with the defaults' first pauses. The margin is for
/// the client's own retries of each call on a machine the rest of the suite keeps busy.
@Suite(.serialized) struct ProviderOutageTests {
    static let rateLimitedFor: Duration = .seconds(3)
    static let failingFor: Duration = .seconds(20)
    /// Retry-After values a provider should never send; `inf` and `1e300` trapped the client before.
    static let absurdRetryAfter = ["inf", "1e300", "-5", "soon", "nan", "-0.5"]

    /// 429s, then 500s, then sensible answers, timed from the first request the server sees.
    final class FailingProvider: Sendable {
        let healthy = ScriptedLLMServer.sensible()
        private let firstRequest = Mutex<ContinuousClock.Instant?>(nil)
        private let faults = Mutex<[Int: Int]>([:])

        var faultCounts: [Int: Int] { faults.withLock { $0 } }

        var handler: TestHandler {
            { request in
                let now = ContinuousClock.now
                let elapsed = now - self.firstRequest.withLock { first in
                    if first == nil { first = now }
                    return first!
                }
                if elapsed < ProviderOutageTests.rateLimitedFor {
                    let count = self.faults.withLock { $0[429, default: 0] += 1; return $0[429]! }
                    let retryAfter = ProviderOutageTests.absurdRetryAfter[count % ProviderOutageTests.absurdRetryAfter.count]
                    var response = ScriptedLLMServer.failure(status: 429, message: "rate limited")
                    response.headers.append(("Retry-After", retryAfter))
                    return response
                }
                if elapsed < ProviderOutageTests.rateLimitedFor + ProviderOutageTests.failingFor {
                    self.faults.withLock { $0[500, default: 0] += 1 }
                    return ScriptedLLMServer.failure(status: 500, message: "internal error")
                }
                return await self.healthy.handler(request)
            }
        }
    }

    /// What `status --json` says about the pause.
    struct PauseJSON: Decodable {
        struct Pause: Decodable { var pausedSince: String; var nextProbeAt: String? }
        var stages: [String: Int]
        var llmPause: Pause?
    }

    @Test(arguments: Backend.available)
    func anOutageOfTheProviderPausesTheLLMStagesAndEveryItemIsPublishedAfterIt(backend: Backend) async throws {
        let database = try await TestDatabase.create(backend)
        let provider = FailingProvider()
        try await withTestHTTPServer(FixtureSite.handler) { sitePort in
            try await withTestHTTPServer(provider.handler) { llmPort in
                let kawaraban = KawarabanProcess(environment: [
                    "KAWARABAN_DATABASE": database.location,
                    "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)",
                    "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(llmPort)/v1",
                    "KAWARABAN_LLM_MODEL": "scripted-model",
                    "KAWARABAN_LLM_PAUSE_AFTER_FAILURES": "3",
                    "KAWARABAN_LLM_PAUSE_FIRST_SECONDS": "1",
                    "KAWARABAN_LLM_PAUSE_LONGEST_SECONDS": "4",
                ])
                // An all-AI source: no triage, so fetching and extraction have work to go on with while the LLM is paused.
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)",
                                             "--name", "Example AI Wire", "--skip-check", "--topic", "ai"])

                // act: the worker runs through the outage
                let server = try kawaraban.launch(["serve", "--role", "worker"])
                defer {
                    server.process.terminate()
                    server.process.waitUntilExit()
                    server.removeFiles()
                }
                var sawPause = false
                var extractedWhilePaused = 0
                var pausedText = ""
                var last = PauseJSON(stages: [:], llmPause: nil)
                let started = ContinuousClock.now
                while ContinuousClock.now - started < .seconds(120), server.process.isRunning {
                    let status = try await kawaraban.succeed(["status", "--json"])
                    last = try JSONDecoder().decode(PauseJSON.self, from: Data(status.output.utf8))
                    if last.llmPause != nil {
                        extractedWhilePaused = max(extractedWhilePaused, last.stages["extracted"] ?? 0)
                        if !sawPause { pausedText = try await kawaraban.succeed(["status"]).output }
                        sawPause = true
                    }
                    if last.stages["published"] == FixtureSite.articleCount { break }
                    try await Task.sleep(for: .milliseconds(250))
                }

                // check
                #expect(server.process.isRunning, "the worker died: \(server.errors)")
                #expect(provider.faultCounts[429, default: 0] > 0 && provider.faultCounts[500, default: 0] > 0,
                        "the outage was not reached: \(provider.faultCounts)")
                #expect(sawPause, "status never showed the pause")
                #expect(pausedText.contains("PAUSED since") && pausedText.contains("next probe at"), "\(pausedText)")
                #expect(extractedWhilePaused == FixtureSite.articleCount, "fetching and extraction went on during the pause")
                #expect(last.stages["published"] == FixtureSite.articleCount, "\(last.stages)\n\(server.errors)")
                #expect(last.stages["failed"] == 0)
                #expect(last.llmPause == nil, "the answer closed the circuit")
                let final = try await StatusJSON.read(kawaraban)
                #expect(final.failures.isEmpty, "\(final.failures.map(\.reason))")
            }
        }
        try await database.remove()
    }
}
