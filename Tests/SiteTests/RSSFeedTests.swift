import Feeds
import Foundation
import KawarabanCore
import Testing
@testable import Site

@Suite struct RSSFeedTests {
    let configuration = SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!)

    @Test func feedListsPublishedArticlesWithEscapedText() throws {
        let xml = RSSFeed.render([SampleItems.headline(id: 3, title: "A & B <script>\u{0001}")], configuration: configuration)
        #expect(xml.contains("<title>A &amp; B &lt;script&gt;</title>"))
        #expect(xml.contains("<link>https://news.example.jp/articles/3</link>"))
        #expect(xml.contains("<pubDate>Fri, 08 May 2026 15:25:00 GMT</pubDate>"))
        #expect(xml.contains("<category>クラウド戦略</category>"))
        #expect(xml.contains("<language>ja</language>"))
        #expect(xml.contains("<source url=\"https://news.example/story-3\">The Example AI</source>"))
        // Our own collector reads it back: well-formed, and the same article.
        let parsed = try FeedParser.parse(Data(xml.utf8), baseURL: nil)
        // (A collector reads RSS titles as HTML, so the escaped tag is dropped as markup.)
        #expect(parsed.items.map(\.title) == ["A & B"])
        #expect(parsed.items.first?.link == "https://news.example.jp/articles/3")
    }

    /// The source's link passes the same URL policy as every link on the site's pages.
    @Test(arguments: ["javascript:alert(1)", "java\tscript:alert(1)", "/relative/story", "//", "data:text/html,<b>x</b>"])
    func sourceLinkTheURLPolicyRefusesIsLeftOut(url: String) throws {
        let xml = RSSFeed.render([SampleItems.headline(id: 3, url: url)], configuration: configuration)
        #expect(!xml.contains("<source"))
        #expect(!xml.contains("script:"))
        #expect(!xml.contains("relative/story"))
        #expect(xml.contains("<link>https://news.example.jp/articles/3</link>"))
        let parsed = try FeedParser.parse(Data(xml.utf8), baseURL: nil)
        #expect(parsed.items.map(\.link) == ["https://news.example.jp/articles/3"])
    }
}
