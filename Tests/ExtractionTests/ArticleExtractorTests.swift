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

    @Test func emptyAndGarbageInputEndWithAClearError() {
        #expect(throws: ExtractionError.self) { try ArticleExtractor.extract(html: Data(), pageURL: nil) }
        let garbage = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        #expect(throws: ExtractionError.self) { try ArticleExtractor.extract(html: garbage, pageURL: nil) }
        #expect(throws: ExtractionError.self) {
            try ArticleExtractor.extract(html: nil, pageURL: nil, feedContentHTML: nil, feedTitle: "t")
        }
    }

    @Test func deepNestingFinishesWithoutOverflowingTheStack() {
        let depth = 100_000
        let html = "<html><body>" + String(repeating: "<div>", count: depth) + "<p>deep</p>"
            + String(repeating: "</div>", count: depth) + "</body></html>"
        let started = ContinuousClock.now
        #expect(throws: ExtractionError.self) { try ArticleExtractor.extract(html: Data(html.utf8), pageURL: nil) }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func unsafeLinksKeepTheirTextButNotTheirURL() {
        let blocks = HTMLBlocks.blocks(
            fromFragment: "<p><a href=\"javascript:alert(1)\">click</a> and <a href=\"data:text/html,x\">data</a><script>alert(1)</script></p>",
            baseURL: nil)
        #expect(blocks == [.paragraph([.text("click and data")])])
    }
}
