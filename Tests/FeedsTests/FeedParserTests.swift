import Foundation
import Testing
@testable import Feeds

@Suite struct FeedParserTests {
    func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil))
        return try Data(contentsOf: url)
    }

    @Test func rss2WithCDATAContentAndCategories() throws {
        let feed = try FeedParser.parse(fixture("rss2.xml"), baseURL: URL(string: "https://wire.example/feed"))
        #expect(feed.format == .rss)
        #expect(feed.title == "AI Wire & Friends")
        #expect(feed.items.count == 3)
        let first = feed.items[0]
        #expect(first.id == "wire-1")
        #expect(first.title == "Model tops benchmark")
        #expect(first.link == "https://wire.example/a?utm_source=rss")
        #expect(first.published == Date(timeIntervalSince1970: 1_795_447_500))
        #expect(first.author == "Ada Park")
        #expect(first.categories == ["Models", "Benchmarks"])
        #expect(first.summary == "<p>Short summary.</p>")
        // Relative links inside the content are made absolute against the feed's URL.
        #expect(first.contentHTML == "<p>Full <strong>text</strong> with <a href=\"https://wire.example/b\">a link</a>.</p>")
        // Without a guid the id is derived from the link, the same on every fetch.
        #expect(feed.items[1].id.hasPrefix("urn:kawaraban:"))
        #expect(feed.items[1].id == (try FeedParser.parse(fixture("rss2.xml"), baseURL: nil)).items[1].id)
        #expect(feed.items[1].published == Date(timeIntervalSince1970: 1_795_478_400))
        #expect(feed.items[2].link == "https://wire.example/d")
    }

    @Test func atomWithXMLBaseAndXHTMLContent() throws {
        let feed = try FeedParser.parse(fixture("atom.xml"), baseURL: URL(string: "https://blog.example/atom.xml"))
        #expect(feed.format == .atom)
        #expect(feed.title == "Example Blog")
        #expect(feed.link == "https://blog.example/")
        let entry = feed.items[0]
        #expect(entry.title == "Scaling laws revisited")
        #expect(entry.link == "https://blog.example/posts/scaling-laws.html")
        #expect(entry.id == "tag:blog.example,2026:1")
        #expect(entry.published == Date(timeIntervalSince1970: 1_795_303_800))
        #expect(entry.author == "Lee Morgan")
        #expect(entry.categories == ["research"])
        #expect(entry.summary == "Plain &amp; simple")
        #expect(entry.contentHTML?.contains("<em>compute</em>") == true)
        #expect(feed.items[1].published == feed.items[1].updated)
    }

    @Test func rdfItemsBesideTheChannel() throws {
        let feed = try FeedParser.parse(fixture("rdf.xml"), baseURL: nil)
        #expect(feed.format == .rdf)
        #expect(feed.title == "RDF Site")
        #expect(feed.items.map(\.title) == ["First RDF item"])
        #expect(feed.items[0].author == "佐藤")
        #expect(feed.items[0].summary == "日本語の説明")
        #expect(feed.items[0].published == Date(timeIntervalSince1970: 1_795_143_600))
    }

    @Test func jsonFeedInTheSameShape() throws {
        let feed = try FeedParser.parse(fixture("feed.json"), baseURL: URL(string: "https://json.example/feed.json"))
        #expect(feed.format == .json)
        #expect(feed.title == "JSON Wire")
        #expect(feed.link == "https://json.example/")
        let first = feed.items[0]
        #expect(first.id == "j-1")
        #expect(first.title == "First & foremost")
        #expect(first.link == "https://json.example/posts/first")
        #expect(first.published == Date(timeIntervalSince1970: 1_795_447_500))
        #expect(first.author == "Kim Lee")
        #expect(first.categories == ["agents", "evals"])
        #expect(first.contentHTML == "<p>Hello <em>world</em></p>")
        let second = feed.items[1]
        #expect(second.id == "42")
        #expect(second.link == "https://elsewhere.example/story")
        #expect(second.contentHTML == "<p>Line one &lt;b&gt;</p><p>Line two</p>")
        #expect(second.published == second.updated)
        #expect(throws: FeedParseError.self) { try FeedParser.parse(Data("{\"title\": 1}".utf8), baseURL: nil) }
        #expect(throws: FeedParseError.self) { try FeedParser.parse(Data("{\"version\": \"x\"}".utf8), baseURL: nil) }
    }

    @Test func anHTMLPageIsNotAFeed() {
        let page = Data("<!DOCTYPE html><html><head><title>Blog</title></head><body><p>Hello</p></body></html>".utf8)
        #expect(throws: FeedParseError.notAFeed(root: "html")) { try FeedParser.parse(page, baseURL: nil) }
    }

    @Test func emptyAndMalformedDocumentsFailClearly() {
        #expect(throws: FeedParseError.emptyDocument) { try FeedParser.parse(Data("  \n".utf8), baseURL: nil) }
        #expect(throws: FeedParseError.emptyDocument) { try FeedParser.parse(Data(), baseURL: nil) }
        do {
            _ = try FeedParser.parse(Data("not xml at all".utf8), baseURL: nil)
            Issue.record("text that is not XML parsed as a feed")
        } catch {
            guard case .malformed(let reason) = error else { return #expect(Bool(false), "\(error)") }
            // libxml2's own words and where it stopped.
            #expect(reason.contains("Start tag expected"))
            #expect(reason.contains("line 1"))
        }
    }

    @Test func aTruncatedFeedKeepsTheItemsBeforeTheCut() throws {
        let feed = try FeedParser.parse(fixture("truncated.xml"), baseURL: nil)
        #expect(feed.title == "Cut Short")
        #expect(feed.items.first?.title == "Complete item")
        #expect(feed.items.first?.link == "https://cut.example/1")
    }

    @Test func externalEntitiesAreNeverRead() throws {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <rss version="2.0"><channel><title>t &secret;</title>
            <item><title>x &secret;</title><link>https://a.example/</link></item></channel></rss>
            """
        let feed = try FeedParser.parse(Data(xxe.utf8), baseURL: nil)
        #expect(feed.title == "t &secret;")
        #expect(feed.items.map(\.title) == ["x &secret;"])
        let throughParameterEntity = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY % outside SYSTEM "file:///etc/passwd"> %outside;]>
            <rss version="2.0"><channel><title>t</title></channel></rss>
            """
        let parsed = try FeedParser.parse(Data(throughParameterEntity.utf8), baseURL: nil)
        #expect(parsed.title == "t")
        #expect(!"\(parsed)".contains("root:"))
    }

    /// Billion laughs: nine levels of ten references each would be a gigabyte of "lol".
    @Test func nestedEntitiesAreNeverExpanded() throws {
        var lines = ["<?xml version=\"1.0\"?>", "<!DOCTYPE rss [", "<!ENTITY lol \"lol\">"]
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            lines.append("<!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">")
        }
        lines += ["]>", "<rss version=\"2.0\"><channel><title>&lol9;</title><item><title>a &lol3; b</title></item></channel></rss>"]
        let feed = try FeedParser.parse(Data(lines.joined(separator: "\n").utf8), baseURL: nil)
        #expect(feed.title == "&lol9;")
        #expect(feed.items.map(\.title) == ["a &lol3; b"])
    }

    /// One 10 KB entity referenced a thousand times: linear, but 10 MB of title from 5 KB of references.
    @Test func declaredEntitiesAreNeverExpanded() throws {
        let references = String(repeating: "&big;", count: 1_000)
        let document = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY big "\(String(repeating: "x", count: 10_000))">
              <!ENTITY % inner "<!ENTITY sneaky 'expanded'>"> %inner;]>
            <rss version="2.0"><channel><title>\(references)</title>
            <item><title>&sneaky;</title><link>https://a.example/?&big;</link><description>&lt;p&gt;\(references)&lt;/p&gt;</description></item>
            </channel></rss>
            """
        let feed = try FeedParser.parse(Data(document.utf8), baseURL: nil)
        #expect(feed.title == references)
        let item = try #require(feed.items.first)
        #expect(item.title == "&sneaky;")
        #expect(item.link == "https://a.example/?&big;")
        #expect(item.summary == "<p>\(references)</p>")
        #expect(!"\(feed)".contains("xxxxxxxxxx"))
    }

    /// HTML names read as HTML reads them; a name neither HTML nor XML defines stays as text.
    @Test func undeclaredHTMLEntitiesAreReadAsHTMLWouldReadThem() throws {
        let feed = try FeedParser.parse(Data("""
            <rss version="2.0"><channel><title>T&hellip;</title>
            <item><title>Caf&eacute; &amp; AI&nbsp;news</title><link>https://a.example/1?a=1&amp;b=2</link></item>
            <item><title>Second &mdash; &unknownname; still here</title><link>https://a.example/2?x=1&y=&#X41;</link></item>
            </channel></rss>
            """.utf8), baseURL: nil)
        #expect(feed.title == "T…")
        #expect(feed.items.map(\.title) == ["Café & AI news", "Second — &unknownname; still here"])
        #expect(feed.items.map(\.link) == ["https://a.example/1?a=1&b=2", "https://a.example/2?x=1&y=A"])
    }

    /// libxml2 2.9 copied only the first byte of a multibyte entity into an attribute value.
    @Test func namedEntitiesInAttributeValuesKeepTheirCharacters() throws {
        let feed = try FeedParser.parse(Data("""
            <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><title>e</title><link href="https://a.example/caf&eacute;?q=&lt;&hellip;&gt;&amp;r=&copy;"/></entry></feed>
            """.utf8), baseURL: nil)
        #expect(feed.items.map(\.link) == ["https://a.example/café?q=<…>&r=©"])
    }

    /// Once libxml2 2.9 knows a document is ill-formed, its recovery drops every named reference
    /// that follows, `&amp;` included; character references are kept, and are all it ever sees.
    @Test func referencesSurviveAnEarlierError() throws {
        let feed = try FeedParser.parse(Data("""
            <rss version="2.0"><channel><title>R&amp;D</title>
            <item><title dup="1" dup="2">first</title></item>
            <item><title>Q&amp;A &copy; 1 < 2 & more</title><link>https://a.example/?a=1&amp;b=2</link></item>
            </channel></rss>
            """.utf8), baseURL: nil)
        #expect(feed.title == "R&D")
        #expect(feed.items.map(\.title) == ["first", "Q&A © 1 < 2 & more"])
        #expect(feed.items.last?.link == "https://a.example/?a=1&b=2")
    }

    @Test func relativeLinksInContentLoseOnlyRealDotSegments() throws {
        let feed = try FeedParser.parse(Data("""
            <rss version="2.0"><channel><title>t</title><item><title>i</title><description>\
            &lt;a href="post.v2.html"&gt;a&lt;/a&gt;&lt;img src="../img/./x.png"&gt;&lt;a href=".hidden/..."&gt;b&lt;/a&gt;\
            &lt;a href="a/b/.."&gt;c&lt;/a&gt;</description></item></channel></rss>
            """.utf8), baseURL: URL(string: "https://blog.example/2026/01/index.html"))
        #expect(feed.items.first?.summary == #"<a href="https://blog.example/2026/01/post.v2.html">a</a>"#
                + #"<img src="https://blog.example/2026/img/x.png"><a href="https://blog.example/2026/01/.hidden/...">b</a>"#
                + #"<a href="https://blog.example/2026/01/a/">c</a>"#)
    }

    @Test func parsesConcurrently() async throws {
        let document = Data("""
            <feed xmlns="http://www.w3.org/2005/Atom"><title>&eacute;t&eacute;</title>
            <entry><title>A&nbsp;&amp;&nbsp;B</title><link href="/x?a=1&amp;b=&copy;"/></entry></feed>
            """.utf8)
        let titles = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<64 { group.addTask { try FeedParser.parse(document, baseURL: nil).title } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(titles == ["été"])
    }

    @Test func rssVariants() throws {
        // No channel (RSS 0.9x in the wild), markup left unescaped, an XHTML body as the content.
        let feed = try FeedParser.parse(Data("""
            <rss version="0.91"><item><title>1 &lt; 2 and &lt;b&gt;bold&lt;/b&gt;</title>
            <description><p>Unescaped <b>markup</b></p></description>
            <body xmlns="http://www.w3.org/1999/xhtml"><p>Body</p></body></item></rss>
            """.utf8), baseURL: nil)
        let item = try #require(feed.items.first)
        #expect(item.title == "1 < 2 and bold")
        #expect(item.summary == "<p>Unescaped <b>markup</b></p>")
        #expect(item.contentHTML == "<p>Body</p>")
    }

    @Test func atomBase64AndPlainTextContent() throws {
        let feed = try FeedParser.parse(Data("""
            <feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="text">a &lt;b&gt;</title>
            <summary type="text">x &lt; y</summary>
            <content type="application/octet-stream">PHA+SGk8L3A+</content></entry></feed>
            """.utf8), baseURL: nil)
        let entry = try #require(feed.items.first)
        #expect(entry.title == "a <b>")
        #expect(entry.summary == "x &lt; y")
        #expect(entry.contentHTML == "<p>Hi</p>")
    }
}

@Suite struct FeedDateTests {
    @Test(arguments: [
        ("Mon, 23 Nov 2026 15:25:00 GMT", 1_795_447_500.0),
        ("23 Nov 2026 15:25:00 +0000", 1_795_447_500),
        ("Mon, 23 Nov 2026 10:25:00 EST", 1_795_447_500),
        ("Tue, 24 Nov 2026 00:25:00 +0900", 1_795_447_500),
        ("Mon, 23 Nov 26 15:25 GMT", 1_795_447_500),
        ("Monday, 23-Nov-2026 15:25:00 GMT", 1_795_447_500),
        ("Mon, 23 Nov 2026 07:25:00 -0800", 1_795_447_500),
        ("2026-11-23T15:25:00Z", 1_795_447_500),
        ("2026-11-23T15:25:00.123Z", 1_795_447_500),
        ("2026-11-24T00:25:00+09:00", 1_795_447_500),
        ("2026-11-24T00:25+09:00", 1_795_447_500),
        ("2026-11-23 15:25:00", 1_795_447_500),
        ("2026-11-23", 1_795_392_000),
        ("Mon, 23 Nov 2026 11:25:00 EDT", 1_795_447_500),
        ("Mon, 23 Nov 2026 07:25:00 PST", 1_795_447_500),
        ("Tue, 24 Nov 2026 00:25:00 JST", 1_795_447_500),
        ("Mon, 23 Nov 2026 15:25:00 UTC", 1_795_447_500),
        ("Mon, 23 Nov 2026 15:25:00 Z", 1_795_447_500),
        ("Mon, 23 Nov 2026 15:25:00", 1_795_447_500),
        ("mon,23 nov 2026 15:25:00 gmt", 1_795_447_500),
        ("Nov 23, 2026 15:25:00 GMT", 1_795_447_500),
        ("2026-11-23T15:25Z", 1_795_447_500),
        ("2026-11-23T15:25:00+0000", 1_795_447_500),
        ("2026-11-23T10:25:00.5-05:00", 1_795_447_500),
        // Broken in the usual ways: a colon in an RFC 822 zone, slashes, asctime, a zone comment.
        ("Tue, 24 Nov 2026 00:25:00 +09:00", 1_795_447_500),
        ("Mon, 23 Nov 2026 07:25:00 -08:00", 1_795_447_500),
        ("2026/11/24 00:25:00 +0900", 1_795_447_500),
        ("Mon Nov 23 15:25:00 2026", 1_795_447_500),
        ("Tue, 24 Nov 2026 00:25:00 +0900 (JST)", 1_795_447_500),
        ("Mon, 23 November 2026 15:25:00 GMT", 1_795_447_500),
        ("2026-11-24T00:25:00+09", 1_795_447_500),
    ])
    func parses(text: String, seconds: Double) {
        #expect(FeedDate.parse(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test(arguments: ["", "yesterday", "2026-13-45", "Mon, 99 Foo 2026", "32 Jan 2026 10:00:00 GMT"])
    func rejects(text: String) {
        #expect(FeedDate.parse(text) == nil)
    }
}
