import Foundation
import Testing
import TestSupport

/// One event carried by three outlets under three URLs in their own words, and a development two
/// days later: through the real executable, the pipeline groups the three into one story whose
/// lead credits the others, lists it once, and threads the development after it.
@Suite(.serialized) struct StoriesEndToEndTests {
    static let feeds = [("harbor.xml", "Harbor Tech News"), ("pacific.xml", "Pacific AI Daily"), ("meridian.xml", "Meridian Wire")]
    static let articleCount = 4

    /// The outlets' feeds and pages from Resources/stories, linking back at the server.
    static let site: TestHandler = { request in
        let base = "http://\(request.header("Host") ?? "127.0.0.1")"
        let name = request.path.hasPrefix("/stories/") ? String(request.path.dropFirst("/stories/".count)) : ""
        guard !name.isEmpty, !name.contains("/"),
              let url = Bundle.module.url(forResource: "Resources/stories/\(name)", withExtension: nil),
              let template = try? String(contentsOf: url, encoding: .utf8)
        else { return .notFound() }
        let contentType = name.hasSuffix(".xml") ? "application/rss+xml; charset=utf-8" : "text/html; charset=utf-8"
        return .text(template.replacingOccurrences(of: "{{BASE}}", with: base), contentType: contentType)
    }

    /// The entities the scripted analysis names: the launch's for the three reports, a wider cast
    /// sharing its two main actors for the leaderboard two days later.
    static let launchEntities = """
        "entities":[{"name":"Example Lab","kind":"organisation","rendering":"エグザンプル・ラボ","main":true},\
        {"name":"Atlas-7","kind":"model","rendering":"Atlas-7","main":true},\
        {"name":"Cloudhaven","kind":"company","rendering":"クラウドヘイブン","main":false}]
        """
    static let leaderboardEntities = """
        "entities":[{"name":"Example Lab","kind":"organisation","rendering":"エグザンプル・ラボ","main":true},\
        {"name":"Atlas-7","kind":"model","rendering":"Atlas-7","main":true},\
        {"name":"Benchmark Council","kind":"organisation","rendering":"ベンチマーク評議会","main":false},\
        {"name":"Northfield University","kind":"organisation","rendering":"ノースフィールド大学","main":false}]
        """

    /// The sensible scripted model, whose analysis names the entities of the article it was sent.
    static func model(_ llm: ScriptedLLMServer) -> TestHandler {
        { request in
            let response = await llm.handler(request)
            guard ScriptedLLMServer.schemaName(of: request) == "analysis" else { return response }
            let entities = String(decoding: request.body, as: UTF8.self).contains("leaderboard") ? leaderboardEntities : launchEntities
            return ScriptedLLMServer.completion(ScriptedLLMServer.analysisJSON.replacingOccurrences(of: ScriptedLLMServer.analysisEntities, with: entities))
        }
    }

    @Test(arguments: Backend.available)
    func threeOutletsMakeOneStoryAndTheLeaderboardJoinsItsThread(backend: Backend) async throws {
        #expect(ScriptedLLMServer.analysisJSON.contains(ScriptedLLMServer.analysisEntities), "the scripted analysis names the entities replaced")
        let database = try await TestDatabase.create(backend)
        let llm = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(Self.site) { sitePort in
            try await withTestHTTPServer(Self.model(llm)) { llmPort in
                let webPort = try unusedLoopbackPort()
                let kawaraban = KawarabanProcess(environment: [
                    "KAWARABAN_DATABASE": database.location,
                    "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)",
                    "KAWARABAN_PORT": "\(webPort)",
                ].merging(EndToEndTests.llmEnvironment(.openAI, port: llmPort)) { $1 })
                for (feed, name) in Self.feeds {
                    try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)/stories/\(feed)", "--name", name])
                }
                try await kawaraban.succeed(["collect"])
                try await kawaraban.succeed(["work", "--until-idle"])
                let status = try await StatusJSON.read(kawaraban)
                #expect(status.stages["published"] == Self.articleCount, "\(status)")
                #expect(try await kawaraban.succeed(["status"]).output.contains("Stories merged in the last 24 h"))

                try await withWebServer(kawaraban, port: webPort) { get in
                    let front = try await get("/")
                    let listed = EndToEndTests().articlePaths(in: front)
                    #expect(listed.count == 2, "the story once and its development: \(listed)")
                    #expect(front.contains("他2社も報道"))
                    let lead = try #require(listed.last, "the earlier story is listed after the development")
                    let development = try #require(listed.first)
                    let leadPage = try await get(lead)
                    let credits = try #require(Self.section("story-reports", of: leadPage), "the lead credits the other outlets")
                    #expect(credits.contains("Pacific AI Daily") && credits.contains("Meridian Wire"))
                    #expect(!credits.contains("Harbor Tech News"), "the lead is the earliest of equally important reports")
                    #expect(credits.contains("/stories/atlas-pacific.html") && credits.contains("/stories/atlas-meridian.html"))
                    let reports = EndToEndTests().articlePaths(in: credits)
                    #expect(reports.count == 2 && !reports.contains(lead), "our page of each other report: \(reports)")
                    var pages = [leadPage, try await get(development)]
                    for report in reports { pages.append(try await get(report)) }
                    for page in pages {
                        let thread = try #require(Self.section("story-thread", of: page), "every page shows the thread")
                        let order = EndToEndTests().articlePaths(in: thread)
                        #expect(order == [development, lead], "newest first: \(order)")
                    }
                    for report in reports {
                        #expect(try await get(report).contains("class=\"story-lead\">この記事は<a href=\"\(lead)\""))
                    }
                }

                let listing = try await kawaraban.succeed(["stories", "list"]).output
                #expect(listing.contains("3 items") && listing.contains("Pacific AI Daily"), "\(listing)")
                let pacific = try #require(Self.itemID(in: listing, source: "Pacific AI Daily"))
                let split = try await kawaraban.succeed(["stories", "split", "\(pacific)"]).output
                #expect(split.contains("split #\(pacific) out of story"), "\(split)")
                #expect(try await kawaraban.succeed(["stories", "list"]).output.contains("2 items"))
                let again = try await kawaraban.run(["stories", "split", "\(pacific)"])
                #expect(again.status != 0, "an item alone in its story has nothing to split")
            }
        }
        try await database.remove()
    }

    /// The element with `class` in `page`, up to its section's end.
    static func section(_ className: String, of page: String) -> String? {
        guard let start = page.range(of: "<section class=\"\(className)\"") else { return nil }
        let rest = page[start.lowerBound...]
        return rest.range(of: "</section>").map { String(rest[..<$0.upperBound]) }
    }

    /// The item id `stories list` prints for the report from `source`.
    static func itemID(in listing: String, source: String) -> Int64? {
        listing.split(separator: "\n").first { $0.contains("[\(source)]") }
            .flatMap { line in line.split(separator: "#").dropFirst().first }
            .flatMap { Int64($0.prefix { $0.isNumber }) }
    }
}
