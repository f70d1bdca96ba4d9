import Foundation
import Testing
@testable import Feeds

@Suite struct FeedDiscoveryTests {
    @Test func feedLinksInDocumentOrderResolvedOnceEach() throws {
        let links = FeedDiscovery.feeds(inPage: try resource("discovery/blog.html"), url: URL(string: "https://lab.example/posts/index.html"))
        #expect(links == [
            AnnouncedFeed(url: "https://lab.example/feed.xml", title: "Posts (RSS)", type: "application/rss+xml"),
            AnnouncedFeed(url: "https://lab.example/posts/atom.xml", title: "Posts (Atom)", type: "application/atom+xml"),
            AnnouncedFeed(url: "https://cdn.lab.example/feed.json", title: nil, type: "application/feed+json"),
            AnnouncedFeed(url: "https://lab.example/posts/comments.json", title: "Comments", type: "application/json"),
            AnnouncedFeed(url: "https://archive.lab.example/2025/archive.xml", title: "Archive", type: "application/rss+xml"),
        ])
    }

    @Test func baseElementAppliesToLinksBeforeIt() {
        let page = """
            <html><head><link rel="alternate" type="application/atom+xml" href="atom.xml">
            <base href="/blog/"></head><body></body></html>
            """
        let links = FeedDiscovery.feeds(inPage: Data(page.utf8), url: URL(string: "https://site.example/a/b.html"))
        #expect(links.map(\.url) == ["https://site.example/blog/atom.xml"])
    }

    @Test func aYouTubeChannelPageAnnouncesItsVideoFeed() throws {
        let links = FeedDiscovery.feeds(inPage: try resource("discovery/youtube-channel.html"),
                                        url: URL(string: "https://www.youtube.com/@exampleai"))
        #expect(links == [AnnouncedFeed(url: "https://www.youtube.com/feeds/videos.xml?channel_id=UCexampleChannel0123456",
                                   title: "RSS", type: "application/rss+xml")])
    }

    @Test func aShiftJISPageKeepsItsTitles() throws {
        let links = FeedDiscovery.feeds(inPage: try resource("discovery/shift_jis.html"), url: URL(string: "http://news.example.jp/"))
        #expect(links == [AnnouncedFeed(url: "http://news.example.jp/index.rdf", title: "最新記事", type: "application/rss+xml")])
    }

    @Test func pagesWithoutFeedsAndNonsenseGiveNothing() {
        let page = #"<html><head><link rel="alternate" hreflang="fr" href="/fr/"><link rel="icon" type="application/rss+xml" href="/x"></head></html>"#
        #expect(FeedDiscovery.feeds(inPage: Data(page.utf8), url: URL(string: "https://site.example/")).isEmpty)
        #expect(FeedDiscovery.feeds(inPage: Data(), url: nil).isEmpty)
        #expect(FeedDiscovery.feeds(inPage: Data([0xFF, 0x00, 0xFE, 0x3C, 0x3C]), url: nil).isEmpty)
    }

    @Test func linksBelowTheDepthLimitAreNotRead() {
        let shallow = #"<link rel="alternate" type="application/rss+xml" href="/shallow.xml">"#
        let deep = #"<link rel="alternate" type="application/rss+xml" href="/deep.xml">"#
        let nesting = FeedDiscovery.maximumDepth + 10
        let page = "<html><head>\(shallow)</head><body>" + String(repeating: "<div>", count: nesting) + deep
            + String(repeating: "</div>", count: nesting) + "</body></html>"
        let links = FeedDiscovery.feeds(inPage: Data(page.utf8), url: URL(string: "https://site.example/"))
        #expect(links.map(\.url) == ["https://site.example/shallow.xml"])
    }

    /// libxml2's HTML parser compares every attribute of a tag with every earlier one; the page is
    /// read up to the first tag over the limit, and the feed links stand before it.
    @Test func aPageIsReadUpToItsFirstTagOverTheLimits() {
        let crowded = "<div" + (0...MarkupPrescan.maximumAttributes).map { " a\($0)" }.joined() + ">"
        let script = "<script>var s = \"<b" + String(repeating: " x", count: MarkupPrescan.maximumAttributes * 2) + "\";</script>"
        let page = """
            <html><head><link rel=alternate type=application/atom+xml href=/first>\(script)
            <link rel=alternate type=application/rss+xml href=/second></head>
            <body>\(crowded)<link rel=alternate type=application/rss+xml href=/third></body></html>
            """
        let links = FeedDiscovery.feeds(inPage: Data(page.utf8), url: URL(string: "https://a.example/"))
        #expect(links.map(\.url) == ["https://a.example/first", "https://a.example/second"])
    }

    /// HTML's parser reads no entity declarations: a page cannot define text to be expanded.
    @Test func entitiesAPageDeclaresAreNotExpanded() {
        let page = """
            <!DOCTYPE html [<!ENTITY big "\(String(repeating: "x", count: 10_000))">]>
            <html><head><link rel="alternate" type="application/rss+xml" title="&big;&big; &amp; &eacute;" href="/feed?a=1&amp;b=&big;">
            </head></html>
            """
        let links = FeedDiscovery.feeds(inPage: Data(page.utf8), url: URL(string: "https://a.example/"))
        #expect(links == [AnnouncedFeed(url: "https://a.example/feed?a=1&b=&big;", title: "&big;&big; & é", type: "application/rss+xml")])
    }
}
