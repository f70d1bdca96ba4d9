import Foundation
import Testing
import TestSupport

/// A worker killed with SIGKILL in the middle of a batch loses nothing: after a restart every
/// item is published, exactly once.
@Suite(.serialized) struct KillAndRestartTests {
    static let itemCount = 12
    /// Short, so the restarted worker takes over the dead worker's items quickly.
    static let leaseSeconds = 2

    /// A feed of `itemCount` stories, all on the fixture article page under distinct URLs.
    static let manyStories: TestHandler = { request in
        let base = "http://\(request.header("Host") ?? "127.0.0.1")"
        if request.path == "/many.xml" {
            let items = (1...itemCount).map { number in
                """
                <item><title>Story \(number) about open models</title>
                <link>\(base)/news/open-model-reasoning.html?story=\(number)</link>
                <guid>story-\(number)</guid><pubDate>Mon, 23 Nov 2026 \(10 + number % 10):00:00 GMT</pubDate></item>
                """
            }
            return .text("<rss version=\"2.0\"><channel><title>Many</title><link>\(base)/</link>\(items.joined())</channel></rss>",
                         contentType: "application/rss+xml")
        }
        return await FixtureSite.handler(request)
    }

    @Test(arguments: Backend.available)
    func killedWorkerResumesAndPublishesEachItemOnce(backend: Backend) async throws {
        let database = try await TestDatabase.create(backend)
        // Slow answers keep the batch in flight long enough to kill it in the middle.
        let llm = ScriptedLLMServer.sensible(delay: .milliseconds(250))
        try await withTestHTTPServer(Self.manyStories) { sitePort in
            try await withTestHTTPServer(llm.handler) { llmPort in
                let kawaraban = KawarabanProcess.pipeline(database: database, sitePort: sitePort, llmPort: llmPort,
                                                          ["KAWARABAN_WORK_LEASE_SECONDS": "\(Self.leaseSeconds)"])
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)/many.xml"])
                try await kawaraban.succeed(["collect"])

                // act: start a worker, kill it once some but not all items are published
                let launched = try kawaraban.launch(["work", "--until-idle"])
                defer { launched.removeFiles() }
                let worker = launched.process
                var before = try await StatusJSON.read(kawaraban)
                let started = ContinuousClock.now
                while (before.stages["published"] ?? 0) < 2 && ContinuousClock.now - started < .seconds(60) {
                    try await Task.sleep(for: .milliseconds(100))
                    before = try await StatusJSON.read(kawaraban)
                }
                kill(worker.processIdentifier, SIGKILL)
                try await launched.exit(within: .seconds(10))
                before = try await StatusJSON.read(kawaraban)
                let publishedAtKill = before.stages["published"] ?? 0
                #expect(worker.terminationReason == .uncaughtSignal)
                #expect(publishedAtKill >= 2 && publishedAtKill < Self.itemCount, "the kill did not land mid-batch: \(before)")

                // act: restart
                try await kawaraban.succeed(["work", "--until-idle"])

                // check
                let after = try await StatusJSON.read(kawaraban)
                #expect(after.stages["published"] == Self.itemCount, "\(after)")
                #expect(after.stages.filter { $0.key != "published" }.values.allSatisfy { $0 == 0 }, "\(after)")
                // Every story is the same text: only the calls in flight before its first analysis
                // was cached (one per lane, in each of the two runs) reach the model.
                let analysed = llm.requestCount(schema: "analysis")
                #expect(analysed >= 1 && analysed <= 2 * 2, "\(analysed) analysis calls")
                // Each item is published once: a second restart finds nothing left to do.
                let again = try await kawaraban.succeed(["work", "--until-idle"])
                #expect(again.output.contains("steps: 0, published: 0"))
            }
        }
        try await database.remove()
    }
}
