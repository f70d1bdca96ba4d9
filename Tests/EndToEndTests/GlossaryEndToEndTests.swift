import Foundation
import Testing
import TestSupport

/// Acceptance 4 (the glossary half): a model that renders one person's name two ways on
/// alternate calls, several articles naming that person, and the built executable publishing
/// and serving them. Every page of the site (front page, each article, feed) uses one rendering;
/// after `glossary set` and `glossary apply`, every page uses the new one.
@Suite(.serialized) struct GlossaryEndToEndTests {
    static let person = "Kenji Walton"
    static let renderings = ("ケンジ・ウォルトン", "ケンジ・ワルトン")
    static let articleCount = 4

    /// A feed of `articleCount` stories, each page naming the person several times.
    static let site: TestHandler = { request in
        let base = "http://\(request.header("Host") ?? "127.0.0.1")"
        if request.path == "/feed.xml" {
            let items = (1...articleCount).map { number in
                """
                <item><title>\(person) on the next stage of AI, part \(number)</title>
                <link>\(base)/news/\(number).html</link><guid isPermaLink="false">walton-\(number)</guid>
                <pubDate>Mon, 23 Nov 2026 1\(number):00:00 GMT</pubDate>
                <description>\(person) speaks about model safety.</description></item>
                """
            }.joined()
            return .text("""
                <?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Walton Watch</title>\
                <link>\(base)/</link><description>Talks</description>\(items)</channel></rss>
                """, contentType: "application/rss+xml; charset=utf-8")
        }
        guard let number = Int(request.path.replacingOccurrences(of: "/news/", with: "").replacingOccurrences(of: ".html", with: "")),
              (1...articleCount).contains(number) else { return .notFound() }
        let paragraphs = [
            "\(person), the chief scientist of a research lab, said on Tuesday that the next generation of models would be trained with far more attention to safety than any before, in talk number \(number).",
            "Asked about release dates, \(person) declined to give one, saying only that the work was further along than outsiders assumed and that the lab would publish its evaluation results first.",
            "Analysts who attended the talk said the remarks by \(person) matched what competitors have been signalling for months, and that customers mostly want reliability and lower prices.",
        ]
        return .text("""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(person), part \(number)</title></head>
            <body><article><h1>\(person) on the next stage of AI, part \(number)</h1>
            \(paragraphs.map { "<p>\($0)</p>" }.joined(separator: "\n"))</article></body></html>
            """, contentType: "text/html; charset=utf-8")
    }

    @Test(arguments: Backend.available)
    func aNameTheModelRendersTwoWaysAppearsOneWayOnEveryPage(backend: Backend) async throws {
        let database = try await TestDatabase.create(backend)
        let llm = ScriptedLLMServer.sensible()
        let model = llm.handlerRendering(Self.person, kind: "person", alternatelyAs: Self.renderings)
        try await withTestHTTPServer(Self.site) { sitePort in
            try await withTestHTTPServer(model) { llmPort in
                let webPort = try unusedLoopbackPort()
                let kawaraban = KawarabanProcess(environment: [
                    "KAWARABAN_DATABASE": database.location,
                    "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)",
                    "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(llmPort)/v1",
                    "KAWARABAN_LLM_MODEL": "scripted-model",
                    "KAWARABAN_PORT": "\(webPort)",
                ])
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)/feed.xml", "--name", "Walton Watch"])
                try await kawaraban.succeed(["collect"])
                try await kawaraban.succeed(["work", "--until-idle"])
                let status = try await StatusJSON.read(kawaraban)
                #expect(status.stages["published"] == Self.articleCount, "\(status)")
                #expect(llm.requestCount(schema: "analysis") == Self.articleCount, "the model was asked both ways")

                let first = try await everyPage(kawaraban, port: webPort)
                let winner = first.contains(Self.renderings.0) ? Self.renderings.0 : Self.renderings.1
                let loser = winner == Self.renderings.0 ? Self.renderings.1 : Self.renderings.0
                #expect(!first.contains(loser), "only one rendering on the site")
                #expect(first.components(separatedBy: winner).count - 1 >= Self.articleCount * 3,
                        "the rendering is on the front page, in each article's analysis and body, and in the feed")
                let listed = try await kawaraban.succeed(["glossary", "list", "--kind", "person"])
                #expect(listed.output.contains("\(Self.person)\t\(winner)\tperson\tentity"), "\(listed.output)")

                // The operator prefers a third form: set it, rewrite what is stored, and it is the only one served.
                let preferred = "ケンジ・ウォールトン"
                try await kawaraban.succeed(["glossary", "set", Self.person, preferred, "--kind", "person"])
                let applied = try await kawaraban.succeed(["glossary", "apply"])
                #expect(applied.output.contains("\(Self.articleCount) items rewritten"), "\(applied.output)")
                let after = try await everyPage(kawaraban, port: webPort)
                #expect(!after.contains(winner) && !after.contains(loser))
                #expect(after.contains(preferred))
                let again = try await kawaraban.succeed(["glossary", "apply"])
                #expect(again.output.contains("0 items rewritten"))

                let exported = try await kawaraban.succeed(["glossary", "export"])
                #expect(exported.output.contains("\(Self.person)\t\(preferred)\tperson\n"))
                #expect(exported.output.contains("Sam Altman\tサム・アルトマン\tperson\n"), "the seed was applied on migrate")
            }
        }
        try await database.remove()
    }

    /// The front page, every article reachable from it and the feed, one after another.
    func everyPage(_ kawaraban: KawarabanProcess, port: Int) async throws -> String {
        var pages: [String] = []
        try await withWebServer(kawaraban, port: port) { get in
            let front = try await get("/")
            var articles = EndToEndTests().articlePaths(in: front)
            pages.append(front)
            // The talks may be one story, listed once by its lead, whose page links the others.
            var read = 0
            while read < articles.count {
                let page = try await get(articles[read])
                pages.append(page)
                articles += EndToEndTests().articlePaths(in: page).filter { !articles.contains($0) }
                read += 1
            }
            #expect(articles.count == Self.articleCount)
            pages.append(try await get("/feed.xml"))
        }
        return pages.joined(separator: "\n")
    }
}
