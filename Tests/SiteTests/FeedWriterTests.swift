import Feeds
import Foundation
import KawarabanCore
import Store
import Testing
@testable import Site

/// The three writers of one feed model: escaping, the fields each format carries, and our own
/// collector reading each back.
@Suite struct FeedWriterTests {
    func feed(_ headlines: [PublishedHeadline], minimumImportance: Int? = nil) async throws -> SiteFeed {
        let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
        return renderer.siteFeed(scope: .tag("生成AI"), title: "#生成AI", description: "「生成AI」タグの記事",
                                 minimumImportance: minimumImportance, headlines: headlines)
    }

    @Test(arguments: Site.FeedFormat.allCases)
    func hostileTextIsEscapedAndReadBackAsWritten(format: Site.FeedFormat) async throws {
        let title = "A & B <script>]]></script> 🤖"
        let written = try format.render(try await feed([SampleItems.headline(id: 3, title: title)]))
        if format != .json {
            // In JSON the text is a string, where neither has a meaning; in XML both are escaped.
            #expect(!written.contains("<script>"))
            #expect(!written.contains("]]>"))
        }
        let parsed = try FeedParser.parse(Data(written.utf8), baseURL: nil)
        #expect(parsed.items.map(\.link) == ["https://news.example.jp/articles/3"])
        #expect(parsed.items.first?.summary?.contains("裁判記録により") == true)
        #expect(parsed.items.first?.categories.contains("重要度4") == true)
        #expect(parsed.items.first?.categories.contains("クラウド戦略") == true)
    }

    @Test func rssCarriesTheSourceDatesAndSelfLinkWithTheFilter() async throws {
        let xml = RSSWriter.render(try await feed([SampleItems.headline(id: 3)], minimumImportance: 4))
        #expect(xml.contains("<title>#生成AI(重要度4以上)</title>"))
        #expect(xml.contains(#"<atom:link href="https://news.example.jp/tags/%E7%94%9F%E6%88%90AI/feed.xml?min_importance=4" rel="self""#))
        #expect(xml.contains("<link>https://news.example.jp/tags/%E7%94%9F%E6%88%90AI?min_importance=4</link>"))
        #expect(xml.contains("<pubDate>Fri, 08 May 2026 15:25:00 GMT</pubDate>"))
        #expect(xml.contains("<source url=\"https://news.example/story-3\">The Example AI</source>"))
        #expect(xml.contains("<category>重要度4</category>"))
    }

    @Test func atomHasIdsUpdatedAndAuthors() async throws {
        let xml = AtomWriter.render(try await feed([SampleItems.headline(id: 3)]))
        #expect(xml.contains("<updated>2026-05-08T16:04:00Z</updated>"))
        #expect(xml.contains("<published>2026-05-08T15:25:00Z</published>"))
        #expect(xml.contains(#"<link rel="self" type="application/atom+xml" href="https://news.example.jp/tags/%E7%94%9F%E6%88%90AI/feed.atom"/>"#))
        #expect(xml.contains("<author><name>The Example AI</name><uri>https://news.example/story-3</uri></author>"))
        #expect(xml.contains(#"<category term="重要度4" label="重要度4 重要"/>"#))
    }

    @Test func jsonFeedHasTheVersionAndOurExtension() async throws {
        let json = try JSONFeedWriter.render(try await feed([SampleItems.headline(id: 3, title: "</script>]]>")]))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(document["version"] as? String == "https://jsonfeed.org/version/1.1")
        #expect(document["feed_url"] as? String == "https://news.example.jp/tags/%E7%94%9F%E6%88%90AI/feed.json")
        let item = try #require((document["items"] as? [[String: Any]])?.first)
        #expect(item["title"] as? String == "</script>]]>")
        #expect(item["summary"] as? String == SampleItems.analysis.tldr)
        #expect(item["date_published"] as? String == "2026-05-08T15:25:00Z")
        let ext = try #require(item["_kawaraban"] as? [String: Any])
        #expect(ext["importance"] as? Int == 4)
        #expect(ext["importance_label"] as? String == "重要")
    }

    /// The source's link passes the same URL policy as every link on the site's pages.
    @Test(arguments: ["javascript:alert(1)", "java\tscript:alert(1)", "/relative/story", "//", "data:text/html,<b>x</b>"])
    func sourceLinkTheURLPolicyRefusesIsLeftOut(url: String) async throws {
        let feed = try await feed([SampleItems.headline(id: 3, url: url)])
        for format in Site.FeedFormat.allCases {
            let written = try format.render(feed)
            #expect(!written.contains("script:"), "\(format)")
            #expect(!written.contains("relative/story"), "\(format)")
            #expect(!written.contains("data:text"), "\(format)")
            let parsed = try FeedParser.parse(Data(written.utf8), baseURL: nil)
            #expect(parsed.items.map(\.link) == ["https://news.example.jp/articles/3"], "\(format)")
        }
    }

    @Test func anEmptyFeedIsStillValid() async throws {
        for format in Site.FeedFormat.allCases {
            let parsed = try FeedParser.parse(Data(try format.render(try await feed([])).utf8), baseURL: nil)
            #expect(parsed.items.isEmpty)
            #expect(parsed.title.hasPrefix("#生成AI"))
        }
    }
}
