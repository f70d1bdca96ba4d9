import Foundation
import Testing
import TestSupport

/// What triage skipped, and why, through the built executable as an operator reads it.
@Suite(.serialized) struct TriageCommandsTests {
    @Test func statusAndItemsShowSayWhatTriageSkippedAndWhy() async throws {
        let database = try await TestDatabase.create(.sqlite)
        let llm = ScriptedLLMServer.sensible()
        try await withTestHTTPServer({ request in
            let base = "http://\(request.header("Host") ?? "127.0.0.1")"
            guard request.path == "/mixed.xml" else { return await FixtureSite.handler(request) }
            return .text("""
                <rss version="2.0"><channel><title>Mixed</title>
                <item><title>Open model beats larger rivals</title><link>\(base)/news/open-model-reasoning.html</link></item>
                <item><title>A slow-cooked beef stew</title><link>\(base)/news/stew.html</link>
                <description>Recipe of the week.</description></item>
                </channel></rss>
                """, contentType: "application/rss+xml")
        }) { sitePort in
            try await withTestHTTPServer(llm.handler) { llmPort in
                let kawaraban = KawarabanProcess.pipeline(database: database, sitePort: sitePort, llmPort: llmPort)
                let added = try await kawaraban.succeed(["sources", "add", "--topic", "ai", "--name", "Wire",
                                                         "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)"])
                #expect(added.output.contains("[feed, topic ai]"), "\(added.output)")
                try await kawaraban.succeed(["sources", "add", "--name", "Mixed", "http://127.0.0.1:\(sitePort)/mixed.xml"])
                try await kawaraban.succeed(["collect"])
                let work = try await kawaraban.succeed(["work", "--until-idle"])
                #expect(work.output.contains("skipped by triage: 1"), "\(work.output)")

                let status = try await kawaraban.succeed(["status"]).output
                #expect(status.contains("Triage: 1 items skipped today"), "\(status)")
                #expect(status.contains("A slow-cooked beef stew"))
                #expect(status.contains("triage: not about AI: AIと無関係な話題"))
                #expect(!status.contains("Merged into"), "a triage skip is not a merge")
                let list = try await kawaraban.succeed(["sources", "list"]).output
                #expect(list.contains("Wire [feed, topic ai]"), "\(list)")

                let stewLine = try #require(status.split(separator: "\n").first { $0.contains("A slow-cooked beef stew") })
                let stewID = String(stewLine.drop { $0 != "#" }.dropFirst().prefix { $0.isNumber })
                let show = try await kawaraban.succeed(["items", "show", stewID]).output
                #expect(show.contains("A slow-cooked beef stew"), "\(show)")
                #expect(show.contains("stage:      skipped"))
                #expect(show.contains("triage:     not about AI, worth 1 of 5: AIと無関係な話題"))
                #expect(llm.requestCount(schema: "triage") == 1, "only the mixed source is triaged")
                #expect(!llm.received.contains { ScriptedLLMServer.schemaName(of: $0) != "triage" && $0.bodyText.contains("slow-cooked") },
                        "the stew reached no analysis or translation")
            }
        }
        try await database.remove()
    }
}
