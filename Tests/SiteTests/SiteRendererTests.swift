import Foundation
import KawarabanCore
import Testing
@testable import Site

@Suite struct SiteRendererTests {
    func renderer() async throws -> SiteRenderer {
        try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
    }

    @Test func articlePageHasEverySectionInOrder() async throws {
        let html = try await renderer().articlePage(SampleItems.published())
        let landmarks = [
            "← ニュース一覧", "元記事を開く",                                  // 1
            "The Example AI", "2026年5月9日 00:25", "約1分",                   // 2
            "<h1 class=\"article-title\">マイクロソフト、OpenAIの移籍を懸念</h1>", // 3
            "#クラウド戦略", "#Microsoft Azure",                               // 4
            "TL;DR", "裁判記録により、提携初期の懸念が明らかになった。",           // 5
            "AI深層分析", "2026年5月9日 01:04", "<span class=\"value\">4</span>", "重要", "深度", "40%",
            "関連度", "30%", "実用性", "20%", "革新性", "10%",                 // 6
            "キーポイント", "裁判記録による開示", "AWSへの移行懸念", "防御的な投資",    // 7
            "<details class=\"impact\">", "影響分析", "編集コメント",              // 8
            "<h2>背景</h2>", "<em>Dota 2</em>", "<blockquote>",                // 9
            "<details class=\"original\" lang=\"en\">", "原文を表示", "When OpenAI was busy with", // 10
            "Tom Writer", "この記事をシェア", "b.hatena.ne.jp",                  // 11
        ]
        var cursor = html.startIndex
        for landmark in landmarks {
            let found = try #require(html.range(of: landmark, range: cursor..<html.endIndex),
                                     "\(landmark) missing or out of order")
            cursor = found.upperBound
        }
    }

    @Test func otherSourcesOfTheSameStoryAreCredited() async throws {
        let item = SampleItems.published()
        let carriers = [
            StoryCarrier(sourceID: item.sourceID, sourceName: item.headline.sourceName, url: item.headline.url),
            StoryCarrier(sourceID: 77, sourceName: "Hacker News", url: "https://news.ycombinator.com/item?id=1"),
            StoryCarrier(sourceID: 78, sourceName: "Trap", url: "javascript:alert(1)"),
        ]
        let html = try await renderer().articlePage(item, carriers: carriers)
        #expect(html.contains("ほかの掲載元: <a href=\"https://news.ycombinator.com/item?id=1\""))
        #expect(!html.contains("javascript:"))
        #expect(!html.contains("Trap"))
        let alone = try await renderer().articlePage(item, carriers: Array(carriers.prefix(1)))
        #expect(!alone.contains("ほかの掲載元"))
    }

    @Test func codeAndTextAreEscapedAndLinksAreSafe() async throws {
        let hostile = SampleItems.published(
            title: "<script>alert(1)</script>タイトル",
            body: [
                .paragraph([.link(href: "javascript:alert(1)", [.text("罠")]), .text(" <img src=x onerror=alert(1)>")]),
                .figure(src: "data:image/svg+xml,<svg onload=alert(1)>", alt: "図", caption: [.text("説明")]),
                .code(language: "\"><script>", text: "</code><script>alert(1)</script>"),
            ])
        let html = try await renderer().articlePage(hostile)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("javascript:"))
        #expect(!html.contains("data:image"))
        #expect(!html.contains("<img src=x"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;タイトル"))
        #expect(html.contains("罠"))
        #expect(html.contains("説明"))
    }

    @Test func externalLinksCarryNoReferrer() async throws {
        let html = try await renderer().articlePage(SampleItems.published())
        #expect(html.contains("<a href=\"https://news.example/trial\" rel=\"noopener noreferrer nofollow\">裁判記録</a>"))
    }

    @Test func latestListShowsTitleSourceTimeImportanceAndSummary() async throws {
        let html = try await renderer().latestPage(headlines: [SampleItems.headline(id: 1), SampleItems.headline(id: 2)],
                                                   page: 1, hasOlder: true)
        #expect(html.contains("href=\"/articles/1\""))
        #expect(html.contains("href=\"/articles/2\""))
        #expect(html.contains("The Example AI"))
        #expect(html.contains("2026年5月9日 00:25"))
        #expect(html.contains("重要度4 重要"))
        #expect(html.contains("裁判記録により"))
        #expect(html.contains("href=\"/?page=2\""))
        #expect(html.contains("<html lang=\"ja\">"))
        #expect(html.contains("name=\"viewport\""))
    }

    @Test func navigationLinksOnlyToPagesThatExist() async throws {
        let html = try await renderer().latestPage(headlines: [], page: 1, hasOlder: false)
        let nav = try #require(html.range(of: "<nav class=\"site-nav\"").flatMap { start in
            html.range(of: "</nav>", range: start.upperBound..<html.endIndex).map { html[start.lowerBound..<$0.upperBound] }
        })
        let hrefs = nav.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(hrefs == ["/", "/tools", "/trends", "/companies"])
        #expect(html.contains("公開済みの記事はまだありません"))
    }
}
