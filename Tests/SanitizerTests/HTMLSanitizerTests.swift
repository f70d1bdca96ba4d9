import Foundation
import Testing
@testable import Sanitizer

/// Hostile fragments go in; what comes out is read back by a separate parser and must hold nothing
/// that runs, loads or submits anything unvetted, while the words a reader came for remain.
@Suite struct HTMLSanitizerTests {
    static let base = URL(string: "https://news.example/2024/story.html")!

    /// Sanitises, checks the result is safe, and returns what the inspector saw.
    @discardableResult
    static func sanitized(_ html: String, keeping words: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> (html: String, inspection: SafetyInspector) {
        let output = HTMLSanitizer.sanitize(html, base: base)
        let inspection = SafetyInspector(output)
        #expect(inspection.problems == [], "\(html.debugDescription) gave \(output.debugDescription)", sourceLocation: sourceLocation)
        for word in words {
            #expect(inspection.visibleText.contains(word), "\(word.debugDescription) lost from \(output.debugDescription)",
                    sourceLocation: sourceLocation)
        }
        return (output, inspection)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let html: String
        let keeps: [String]
        var testDescription: String { name }
    }

    static let scriptsAndStyles: [Case] = [
        Case(name: "script", html: "<p>Before</p><script>alert(1)</script><p>After</p>", keeps: ["Before", "After"]),
        Case(name: "upper-case script with source", html: "<SCRIPT SRC=//evil.example/x.js></SCRIPT>Text", keeps: ["Text"]),
        Case(name: "split script tag", html: "<scr<script>ipt>alert(1)</scr</script>ipt>Words", keeps: ["Words"]),
        Case(name: "script in attribute-looking text", html: "<p title=\"</p><script>alert(1)</script>\">Safe</p>", keeps: ["Safe"]),
        Case(name: "unterminated script", html: "<p>Kept</p><script>alert(1)", keeps: ["Kept"]),
        Case(name: "style element", html: "<style>body{background:url(javascript:alert(1))}</style><p>Styled</p>", keeps: ["Styled"]),
        Case(name: "style attribute", html: "<p style=\"background:url('javascript:alert(1)');behavior:url(x.htc)\">Inline</p>", keeps: ["Inline"]),
        Case(name: "expression in style", html: "<div style=\"width: expression(alert(1))\">Old IE</div>", keeps: ["Old IE"]),
        Case(name: "link stylesheet", html: "<link rel=stylesheet href=\"javascript:alert(1)\"><p>Body</p>", keeps: ["Body"]),
        Case(name: "noscript mutation", html: "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">n</p></noscript><p>Visible</p>",
             keeps: ["Visible"]),
        Case(name: "template", html: "<template><img src=x onerror=alert(1)></template><p>Shown</p>", keeps: ["Shown"]),
        Case(name: "object embed applet", html: "<object data=\"javascript:alert(1)\"><param name=x value=y></object>"
             + "<embed src=\"data:text/html,<script>alert(1)</script>\"><applet code=X></applet><p>Plain</p>", keeps: ["Plain"]),
    ]

    static let eventHandlers: [Case] = [
        Case(name: "onerror on image", html: "<img src=\"https://cdn.example/a.jpg\" onerror=\"alert(1)\"><p>Pic</p>", keeps: ["Pic"]),
        Case(name: "onload on body", html: "<body onload=alert(1)><p>Body text</p></body>", keeps: ["Body text"]),
        Case(name: "mixed-case handlers", html: "<p OnClick=\"alert(1)\" onMouseOver='alert(2)'>Hover</p>", keeps: ["Hover"]),
        Case(name: "handler with slash separator", html: "<a/href=\"https://ok.example/\"/onfocus=alert(1)>Link</a>", keeps: ["Link"]),
        Case(name: "handler after bad quotes", html: "<div title=\"x\"onmouseover=\"alert(1)\">Glued</div>", keeps: ["Glued"]),
        Case(name: "details ontoggle", html: "<details open ontoggle=alert(1)><summary>More</summary>Inside</details>", keeps: ["More", "Inside"]),
        Case(name: "form controls with autofocus", html: "<input autofocus onfocus=alert(1)><p>After input</p>", keeps: ["After input"]),
    ]

    static let foreignMarkup: [Case] = [
        Case(name: "svg onload", html: "<svg onload=alert(1)><circle r=1 /></svg><p>Circle</p>", keeps: ["Circle"]),
        Case(name: "svg script", html: "<svg><script>alert(1)</script></svg><p>After svg</p>", keeps: ["After svg"]),
        Case(name: "svg xlink", html: "<svg><a xlink:href=\"javascript:alert(1)\"><text>t</text></a></svg><p>Next</p>", keeps: ["Next"]),
        Case(name: "svg animate", html: "<svg><animate attributeName=href values=\"javascript:alert(1)\"/></svg><p>Anim</p>", keeps: ["Anim"]),
        Case(name: "svg style mutation", html: "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\"></svg><p>Mut</p>", keeps: ["Mut"]),
        Case(name: "math maction", html: "<math><maction actiontype=statusline xlink:href=\"javascript:alert(1)\">click</maction></math><p>Maths</p>",
             keeps: ["Maths"]),
        Case(name: "math mglyph mutation", html: "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>"
             + "<p>Deep</p>", keeps: ["Deep"]),
        Case(name: "namespaced script", html: "<svg:script>alert(1)</svg:script><html:script>alert(2)</html:script><p>Ns</p>", keeps: ["Ns"]),
    ]

    static let documentTricks: [Case] = [
        Case(name: "base href", html: "<base href=\"javascript:alert(1)//\"><a href=\"page\">Relative</a>", keeps: ["Relative"]),
        Case(name: "meta refresh", html: "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\"><p>Meta</p>", keeps: ["Meta"]),
        Case(name: "meta refresh with data", html: "<META HTTP-EQUIV=REFRESH CONTENT=\"0;URL=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg\"><p>M</p>",
             keeps: ["M"]),
        Case(name: "form with actions", html: "<form action=\"javascript:alert(1)\"><input type=submit formaction=\"javascript:alert(2)\">"
             + "<button formaction=\"javascript:alert(3)\">Go</button><textarea>typed</textarea></form><p>Below</p>", keeps: ["Below"]),
        Case(name: "form around the article", html: "<form id=aspnetForm><div><p>Whole article</p></div></form>", keeps: ["Whole article"]),
        Case(name: "isindex", html: "<isindex action=\"javascript:alert(1)\" type=image><p>Idx</p>", keeps: ["Idx"]),
        Case(name: "frameset", html: "<frameset><frame src=\"javascript:alert(1)\"></frameset><p>Frames</p>", keeps: []),
        Case(name: "html and head", html: "<html><head><title>T</title></head><body><h2>Heading</h2><p>Para</p></body></html>",
             keeps: ["Heading", "Para"]),
    ]

    static let iframes: [Case] = [
        Case(name: "unclosed embed", html: "safe<embed src=\"https://media.example/\"> <b>description</b>", keeps: ["safe", "description"]),
        Case(name: "unclosed object", html: "safe<object classid=\"clsid:C932BA85\"> description", keeps: ["safe description"]),
        Case(name: "unclosed allowed player", html: "<iframe src=\"https://player.vimeo.com/video/1\">After the video", keeps: ["After the video"]),
        Case(name: "iframe elsewhere", html: "<iframe src=\"https://evil.example/\"></iframe><p>No frame</p>", keeps: ["No frame"]),
        Case(name: "iframe srcdoc", html: "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe><p>S</p>", keeps: ["S"]),
        Case(name: "iframe javascript", html: "<iframe src=\"javascript:alert(1)\"></iframe><p>J</p>", keeps: ["J"]),
        Case(name: "look-alike host", html: "<iframe src=\"https://www.youtube.com.evil.example/embed/abc\"></iframe><p>L</p>", keeps: ["L"]),
        Case(name: "path escape", html: "<iframe src=\"https://www.youtube.com/embed/../../evil\"></iframe><p>P</p>", keeps: ["P"]),
        Case(name: "vimeo not a player", html: "<iframe src=\"https://vimeo.com/evil/frame\"></iframe><p>V</p>", keeps: ["V"]),
    ]

    static let brokenMarkup: [Case] = [
        Case(name: "misnested inline", html: "<p>one<b>two<i>three</b>four</i>five", keeps: ["one", "two", "three", "four", "five"]),
        Case(name: "nested links", html: "<a href=\"https://ok.example/\">outer<a href=\"javascript:alert(1)\">inner</a></a>", keeps: ["outer", "inner"]),
        Case(name: "table across div", html: "<div><table><tr><td>cell</div></table>after", keeps: ["cell", "after"]),
        Case(name: "unterminated tag", html: "<p>unclosed <img src=\"x\" onerror=\"alert(1)\"", keeps: ["unclosed"]),
        Case(name: "unterminated attribute", html: "<p>text<a href=\"https://ok.example/ onclick=alert(1)>more", keeps: ["text"]),
        Case(name: "stray end tags", html: "</div></p></body></html>Loose<p>Para</td></tr>", keeps: ["Loose", "Para"]),
        Case(name: "null and controls", html: "<p>a\u{0}b\u{1}c</p><scr\u{0}ipt>alert(1)</script>", keeps: ["a"]),
        Case(name: "comment hiding script", html: "<!--<script>alert(1)</script>--><p>Commented</p>", keeps: ["Commented"]),
        Case(name: "conditional comment", html: "<!--[if gte IE 4]><script>alert(1)</script><![endif]--><p>IE</p>", keeps: ["IE"]),
        Case(name: "comment end tricks", html: "<!-- --!><script>alert(1)</script> --><p>Bang</p>", keeps: ["Bang"]),
        Case(name: "cdata", html: "<![CDATA[<script>alert(1)</script>]]><p>Cdata</p>", keeps: ["Cdata"]),
        Case(name: "processing instruction", html: "<?xml-stylesheet href=\"javascript:alert(1)\"?><p>Pi</p>", keeps: ["Pi"]),
        Case(name: "escaped markup stays text", html: "<p>a &lt;script&gt;alert(1)&lt;/script&gt; b</p>", keeps: ["<script>alert(1)</script>"]),
    ]

    @Test(arguments: scriptsAndStyles + eventHandlers + foreignMarkup + documentTricks + iframes + brokenMarkup)
    func hostileFragment(_ fragment: Case) {
        Self.sanitized(fragment.html, keeping: fragment.keeps)
    }

    /// Every attribute that takes a URL, on an element that takes it, with every way of spelling
    /// a script or data scheme that browsers are known to accept.
    static let urlAttributes = [
        ("a", "href"), ("img", "src"), ("img", "srcset"), ("form", "action"), ("button", "formaction"),
        ("video", "poster"), ("blockquote", "cite"), ("q", "cite"), ("del", "cite"), ("ins", "cite"),
        ("body", "background"), ("table", "background"), ("td", "background"), ("a", "xlink:href"),
        ("object", "data"), ("object", "codebase"), ("img", "longdesc"), ("img", "usemap"), ("img", "dynsrc"),
        ("img", "lowsrc"), ("iframe", "src"), ("embed", "src"), ("link", "href"), ("area", "href"),
        ("input", "src"), ("a", "ping"), ("source", "src"), ("video", "src"), ("html", "manifest"),
    ]
    static let scriptURLs = [
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)", "java\tscript:alert(1)",
        "jav&#x09;ascript:alert(1)", "jav&#x0A;ascript:alert(1)", "jav&#x0D;ascript:alert(1)",
        "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)", "&#x6A;avascript:alert(1)",
        "&#0000106avascript:alert(1)", "javascript&#58;alert(1)", "javascript&colon;alert(1)", "&#1;javascript:alert(1)",
        "\u{1}javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:image/svg+xml,<svg onload=alert(1)>", " data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)", "VBScript:msgbox(1)", "livescript:alert(1)", "mocha:alert(1)",
        "javascript://%0Aalert(1)", "jar:https://x.example/a.jar!/", "file:///etc/passwd", "filesystem:https://x/x",
        "https:javascript:alert(1)", "\\\\evil.example\\share",
    ]

    @Test(arguments: urlAttributes.map { "\($0.0) \($0.1)" })
    func scriptURLsInEveryAttribute(_ placement: String) {
        let parts = placement.split(separator: " ").map(String.init)
        let (element, attribute) = (parts[0], parts[1])
        for url in Self.scriptURLs {
            let quoted = url.replacingOccurrences(of: "\"", with: "&quot;")
            Self.sanitized("<\(element) \(attribute)=\"\(quoted)\">Payload text</\(element)><p>Tail</p>", keeping: ["Tail"])
        }
    }

    @Test func urlsAreAbsoluteWithoutTrackingAndLinksAreIsolated() {
        let (html, inspection) = Self.sanitized(
            "<p><a href=\"/other?id=7&amp;utm_source=rss&amp;utm_medium=feed&amp;fbclid=abc\">Other</a> "
            + "<a href=\"//cdn.example/x?gclid=1\">Proto</a> <a href=\"mailto:desk@news.example\">Mail</a> "
            + "<a href=\"https://ok.example/\" target=\"_blank\" rel=\"opener\">Ext</a></p>",
            keeping: ["Other", "Proto", "Mail", "Ext"])
        let links = inspection.elements.filter { $0.name == "a" }.compactMap { $0.attributes["href"] }
        #expect(links == ["https://news.example/other?id=7", "https://cdn.example/x", "mailto:desk@news.example", "https://ok.example/"])
        #expect(!html.contains("target"))
        #expect(inspection.elements.filter { $0.name == "a" }.allSatisfy { $0.attributes["rel"] == "noopener noreferrer" })
    }

    @Test func relativeURLsWithoutABaseAreDropped() {
        let output = HTMLSanitizer.sanitize("<a href=\"/x\">Rel</a><img src=\"pic.jpg\"><a href=\"https://abs.example/\">Abs</a>", base: nil)
        let inspection = SafetyInspector(output)
        #expect(inspection.elements.map(\.name) == ["p", "a"])
        #expect(inspection.visibleText == "Rel Abs")
    }

    @Test func trackingPixelsAreRemovedAndPicturesKept() {
        let (_, inspection) = Self.sanitized("""
            <p>Story</p>
            <img src="https://feeds.feedburner.com/~r/Example/~4/abc" height="1" width="1">
            <img src="https://stats.wordpress.com/b.gif?host=x" alt="">
            <img src="https://medium.com/_/stat?event=post.clientViewed" width="1" height="1">
            <img src="https://cdn.example/counter.gif" width="1px" height="0">
            <img src="https://eotrx.substackcdn.com/open?token=x">
            <img src="https://cdn.example/photo.jpg?utm_campaign=x" width="640" height="480" alt="A photo">
            """, keeping: ["Story"])
        let images = inspection.elements.filter { $0.name == "img" }
        #expect(images.count == 1)
        #expect(images.first?.attributes == ["src": "https://cdn.example/photo.jpg", "width": "640", "height": "480", "alt": "A photo"])
    }

    @Test func allowedVideosAreRewrittenAndSandboxed() {
        let (_, inspection) = Self.sanitized("""
            <iframe width="560" src="https://www.youtube.com/embed/dQw4w9WgXcQ?autoplay=1&start=42" allow="autoplay" allowfullscreen onload="x"></iframe>
            <iframe src="//player.vimeo.com/video/76979871?h=8272103f6e&autoplay=1" name="v"></iframe>
            <iframe src="https://www.youtube-nocookie.com/embed/abc"><p>fallback</p></iframe>
            """)
        let frames = inspection.elements.filter { $0.name == "iframe" }.compactMap { $0.attributes["src"] }
        #expect(frames == [
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=42",
            "https://player.vimeo.com/video/76979871?h=8272103f6e",
            "https://www.youtube-nocookie.com/embed/abc",
        ])
    }

    @Test func articleStructureSurvives() {
        let (html, _) = Self.sanitized("""
            <article class="post" id="x" data-id="9"><h2>Title</h2><p>Lead with <em>emphasis</em>, <strong>strength</strong> and <code>code</code>.</p>
            <ul><li>one</li><li>two</li></ul><ol start="3" type="i"><li value="5">three</li></ol>
            <blockquote cite="https://source.example/q">Quoted</blockquote>
            <figure><img src="/img/a.png" srcset="/img/a.png 1x, /img/a@2x.png 2x" alt="Alt"><figcaption>Caption</figcaption></figure>
            <table><thead><tr><th scope="col" colspan="2">Head</th></tr></thead><tbody><tr><td rowspan="1">Cell</td></tr></tbody></table>
            <pre><code>let x = 1 &lt; 2</code></pre></article>
            """, keeping: ["Title", "emphasis", "strength", "one", "two", "three", "Quoted", "Caption", "Head", "Cell", "let x = 1 < 2"])
        #expect(html.contains("<h2>Title</h2>"))
        #expect(html.contains("<ol start=\"3\" type=\"i\"><li value=\"5\">three</li></ol>"))
        #expect(html.contains("<blockquote cite=\"https://source.example/q\">Quoted</blockquote>"))
        #expect(html.contains("<img src=\"https://news.example/img/a.png\" srcset=\"https://news.example/img/a.png 1x, https://news.example/img/a@2x.png 2x\" alt=\"Alt\">"))
        #expect(html.contains("<th scope=\"col\" colspan=\"2\">Head</th>"))
        #expect(html.contains("<pre><code>let x = 1 &lt; 2</code></pre>"))
        #expect(!html.contains("class=") && !html.contains("data-id") && !html.contains("article"))
    }

    @Test func textAndAttributesAreEscaped() {
        let (html, inspection) = Self.sanitized("<p title='say \"hi\" &amp; &lt;go&gt;'>Tom &amp; Jerry &lt;3 'quotes'</p>")
        #expect(html == "<p title=\"say &quot;hi&quot; &amp; &lt;go&gt;\">Tom &amp; Jerry &lt;3 &#39;quotes&#39;</p>")
        #expect(inspection.elements.first?.attributes["title"] == "say \"hi\" & <go>")
    }

    @Test func nestingDepthIsBounded() {
        let levels = 100
        let html = String(repeating: "<div><b>", count: levels) + "deep words" + String(repeating: "</b></div>", count: levels) + "<p>after</p>"
        let (output, inspection) = Self.sanitized(html, keeping: ["deep words", "after"])
        #expect(inspection.maximumDepth <= HTMLSanitizer.maximumDepth + 1)
        #expect(output.utf8.count < 12 * HTMLSanitizer.maximumDepth + 100)
    }

    /// libxml2 stops reading past 256 levels, so such a fragment loses its text from there on;
    /// what matters is that it ends promptly with safe output.
    @Test func hostileNestingEndsSafely() {
        let levels = 100_000
        let html = String(repeating: "<div><a href=\"javascript:alert(1)\">", count: levels) + "deep"
        let (output, _) = Self.sanitized(html)
        #expect(output.utf8.count < 12 * HTMLSanitizer.maximumDepth + 100)
    }

    @Test func emptyAndWhitespaceInput() {
        #expect(HTMLSanitizer.sanitize("", base: Self.base) == "")
        #expect(SafetyInspector(HTMLSanitizer.sanitize("   \n", base: Self.base)).visibleText == "")
    }
}
