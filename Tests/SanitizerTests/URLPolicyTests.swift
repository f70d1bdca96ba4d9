import Foundation
import Testing
import Sanitizer

@Suite struct URLPolicyTests {
    static let base = URL(string: "https://news.example/a/b.html")

    @Test func resolvesAgainstTheBaseAndDropsTracking() {
        #expect(URLPolicy.safeURL("../c?x=1&utm_source=feed&ref=rss", base: Self.base) == "https://news.example/c?x=1")
        #expect(URLPolicy.safeURL("//cdn.example/i.png", base: Self.base, for: .resource) == "https://cdn.example/i.png")
        #expect(URLPolicy.safeURL(" \n https://ok.example/p?fbclid=1#frag \t", base: nil) == "https://ok.example/p#frag")
    }

    @Test func schemesDependOnUse() {
        #expect(URLPolicy.safeURL("mailto:desk@news.example", base: nil, for: .link) == "mailto:desk@news.example")
        #expect(URLPolicy.safeURL("mailto:desk@news.example", base: nil, for: .resource) == nil)
        #expect(URLPolicy.safeURL("ftp://files.example/x", base: Self.base) == nil)
    }

    @Test(arguments: ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "java\nscript:alert(1)", "java\tscript:alert(1)",
                      "\u{0}javascript:alert(1)", "data:text/html,x", "vbscript:x", "https:relative", "http://", ""])
    func refused(_ candidate: String) {
        #expect(URLPolicy.safeURL(candidate, base: Self.base) == nil)
    }

    @Test func relativeWithoutBaseAndOverlongAreRefused() {
        #expect(URLPolicy.safeURL("/path", base: nil) == nil)
        let long = "https://x.example/" + String(repeating: "a", count: URLPolicy.maximumLength)
        #expect(URLPolicy.safeURL(long, base: nil) == nil)
    }
}
