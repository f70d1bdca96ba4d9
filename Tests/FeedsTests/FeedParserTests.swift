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
        #expect(first.contentHTML == "<p>Full <strong>text</strong> with <a href=\"/b\">a link</a>.</p>")
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
        #expect(throws: FeedParseError.self) { try FeedParser.parse(Data("not xml at all".utf8), baseURL: nil) }
    }

    @Test func externalEntitiesAreNeverRead() throws {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <rss version="2.0"><channel><title>t &secret;</title>
            <item><title>x &secret;</title><link>https://a.example/</link></item></channel></rss>
            """
        let feed = try FeedParser.parse(Data(xxe.utf8), baseURL: nil)
        #expect(!feed.title.contains("root:"))
        #expect(!(feed.items.first?.title.contains("root:") ?? false))
    }

    @Test func entityExpansionIsBounded() {
        var lines = ["<?xml version=\"1.0\"?>", "<!DOCTYPE rss [", "<!ENTITY lol \"lol\">"]
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            lines.append("<!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">")
        }
        lines += ["]>", "<rss version=\"2.0\"><channel><title>&lol9;</title></channel></rss>"]
        let started = ContinuousClock.now
        let result = try? FeedParser.parse(Data(lines.joined(separator: "\n").utf8), baseURL: nil)
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect((result?.title.count ?? 0) < 1_000_000)
    }

    @Test func undeclaredHTMLEntitiesDoNotLoseTheItem() throws {
        let feed = try FeedParser.parse(Data("""
            <rss version="2.0"><channel><title>T</title>
            <item><title>Caf&eacute; &amp; AI&nbsp;news</title><link>https://a.example/1</link></item></channel></rss>
            """.utf8), baseURL: nil)
        #expect(feed.items.count == 1)
        #expect(feed.items[0].link == "https://a.example/1")
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
    ])
    func parses(text: String, seconds: Double) {
        #expect(FeedDate.parse(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test(arguments: ["", "yesterday", "2026-13-45", "Mon, 99 Foo 2026", "32 Jan 2026 10:00:00 GMT"])
    func rejects(text: String) {
        #expect(FeedDate.parse(text) == nil)
    }
}
