import Foundation
import Synchronization
import Testing
@testable import Feeds

func feedFixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil))
    return try Data(contentsOf: url)
}

func utcDate(_ text: String) -> Date? { FeedDate.parse(text) }

/// Every format in the same shape: YouTube channels, Atom 0.3, RSS 0.9x, JSON Feed 1.0.
@Suite struct FormatTests {
    @Test func youTubeChannelFeed() throws {
        let feed = try FeedParser.parse(feedFixture("youtube.xml"), baseURL: URL(string: "https://www.youtube.com/feeds/videos.xml?channel_id=UCkawarabanTestChannel01"))
        #expect(feed.format == .atom)
        #expect(feed.title == "AI研究チャンネル")
        #expect(feed.link == "https://www.youtube.com/channel/UCkawarabanTestChannel01")
        #expect(feed.items.count == 2)
        let video = feed.items[0]
        #expect(video.id == "yt:video:Qm9kZUxpZ2h0")
        #expect(video.videoID == "Qm9kZUxpZ2h0")
        #expect(video.title == "大規模言語モデルの推論を速くする3つの方法 & ベンチマーク")
        #expect(video.link == "https://www.youtube.com/watch?v=Qm9kZUxpZ2h0")
        #expect(video.imageURL == "https://i3.ytimg.com/vi/Qm9kZUxpZ2h0/hqdefault.jpg")
        #expect(video.author == "AI研究チャンネル")
        #expect(video.published == utcDate("2026-11-20T11:00:06Z"))
        #expect(video.updated == utcDate("2026-11-21T02:14:33Z"))
        // The description is plain text: kept as written in the detail, escaped in the HTML summary.
        #expect(video.summaryDetail?.type == "text/plain")
        #expect(video.summaryDetail?.value.hasSuffix("#LLM #推論 <高速化>") == true)
        #expect(video.summary?.hasPrefix("量子化、投機的デコーディング、KVキャッシュの工夫を解説します。\n資料: https://example.jp/slides?id=12&amp;lang=ja") == true)
        #expect(video.summary?.hasSuffix("&lt;高速化&gt;") == true)
        let short = feed.items[1]
        #expect(short.videoID == "U2hvcnRzMDAy")
        #expect(short.imageURL == "https://i1.ytimg.com/vi/U2hvcnRzMDAy/hqdefault.jpg")
        #expect(short.summary == nil)
    }

    @Test func atom03() throws {
        let feed = try FeedParser.parse(feedFixture("atom03.xml"), baseURL: URL(string: "http://old.example.org/atom.xml"))
        #expect(feed.format == .atom)
        #expect(feed.title == "Old <Atom> Blog")
        #expect(feed.titleDetail?.type == "text/html")
        #expect(feed.subtitle?.value == "Notes from 2004")
        #expect(feed.language == "en")
        #expect(feed.updated == utcDate("2004-06-01T12:00:00Z"))
        #expect(feed.authors == [FeedPerson(name: "Kim Ito", email: "kim@old.example.org", uri: "http://old.example.org/kim")])
        let first = feed.items[0]
        #expect(first.published == utcDate("2004-05-30T14:00:00Z"))
        #expect(first.updated == utcDate("2004-05-31T10:00:00Z"))
        #expect(first.summaryDetail == TextConstruct(value: "A <short> summary", type: "text/plain", language: "en",
                                                     base: "http://old.example.org/atom.xml"))
        #expect(first.summary == "A &lt;short&gt; summary")
        #expect(first.contentHTML == "<p>Escaped <a href=\"http://old.example.org/about\">HTML</a></p>")
        #expect(first.author == "Kim Ito", "an entry without an author has the feed's")
        #expect(feed.items[1].contentHTML == "<p>Base64 <b>body</b></p>")
    }

    @Test func rss091WithHTMLEntitiesAndLatin1() throws {
        let feed = try FeedParser.parse(feedFixture("rss091.xml"), baseURL: nil)
        #expect(feed.format == .rss)
        #expect(feed.charset == "iso-8859-1")
        #expect(feed.title == "Café Tech")
        #expect(feed.subtitle?.value == "News from the café")
        #expect(feed.language == "en-us")
        #expect(feed.authors == [FeedPerson(name: "Jo March", email: "editor@cafe.example.com")])
        #expect(feed.imageURL == "http://cafe.example.com/logo.gif")
        #expect(feed.items[0].title == "Espresso & neural nets")
        #expect(feed.items[0].summary == "Naïve models, crème brûlée and strong coffee.")
        // No guid, no link, no date: the id is a hash of the title, the same on every fetch.
        let linkless = feed.items[1]
        #expect(linkless.link == nil)
        #expect(linkless.id.hasPrefix("urn:kawaraban:"))
        #expect(linkless.id == (try FeedParser.parse(feedFixture("rss091.xml"), baseURL: nil)).items[1].id)
        #expect(linkless.id != feed.items[0].id)
    }

    @Test func rss092WithAnEnclosure() throws {
        let feed = try FeedParser.parse(feedFixture("rss092.xml"), baseURL: URL(string: "http://radio.example.com/feed.xml"))
        let episode = try #require(feed.items.first)
        #expect(episode.summary == "<p>Guests talk <b>agents</b>.</p>")
        #expect(episode.enclosures == [Enclosure(url: "http://radio.example.com/audio/ep12.mp3", type: "audio/mpeg", length: 24_986_239)])
        #expect(episode.links.map(\.rel) == ["enclosure"])
        #expect(episode.categories == ["Agents"])
    }

    @Test func jsonFeed10() throws {
        let feed = try FeedParser.parse(feedFixture("feed-1.0.json"), baseURL: URL(string: "https://micro.example/feed.json"))
        #expect(feed.format == .json)
        #expect(feed.authors == [FeedPerson(name: "Aoi Mori", uri: "https://micro.example/about")])
        let note = try #require(feed.items.first)
        #expect(note.link == "https://micro.example/2026/11/n-1")
        #expect(note.author == "Aoi Mori")
        #expect(note.contentHTML == "<p>Short note</p><p>Second paragraph</p>")
        #expect(note.enclosures == [Enclosure(url: "https://micro.example/audio/n-1.m4a", type: "audio/x-m4a", length: 89_970)])
        #expect(note.published == utcDate("2026-11-23T15:25:00Z"))
    }

    @Test func relativeLinksInsideContentAreResolvedAgainstXMLBase() throws {
        let feed = try FeedParser.parse(Data("""
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://site.example/blog/">
            <entry xml:base="2026/"><title>t</title><link href="post.html"/>
            <content type="html">&lt;p&gt;&lt;img src="../img/a.png"&gt; &lt;a href='/x?a=1&amp;amp;b=2'&gt;x&lt;/a&gt; &lt;a href="https://other.example/"&gt;y&lt;/a&gt;&lt;/p&gt;</content>
            </entry></feed>
            """.utf8), baseURL: URL(string: "https://site.example/feed.xml"))
        let entry = try #require(feed.items.first)
        #expect(entry.link == "https://site.example/blog/2026/post.html")
        #expect(entry.content?.base == "https://site.example/blog/2026/")
        #expect(entry.contentHTML == "<p><img src=\"https://site.example/blog/img/a.png\"> <a href='https://site.example/x?a=1&amp;b=2'>x</a> <a href=\"https://other.example/\">y</a></p>")
    }
}

/// Bytes in every charset feeds arrive in, in the order of trust BOM, HTTP, XML declaration.
@Suite struct FeedEncodingTests {
    let title = "日本語のニュース：生成AIの新モデル"
    let description = "東京の研究所が、日本語の読解で最高の成績を収めたと発表した。"

    @Test(arguments: [
        ("shift_jis-declared.xml", "shift_jis"), ("euc-jp-declared.xml", "euc-jp"),
        ("shift_jis-undeclared.xml", "shift_jis"), ("euc-jp-undeclared.xml", "euc-jp"), ("utf-16-bom.xml", "utf-16le"),
    ])
    func japanese(file: String, charset: String) throws {
        let feed = try FeedParser.parse(feedFixture(file), baseURL: nil)
        #expect(feed.charset == charset)
        #expect(feed.title == title)
        #expect(feed.items.first?.summary == description)
    }

    @Test func undeclaredWesternTextIsWindows1252() throws {
        let feed = try FeedParser.parse(feedFixture("windows-1252-undeclared.xml"), baseURL: nil)
        #expect(feed.charset == "windows-1252")
        #expect(feed.title == "Café “quotes”")
        #expect(feed.items.first?.summary == "Crème brûlée — 50€")
    }

    @Test func theHTTPCharsetOutranksAWrongDeclaration() throws {
        let eucJP = try feedFixture("euc-jp-declared.xml")
        let mislabelled = Data(String(decoding: eucJP.prefix(40), as: UTF8.self).replacingOccurrences(of: "EUC-JP", with: "Shift_JIS").utf8)
            + eucJP.dropFirst(40)
        #expect(String(decoding: mislabelled.prefix(40), as: UTF8.self).contains("Shift_JIS"))
        let trusted = try FeedParser.parse(mislabelled, baseURL: nil, contentType: "application/rss+xml; charset=EUC-JP")
        #expect(trusted.charset == "euc-jp")
        #expect(trusted.title == title)
        let declarationOnly = try? FeedParser.parse(mislabelled, baseURL: nil)
        #expect(declarationOnly?.title != title)
    }

    @Test func validUTF8WinsOverALabel() throws {
        let document = Data("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><rss><channel><title>\(title)</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(document, baseURL: nil, contentType: "text/xml; charset=euc-jp")
        #expect(feed.charset == "utf-8")
        #expect(feed.title == title)
    }

    @Test func invalidBytesAreReplacedNotFatal() throws {
        var document = Data("<rss><channel><title>前半".utf8)
        document.append(0xFF)
        document.append(contentsOf: Array("後半</title><item><title>残り</title></item></channel></rss>".utf8))
        let feed = try FeedParser.parse(document, baseURL: nil, contentType: "application/rss+xml; charset=utf-8")
        #expect(feed.title == "前半\u{FFFD}後半")
        #expect(feed.items.map(\.title) == ["残り"])
    }
}

/// Untrusted XML: nothing outside the document is read, and nothing inside it can make the parser
/// run long or hold much memory. What it costs in time and memory is measured in HostileInputTests.
@Suite struct FeedSafetyTests {
    @Test func externalEntitiesAreNeverReadOverTheNetworkEither() throws {
        let document = """
            <?xml version="1.0"?>
            <!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd" [<!ENTITY remote SYSTEM "http://127.0.0.1:9/secret">]>
            <rss version="2.0"><channel><title>before &remote; after</title></channel></rss>
            """
        let feed = try FeedParser.parse(Data(document.utf8), baseURL: nil)
        #expect(feed.title == "before &remote; after")
    }

    @Test func aTenMegabyteTextNodeIsReadWithinBounds() throws {
        let text = String(repeating: "あいうえお", count: 700_000)  // 10.5 MB of UTF-8
        let document = Data("<rss><channel><title>big</title><item><title>t</title><description>\(text)</description></item></channel></rss>".utf8)
        // libxml2 refuses a text node over 10,000,000 bytes rather than hold it.
        #expect(throws: FeedParseError.self) { try FeedParser.parse(document, baseURL: nil) }
    }

    @Test func deepNestingIsRefusedBeforeLibxml2ReadsIt() {
        let depth = 100_000
        let document = "<rss><channel><title>deep</title><item><description>" + String(repeating: "<div>", count: depth)
            + "x" + String(repeating: "</div>", count: depth) + "</description></item></channel></rss>"
        #expect(throws: FeedParseError.tooDeep(limit: XMLTree.maximumDepth, line: 1)) {
            try FeedParser.parse(Data(document.utf8), baseURL: nil)
        }
    }

    @Test func nestingUpToTheLimitIsRead() throws {
        let depth = XMLTree.maximumDepth - 4
        let document = "<rss><channel><title>deep</title><item><description>" + String(repeating: "<div>", count: depth)
            + "x" + String(repeating: "</div>", count: depth) + "</description></item></channel></rss>"
        let feed = try FeedParser.parse(Data(document.utf8), baseURL: nil)
        #expect(feed.title == "deep")
        let summary = try #require(feed.items.first?.summary)
        #expect(summary.hasPrefix("<div><div>") && summary.contains("x"))
    }

    /// libxml2 checks each attribute against all earlier ones in the same tag: quadratic.
    @Test func aTagWithTooManyAttributesIsRefused() throws {
        let attributes = (0...MarkupPrescan.maximumAttributes).map { " a\($0)=\"\($0)\"" }.joined()
        let document = "<rss><channel>\n<title\(attributes)>t</title></channel></rss>"
        #expect(throws: FeedParseError.tooManyAttributes(limit: MarkupPrescan.maximumAttributes, line: 2)) {
            try FeedParser.parse(Data(document.utf8), baseURL: nil)
        }
        let allowed = (1...MarkupPrescan.maximumAttributes).map { " a\($0)='\($0)'" }.joined()
        let feed = try FeedParser.parse(Data("<rss><channel><title\(allowed)>t</title></channel></rss>".utf8), baseURL: nil)
        #expect(feed.title == "t")
    }

    @Test func aTagLongerThanTheLimitIsRefused() {
        let value = String(repeating: "v", count: MarkupPrescan.maximumTagBytes)
        let document = "<rss><channel><title>t</title><item><enclosure url=\"\(value)\"/></item></channel></rss>"
        #expect(throws: FeedParseError.tagTooLong(limit: MarkupPrescan.maximumTagBytes, line: 1)) {
            try FeedParser.parse(Data(document.utf8), baseURL: nil)
        }
    }

    /// Markup the prescan passes over whole: what is inside is never counted or rewritten.
    @Test func cdataCommentsAndDeclarationsAreLiteral() throws {
        let crowded = "<x" + String(repeating: " a=\"1\"", count: MarkupPrescan.maximumAttributes * 2) + ">"
        let document = """
            <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "<b> ]> &amp;"> <!-- ] > --> ]>
            <rss version="2.0"><!-- \(crowded) &eacute; --><channel><title>t</title>
            <item><title>i</title><description><![CDATA[\(crowded) &eacute; &unknown; <]]></description></item>
            </channel></rss>
            """
        let feed = try FeedParser.parse(Data(document.utf8), baseURL: nil)
        #expect(feed.title == "t")
        #expect(feed.items.first?.summary == "\(crowded) &eacute; &unknown; <")
    }

    @Test func aDocumentOverItsBudgetIsRefused() throws {
        let items = String(repeating: "<item><title>i</title></item>", count: 200)
        let document = Data("<rss><channel><title>t</title>\(items)</channel></rss>".utf8)
        // Each look at the clock finds a second gone.
        let ticks = Mutex(0)
        let budget = ParseBudget(limit: .seconds(5)) { .seconds(ticks.withLock { $0 += 1; return $0 }) }
        #expect(throws: FeedParseError.overBudget(limit: .seconds(5))) { try FeedParser.parse(document, baseURL: nil, budget: budget) }
        let generous = ParseBudget(limit: .seconds(100)) { .seconds(ticks.withLock { $0 += 1; return $0 }) }
        #expect(try FeedParser.parse(document, baseURL: nil, budget: generous).items.count == 200)
    }

    /// The budget is looked at while libxml2 reads, not only between entries.
    @Test func libxml2StopsWhenTheBudgetIsSpent() throws {
        let elements = String(repeating: "<b>x</b>", count: 3 * XMLTree.elementsBetweenBudgetChecks)
        let document = Data("<rss><channel><title>t</title><item><description>\(elements)</description></item></channel></rss>".utf8)
        let ticks = Mutex(0)
        let budget = ParseBudget(limit: .seconds(1)) { .seconds(ticks.withLock { $0 += 1; return $0 }) }
        #expect(throws: FeedParseError.overBudget(limit: .seconds(1))) { try FeedParser.parse(document, baseURL: nil, budget: budget) }
    }

    @Test func markupDetectionAndStrippingStayCorrectWithStrayBrackets() {
        let text = String(repeating: "<a ", count: 1_000) + "<b>bold</b> 1 < 2"
        #expect(FeedText.looksLikeHTML(text))
        #expect(FeedText.plain(text) == "bold 1 < 2")
        #expect(!FeedText.looksLikeHTML(String(repeating: "1 <b ", count: 1_000)))
        #expect(FeedText.plain("x <y z") == "x <y z")
    }
}
