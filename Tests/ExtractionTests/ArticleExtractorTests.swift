import Foundation
import KawarabanCore
import Testing
@testable import Extraction

@Suite struct ArticleExtractorTests {
    func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil))
        return try Data(contentsOf: url)
    }

    /// The end-to-end tests' article page, with its links pointed at wire.example.
    func newsPage() throws -> Data {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../EndToEndTests/Resources/site/open-model-reasoning.html")
        let html = try String(contentsOf: page, encoding: .utf8).replacingOccurrences(of: "{{BASE}}", with: "https://wire.example")
        return Data(html.utf8)
    }

    @Test func newsPageYieldsExactlyTheArticleBlocks() throws {
        let article = try ArticleExtractor.extract(html: newsPage(),
                                                   pageURL: URL(string: "https://wire.example/news/open-model.html"))
        #expect(article.title == "Open model beats larger rivals on reasoning benchmark")
        #expect(article.author == "Ada Park")
        #expect(article.siteName == "Example AI Wire")
        #expect(article.language == "en")
        #expect(article.publishedAt == Date(timeIntervalSince1970: 1_795_447_500))
        #expect(article.path == .page)
        let text = article.plainText
        for boilerplate in ["Share on X", "Related stories", "First! Great article.", "We use cookies", "Chips"] {
            #expect(!text.contains(boilerplate), "\(boilerplate) leaked into the article")
        }
        let kinds = article.blocks.map { block -> String in
            switch block {
            case .heading: return "heading"
            case .paragraph: return "paragraph"
            case .list: return "list"
            case .quote: return "quote"
            case .code: return "code"
            case .figure: return "figure"
            }
        }
        // The byline, the h1 repeating the title and everything around the article are gone.
        #expect(kinds == ["paragraph", "paragraph", "heading", "paragraph", "code", "paragraph", "list", "quote", "paragraph"])
        #expect(article.blocks[0].plainText.hasPrefix("A seven-billion-parameter open-weights model"))
        guard case .paragraph(let first) = article.blocks[0] else { return }
        #expect(first.contains(.link(href: "https://example.org/lab", [.text("Example Research Lab")])))
        #expect(article.blocks.contains(.code(language: "bash", text: "pip install example-reasoner\nexample-reasoner --prompt \"Prove that the square root of 2 is irrational\"")))
        #expect(article.blocks.contains { if case .paragraph(let inlines) = $0 { return inlines.contains(.code("example-reasoner")) }; return false })
        #expect(article.blocks.contains { if case .paragraph(let inlines) = $0 { return inlines.contains(.emphasis([.text("curriculum training on synthetic proofs")])) }; return false })
    }

    @Test func metadataComesFromTheHeadJSONLDAndBaseURL() throws {
        let article = try ArticleExtractor.extract(html: fixture("metadata-article.html"),
                                                   pageURL: URL(string: "https://fieldnotes.example/blog/small-models-plan"))
        #expect(article.title == "Small models learn to plan")
        #expect(article.author == "Mina Sato")
        #expect(article.publishedAt == ISO8601DateFormatter().date(from: "2026-03-14T09:30:00Z"))
        #expect(article.siteName == "Field Notes")
        #expect(article.language == "en-GB")
        #expect(article.description == "A planning benchmark where small models now hold their own.")
        #expect(article.leadImage == "https://cdn.fieldnotes.example/blog/images/planner.jpg")
        #expect(article.canonicalURL == "https://cdn.fieldnotes.example/blog/small-models-plan")
    }

    @Test func figuresListsAndLinksComeOutInOrderResolvedAgainstTheBase() throws {
        let article = try ArticleExtractor.extract(html: fixture("metadata-article.html"),
                                                   pageURL: URL(string: "https://fieldnotes.example/blog/small-models-plan"))
        #expect(article.blocks == [
            .paragraph([.text("Planning used to be where small language models fell apart: asked to schedule a week of meetings, "
                              + "they would double-book rooms and forget constraints halfway through. A new benchmark suggests that is changing.")]),
            .figure(src: "https://cdn.fieldnotes.example/blog/images/planner-chart.png", alt: "Bar chart of planning scores",
                    caption: [.text("Scores on the "), .emphasis([.text("WeekPlan")]), .text(" benchmark, higher is better.")]),
            .paragraph([.text("The benchmark, described in a "),
                        .link(href: "https://cdn.fieldnotes.example/blog/papers/weekplan.pdf", [.text("short paper")]),
                        .text(", asks models to satisfy between five and forty constraints. Models under ten billion parameters now "
                              + "solve most of the easy tasks, and the authors credit search during decoding rather than size.")]),
            .list(ordered: false, items: [[.text("Easy tasks: 5 to 10 constraints")], [.text("Hard tasks: up to 40 constraints")]]),
            .paragraph([.text("The authors plan to release the tasks and the grading scripts next month.")]),
        ])
    }

    @Test func japanesePageIsExtractedWithoutItsChrome() throws {
        let article = try ArticleExtractor.extract(html: fixture("japanese-article.html"), pageURL: URL(string: "https://tech.example.jp/a/1"))
        #expect(article.title == "国産大規模言語モデル、日本語性能で海外モデルに迫る")
        #expect(article.language == "ja")
        #expect(article.description == "国内の研究機関が新しい言語モデルを公開した。")
        #expect(article.blocks.first == .paragraph([.text("国内の研究機関は20日、日本語に特化した大規模言語モデルを公開した。パラメータ数は130億で、商用利用も可能なライセンスで提供される。")]))
        #expect(article.blocks.contains(.heading(level: 2, [.text("学習データの工夫")])))
        #expect(!article.plainText.contains("関連記事"))
        #expect(!article.plainText.contains("はてブ"))
        #expect(!article.plainText.contains("トップ"))
    }

    /// ASP.NET WebForms pages wrap the whole body in one `<form>`: its controls and hidden
    /// state are furniture, the article inside it is not.
    @Test(arguments: [
        ("webforms-article.html", "Harbour ferry returns to service after winter repairs",
         "The harbour ferry carried its first passengers", "come back to the route over the summer."),
        ("webforms-article-ja.html", "港の渡し船、冬の修理を終えて運航再開", "港と北岸を結ぶ渡し船が27日朝", "見極めてから発注するとしている。"),
    ])
    func aPageInsideOneFormYieldsItsArticle(_ name: String, _ title: String, _ opening: String, _ ending: String) throws {
        let article = try ArticleExtractor.extract(html: fixture(name), pageURL: URL(string: "https://courier.example/Article.aspx?id=1"))
        #expect(article.title == title)
        #expect(article.blocks.count == 4)
        #expect(article.blocks.allSatisfy { if case .paragraph = $0 { return true }; return false })
        let text = article.readableText
        #expect(text.hasPrefix(opening))
        #expect(text.hasSuffix(ending))
        for furniture in ["Search", "Home", "Latest news", "Print", "Copyright", "ホーム", "検索", "アクセスランキング", "LINE"] {
            #expect(!text.contains(furniture), "\(furniture) leaked into the article")
        }
    }

    @Test func tooLittleTextFallsBackToTheFeedContent() throws {
        let paywall = "<html><body><div class=\"paywall\"><p>Subscribe to continue reading.</p></div></body></html>"
        #expect(throws: ExtractionError.self) { try ArticleExtractor.extract(html: paywall, pageURL: nil) }
        let article = try ArticleExtractor.extract(
            html: paywall, pageURL: URL(string: "https://a.example/story"),
            feedContentHTML: "<p>The feed carries <a href=\"/more\">the whole story</a>.</p><p>Second paragraph.</p>",
            feedTitle: "From the feed")
        #expect(article.path == .feedContent)
        #expect(article.title == "From the feed")
        #expect(article.blocks == [
            .paragraph([.text("The feed carries "), .link(href: "https://a.example/more", [.text("the whole story")]), .text(".")]),
            .paragraph([.text("Second paragraph.")]),
        ])
    }

    @Test func decodedTextIsReadAsUTF8WhateverItsMetaSays() throws {
        let sentence = "日本語の記事本文です。生成AIの新しいモデルが公開され、研究者の間で話題になっている。"
        let html = "<html><head><meta charset=\"Shift_JIS\"></head><body><article><p>\(String(repeating: sentence, count: 6))</p></article></body></html>"
        let article = try ArticleExtractor.extract(html: html, pageURL: nil)
        #expect(article.plainText.hasPrefix(sentence))
    }

    @Test func furnitureAroundAndInsideTheArticleIsLeftOut() throws {
        let article = try ArticleExtractor.extract(html: fixture("furniture-article.html"),
                                                   pageURL: URL(string: "https://chronicle.example/news/library"))
        #expect(article.blocks == [
            .paragraph([.text("The city opened its first library powered entirely by the sun on Saturday, after two years of construction "
                              + "and a long argument about the cost of the panels on its roof.")]),
            .figure(src: "https://chronicle.example/img/library-roof.jpg", alt: "Solar panels on the library roof",
                    caption: [.text("The roof carries 420 panels, enough for the building on most days.")]),
            .paragraph([.text("The building stores power in batteries in its basement, so that the "), .emphasis([.text("reading rooms")]),
                        .text(" stay lit after dark. Surplus power is sold to the grid, which the city says will pay for the batteries within twelve years.")]),
            .quote([.text("We wanted a library that teaches by being what it is.")]),
            .paragraph([.text("The library holds the numbers it measures on a public page, and developers can read them with a single request:")]),
            .code(language: "sh", text: "curl https://library.example/api/power"),
            .paragraph([.text("Month | Generated | Used")]),
            .paragraph([.text("March | 41 MWh | 33 MWh")]),
            .paragraph([.text("April | 52 MWh | 31 MWh")]),
            .paragraph([.text("Opening hours are the same as at the other branches, and the first hundred visitors each day receive a "),
                        .link(href: "https://chronicle.example/guide.pdf", [.text("guide to the building")]), .text(".")]),
        ])
    }

    /// Drawings are cut before parsing: a nested one must not end the outer one early, and a
    /// self-closed one must not swallow the text after it.
    @Test func inlineDrawingsAreLeftOutAndTheTextAroundThemKept() throws {
        let html = "<html><body><article>"
            + "<p>The council approved the new budget on Tuesday, after a long debate about school funding and roads.</p>"
            + "<svg viewBox=\"0 0 10 10\"><text>Outer label</text><svg><text>Inner label</text></svg>"
            + "<path d=\"M0 0L10 10\"/><text>Drawn after the inner drawing</text></svg>"
            + "<p>Closing remarks: the mayor thanked the volunteers, the staff and the residents who came to speak.</p>"
            + "<SVG class=\"icon\"/><p>A final note on the library hours, which will be longer during the winter months.</p>"
            + "</article></body></html>"
        let article = try ArticleExtractor.extract(html: Data(html.utf8), pageURL: nil, minimumCharacters: 0)
        let text = article.readableText
        #expect(text.hasPrefix("The council approved"))
        #expect(text.contains("Closing remarks"))
        #expect(text.hasSuffix("longer during the winter months."))
        #expect(!text.contains("label"))
        #expect(!text.contains("Drawn after"))
    }

    @Test func metadataComesFromJSONLDWhenTheHeadHasNoMetaTags() throws {
        let article = try ArticleExtractor.extract(html: fixture("furniture-article.html"),
                                                   pageURL: URL(string: "https://chronicle.example/news/library"))
        #expect(article.title == "City opens its first solar-powered library")
        #expect(article.author == "Jun Okada")
        #expect(article.siteName == "Riverside Chronicle")
        #expect(article.publishedAt == ISO8601DateFormatter().date(from: "2026-05-01T23:15:00Z"))
        #expect(article.leadImage == "https://chronicle.example/img/library-roof.jpg")
        #expect(article.language == "en")
    }

    @Test(arguments: [
        ("Story of the day | Example News", "Example News", "Story of the day"),
        ("Story of the day - Example News", nil, "Story of the day"),
        ("Short | A very long second part that is no site name at all, surely", nil, "Short | A very long second part that is no site name at all, surely"),
        ("No separator here", nil, "No separator here"),
    ] as [(String, String?, String)])
    func titlesLoseTheSiteSuffix(_ title: String, _ siteName: String?, _ expected: String) {
        #expect(PageMetadata.withoutSiteSuffix(title, siteName: siteName) == expected)
    }

    @Test(arguments: [
        ("2026-05-02T08:15:00+09:00", "2026-05-01T23:15:00Z"),
        ("2026-05-02 08:15:00+0900", "2026-05-01T23:15:00Z"),
        ("2026-05-02T08:15Z", "2026-05-02T08:15:00Z"),
        ("2026-05-02T08:15:00.123-05:00", "2026-05-02T13:15:00Z"),
        ("2026-05-02", "2026-05-02T00:00:00Z"),
    ])
    func publicationDatesInTheFormsPagesWrite(_ written: String, _ expected: String) {
        #expect(PublicationDate.parse(written) == ISO8601DateFormatter().date(from: expected))
    }

    @Test func datesThatAreNotDatesAreIgnored() {
        for text in ["yesterday", "2026-13-01", "2026-05", "Tuesday 5 May 2026"] { #expect(PublicationDate.parse(text) == nil) }
    }

    @Test func unsafeLinksKeepTheirTextButNotTheirURL() {
        let blocks = HTMLBlocks.blocks(
            fromFragment: "<p><a href=\"javascript:alert(1)\">click</a> and <a href=\"data:text/html,x\">data</a><script>alert(1)</script></p>",
            baseURL: nil)
        #expect(blocks == [.paragraph([.text("click and data")])])
    }
}
