import Foundation
import Synchronization
import Testing
import TestSupport

/// A hostile or broken model endpoint against the built executable: absurd Retry-After values,
/// answers that would publish an essay as a headline, answers nested deeper than any decoder
/// should follow. Each `work --until-idle` must end by itself, inside the budget, with the item
/// published or failed with a reason.
@Suite(.serialized) struct ModelAnswerTests {
    static let article = "<html><body><article><h1>A model</h1><p>"
        + String(repeating: "A sentence about a new model and its training data. ", count: 12) + "</p></article></body></html>"

    /// One feed of one article, collected into a fresh SQLite file; then `work --until-idle`
    /// measured against a model answering through `model`, and the status that followed.
    func measureWork(model: @escaping TestHandler) async throws -> (MeasuredRun, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let routes = FixtureRoutes()
        return try await withTestHTTPServer(routes.handler) { sitePort in
            try await withTestHTTPServer(model) { llmPort in
                routes.set("/feed.xml", .text("""
                    <rss version="2.0"><channel><title>Wire</title>
                    <item><title>One</title><link>http://127.0.0.1:\(sitePort)/one</link><guid>1</guid></item>
                    </channel></rss>
                    """, contentType: "application/rss+xml"))
                routes.set("/one", .text(Self.article, contentType: "text/html"))
                let kawaraban = KawarabanProcess(environment: [
                    "KAWARABAN_DATABASE": folder.appendingPathComponent("db.sqlite").path,
                    "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)",
                    "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(llmPort)/v1",
                    "KAWARABAN_LLM_MODEL": "scripted-model",
                ])
                // All AI: the hostile answers are for the analysis, not for a triage before it.
                try await kawaraban.succeed(["sources", "add", "--name", "Wire", "--topic", "ai", "http://127.0.0.1:\(sitePort)/feed.xml"])
                try await kawaraban.succeed(["collect"])
                let run = try await kawaraban.measure(["work", "--until-idle"])
                let status = try await kawaraban.succeed(["status"]).output
                return (run, status)
            }
        }
    }

    /// Each value once, on the first request; the model is sensible afterwards. None is a number
    /// of seconds the client accepts, so each means its own short backoff. (A huge but valid
    /// number of seconds is honoured up to the two-minute cap, which the unit tests check.)
    @Test(arguments: ["inf", "1e300", "-5", "nan", "-inf", "0x7fffffffffffffff", "Sun, 99 Foo 2026 99:99:99 GMT"])
    func anAbsurdRetryAfterNeitherTrapsNorStalls(value: String) async throws {
        let first = FirstThen(TestResponse(status: 429, headers: [("Content-Type", "application/json"), ("Retry-After", value)],
                                           body: Array(#"{"error":{"message":"slow down"}}"#.utf8)))
        let (run, status) = try await measureWork(model: first.handler)
        run.expectWithinBudget("Retry-After: \(value)")
        #expect(run.result.status == 0, "\(run.result.errors)")
        #expect(status.contains("published   1"), "\(status)")
    }

    /// A headline of a million characters, every time: refused by the length limit, asked again,
    /// and the item fails with the reason instead of publishing it.
    @Test func aMegabyteHeadlineIsRefusedNotPublished() async throws {
        let analysis = ScriptedLLMServer.analysisJSON.replacingOccurrences(
            of: "オープンモデルが推論ベンチマークで大型モデルを上回る", with: String(repeating: "長", count: 1_000_000))
        let (run, status) = try await measureWork(model: { _ in ScriptedLLMServer.completion(analysis) })
        run.expectWithinBudget("a 1 MB headline")
        #expect(status.contains("published   0"), "\(status)")
        #expect(status.contains("title is 1000000 characters long; write at most 100"), "\(status)")
    }

    /// An answer nested a million arrays deep, inside a body under the size limit.
    @Test func anAnswerNestedAMillionDeepFailsWithAReason() async throws {
        let nested = "{\"title\":" + String(repeating: "[", count: 1_000_000) + String(repeating: "]", count: 1_000_000) + "}"
        let (run, status) = try await measureWork(model: { _ in ScriptedLLMServer.completion(nested) })
        run.expectWithinBudget("a deeply nested answer")
        #expect(status.contains("failed      1"), "\(status)")
        #expect(status.contains("the JSON is not valid"), "\(status)")
    }
}

/// Answers `first` to the first request, and sensibly after it.
final class FirstThen: Sendable {
    private let pending: Mutex<TestResponse?>

    init(_ first: TestResponse) { pending = Mutex(first) }

    var handler: TestHandler {
        { request in
            self.pending.withLock { first in defer { first = nil }; return first } ?? ScriptedLLMServer.sensibleAnswer(to: request)
        }
    }
}
