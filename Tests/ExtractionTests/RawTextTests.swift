import Foundation
import KawarabanCore
import Testing
@testable import Extraction

@Suite struct RawTextTests {
    static func attributes(_ range: Range<Int>) -> String {
        range.map { "a\($0)=\"\($0)\"" }.joined(separator: " ")
    }

    func prepared(_ html: String) -> String {
        String(decoding: RawText.prepared(Data(html.utf8)), as: UTF8.self)
    }

    @Test func aTagWithMoreAttributesThanTheLimitKeepsTheFirst() {
        let limit = RawText.maximumAttributes
        let html = "<div \(Self.attributes(0..<(limit + 100)))>after</div>"
        #expect(prepared(html) == "<div \(Self.attributes(0..<limit)) >after</div>")
    }

    @Test func aTagAtTheLimitIsLeftAlone() {
        let html = "<div \(Self.attributes(0..<RawText.maximumAttributes))>after</div>"
        #expect(prepared(html) == html)
    }

    /// A quoted value may hold `>`, `<` and whole tags: the tag goes on to the `>` after it.
    @Test func quotedValuesDoNotEndATag() {
        let limit = RawText.maximumAttributes
        let html = "<a title=\"1 > 0\" alt='<b>' \(Self.attributes(2..<(limit + 5)))>link</a>"
        #expect(prepared(html) == "<a title=\"1 > 0\" alt='<b>' \(Self.attributes(2..<limit)) >link</a>")
    }

    @Test func onlyTheFirstAttributesReachTheDocument() throws {
        let filler = Self.attributes(0..<(RawText.maximumAttributes + 10))
        let html = "<html><body><div class=\"kept\" \(filler)>one</div><div \(filler) class=\"cut\">two</div></body></html>"
        let document = try #require(HTMLDocument(Data(html.utf8), encoding: TextDecoding.utf8))
        let divs = (0..<document.count).filter { !document.isText($0) && document.name($0) == "div" }
        #expect(divs.count == 2)
        #expect(document.attribute(.class, of: divs[0]) == "kept")
        #expect(document.attribute(.class, of: divs[1]) == nil)
        #expect(document.textContent(document.root) == "onetwo")
    }

    /// A script tag written inside an attribute's value is text, as the parser reads it: it must
    /// not start a script body that swallows the article after it.
    @Test func aScriptTagInsideAnAttributeValueCutsNothing() throws {
        let paragraph = "<p>The council approved the new budget on Tuesday, after a long debate about school funding, "
            + "road repairs and the cost of running the city's libraries through the winter.</p>"
        let html = "<html><body><article><p title=\"<script>\">Opening words of the article.</p>"
            + String(repeating: paragraph, count: 3) + "</article></body></html>"
        let article = try ArticleExtractor.extract(html: Data(html.utf8), pageURL: nil)
        #expect(article.blocks.count == 4)
        #expect(article.readableText.hasSuffix("through the winter."))
    }

    @Test func scriptsStylesAndDrawingsLoseTheirBodiesButJSONLDStays() {
        let html = "<head><SCRIPT type=module>let a = '<p>';</SCRIPT><style>p{}</style>"
            + "<script type=\"application/ld+json\">{\"headline\":\"Kept\"}</script></head><svg><svg></svg><text>x</text></svg><p>text</p>"
        #expect(prepared(html) == "<head><SCRIPT type=module></SCRIPT><style></style>"
            + "<script type=\"application/ld+json\">{\"headline\":\"Kept\"}</script></head><svg></svg><p>text</p>")
    }

    /// Each would be a libxml2 error message; repaired, they are the same text without one.
    @Test func strayAmpersandsAreEscapedAndReferencesLeftAlone() {
        let html = "<p>A & B &&c &amp &copy; &unknown; &#x41; &1 &</p>"
        #expect(prepared(html) == "<p>A &amp; B &amp;&amp;c &amp;amp &copy; &unknown; &#x41; &amp;1 &amp;</p>")
    }

    @Test func characterReferencesGetTheirSemicolonOrAreLeftOutWhenNoCharacter() {
        let html = "<p>&#169 &#xA9x &#; &# &#x; &#0; &#1; &#xD800; &#99999999999999999999; &#65;</p>"
        #expect(prepared(html) == "<p>&#169; &#xA9;x" + String(repeating: " ", count: 8) + "&#65;</p>")
    }

    @Test func ampersandsInsideTagsAndScriptsAreNotText() {
        let html = "<a href=\"?a=1&b=2\">x</a><script type=\"application/ld+json\">{\"a\":\"b & c\"}</script>"
        #expect(prepared(html) == html)
    }

    @Test func repairsPastTheLimitAreLeftOut() {
        let limit = RawText.maximumRepairedReferences
        let result = prepared("<p>" + String(repeating: "& ", count: limit) + String(repeating: "&#65 & ", count: 10) + "end</p>")
        #expect(result == "<p>" + String(repeating: "&amp; ", count: limit) + String(repeating: "  ", count: 10) + "end</p>")
    }

    /// The text libxml2 reads is the same with and without the repairs.
    @Test func repairedReferencesReadAsWritten() throws {
        let page = "<p>fish & chips &amp salt &copy; &bogus; &#65 &#66; &#1; &# &#x42z</p>"
        let document = try #require(HTMLDocument(Data(page.utf8), encoding: TextDecoding.utf8))
        #expect(document.textContent(document.root) == "fish & chips &amp salt © &bogus; A B   Bz")
    }
}
