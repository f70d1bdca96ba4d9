import Feeds
import Foundation
import KawarabanCore
import Testing
@testable import Site

@Suite struct RSSFeedTests {
    @Test func feedListsPublishedArticlesWithEscapedText() throws {
        let configuration = SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!)
        let xml = RSSFeed.render(items: [SampleItems.published(id: 3, title: "A & B <script>\u{0001}")], configuration: configuration)
        #expect(xml.contains("<title>A &amp; B &lt;script&gt;</title>"))
        #expect(xml.contains("<link>https://news.example.jp/articles/3</link>"))
        #expect(xml.contains("<pubDate>Fri, 08 May 2026 15:25:00 GMT</pubDate>"))
        #expect(xml.contains("<category>クラウド戦略</category>"))
        #expect(xml.contains("<language>ja</language>"))
        // Our own collector reads it back: well-formed, and the same article.
        let parsed = try FeedParser.parse(Data(xml.utf8), baseURL: nil)
        // (A collector reads RSS titles as HTML, so the escaped tag is dropped as markup.)
        #expect(parsed.items.map(\.title) == ["A & B"])
        #expect(parsed.items.first?.link == "https://news.example.jp/articles/3")
    }
}
