import Foundation
import Testing
import TestSupport

/// Hostile feeds and subscription lists, each read by the built executable in a process of its
/// own, at sizes that took minutes or gigabytes before the prescan, the budget and linear scans.
@Suite(.serialized) struct FeedTests {
    static let fetchLimit = 15 * 1_048_576

    /// Writes `document` to a temporary file, runs `arguments` with the file's path appended, and
    /// removes the file.
    func measure(_ arguments: [String], document: Data, environment: [String: String] = [:],
                 name: String = "feed.xml") async throws -> MeasuredRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(name)
        try document.write(to: file)
        var environment = environment
        environment["KAWARABAN_DATABASE"] = folder.appendingPathComponent("kawaraban.sqlite").path
        return try await KawarabanProcess(environment: environment).measure(arguments + [file.path])
    }

    static func rss(title: String, items: String = "", doctype: String = "") -> Data {
        Data("""
            <?xml version="1.0"?>\(doctype)
            <rss version="2.0"><channel><title>\(title)</title><link>https://hostile.example/</link>\(items)</channel></rss>
            """.utf8)
    }

    /// An unclosed start tag of `bytes` bytes, and how many attributes it holds.
    static func crowdedTag(_ name: String, bytes: Int, attribute: (Int) -> String) -> (tag: String, attributes: Int) {
        var tag = "<" + name
        var count = 0
        while tag.utf8.count < bytes {
            tag += attribute(count)
            count += 1
        }
        return (tag, count)
    }

    /// Before: a 10 KB entity referenced 99,000 times made a 990 MB title from a 339 KB feed.
    @Test func aFeedOfReferencesToALargeEntity() async throws {
        let references = String(repeating: "&big;", count: 99_000)
        let document = Self.rss(title: references, items: "<item><title>\(references)</title><link>https://hostile.example/1</link></item>",
                                doctype: "<!DOCTYPE rss [<!ENTITY big \"\(String(repeating: "x", count: 10_000))\">]>")
        let run = try await measure(["feed", "parse", "--json"], document: document)
        run.expectWithinBudget("a 10 KB entity referenced 198,000 times")
        #expect(run.result.status == 0, "\(run.result.errors)")
        #expect(run.result.output.utf8.count < 2 * document.count)
        #expect(!run.result.output.contains("xxxxxxxxxx"))
    }

    /// Billion laughs: ten levels of ten references, 10^10 copies of "lol" if expanded.
    @Test func nestedEntityAmplification() async throws {
        var declarations = ["<!ENTITY lol0 \"lol\">"]
        for level in 1...10 {
            declarations.append("<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">")
        }
        let document = Self.rss(title: String(repeating: "&lol10;", count: 1_000),
                                doctype: "<!DOCTYPE rss [" + declarations.joined(separator: "\n") + "]>")
        let run = try await measure(["feed", "parse", "--json"], document: document)
        run.expectWithinBudget("billion laughs")
        #expect(run.result.status == 0, "\(run.result.errors)")
        #expect(run.result.output.utf8.count < 2 * document.count)
    }

    /// Before: libxml2 compares each attribute with every earlier one; 15 MiB of them, about an hour.
    @Test func aFifteenMebibyteTagOfAttributes() async throws {
        let (tag, number) = Self.crowdedTag("item", bytes: Self.fetchLimit - 200) { " a\($0)=\"\"" }
        let document = Self.rss(title: "t", items: tag + "><title>i</title></item>")
        let run = try await measure(["feed", "parse", "--count"], document: document)
        run.expectWithinBudget("one tag with \(number) attributes")
        #expect(run.result.status != 0)
        #expect(run.result.errors.contains("has more than 128 attributes"), "\(run.result.errors)")
    }

    @Test func aFifteenMebibyteAttributeValue() async throws {
        let value = String(repeating: "v", count: Self.fetchLimit - 200)
        let document = Self.rss(title: "t", items: "<item><enclosure url=\"\(value)\"/></item>")
        let run = try await measure(["feed", "parse", "--count"], document: document)
        run.expectWithinBudget("one 15 MiB tag")
        #expect(run.result.status != 0)
        #expect(run.result.errors.contains("is longer than"), "\(run.result.errors)")
    }

    /// Before: every "<" in a title that reads as plain text rescanned the rest of it for a ">".
    @Test func millionsOfLessThanSignsInText() async throws {
        let text = String(repeating: "&lt;b ", count: 600_000)
        let document = Self.rss(title: text, items: "<item><title>\(text)</title><description>\(text)</description></item>")
        let run = try await measure(["feed", "parse", "--count"], document: document)
        run.expectWithinBudget("1.8 million '<' in text")
        #expect(run.result.status == 0, "\(run.result.errors)")
        #expect(run.result.output == "1\n")
    }

    @Test func deepNesting() async throws {
        let depth = Self.fetchLimit / 11
        let document = Self.rss(title: "t", items: "<item><description>" + String(repeating: "<div>", count: depth)
                                    + String(repeating: "</div>", count: depth) + "</description></item>")
        let run = try await measure(["feed", "parse", "--count"], document: document)
        run.expectWithinBudget("\(depth) nested elements")
        #expect(run.result.status != 0)
        #expect(run.result.errors.contains("nested more than 256 deep"), "\(run.result.errors)")
    }

    @Test func deeplyNestedJSONFeed() async throws {
        let depth = Self.fetchLimit / 2
        let document = Data(("{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":"
                             + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}").utf8)
        let run = try await measure(["feed", "parse", "--count"], document: document, name: "feed.json")
        run.expectWithinBudget("a JSON feed \(depth) arrays deep")
        #expect(run.result.status != 0)
        #expect(run.result.errors.contains("not a JSON Feed"), "\(run.result.errors)")
    }

    /// Before: two outlines whose names referred 40,000 times to a 10 KB entity, 800 MB of names.
    @Test func anOPMLListWithEntities() async throws {
        let references = String(repeating: "&big;", count: 40_000)
        let ignored = String(repeating: "<outline text=\"&big;&big;&big;&big;\"/>", count: 40_000)
        let opml = Data("""
            <?xml version="1.0"?>
            <!DOCTYPE opml [<!ENTITY big "\(String(repeating: "x", count: 10_000))">]>
            <opml version="2.0"><head><title>\(references)</title></head><body>
            <outline text="\(references)" xmlUrl="https://a.hostile.example/feed"/>
            <outline text="\(references)" xmlUrl="https://b.hostile.example/feed?&big;"/>\(ignored)
            </body></opml>
            """.utf8)
        let run = try await measure(["sources", "import"], document: opml, name: "list.opml")
        run.expectWithinBudget("an OPML list of references to a 10 KB entity")
        #expect(run.result.status == 0, "\(run.result.errors)")
        #expect(run.result.output.contains("2 added"), "\(run.result.output.suffix(300))")
        #expect(!run.result.output.contains("xxxxxxxxxx"))
    }

    /// Before: the page was read as XML, then as HTML, by parsers that compare each attribute of a
    /// tag with every earlier one. The feed link stands before the crowded tag and is found.
    @Test func aFifteenMebibytePageSearchedForItsFeed() async throws {
        let (crowded, number) = Self.crowdedTag("div", bytes: Self.fetchLimit - 400) { " a\($0)" }
        let page = """
            <html><head><title>Blog</title><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>
            <body>\(crowded)></div></body></html>
            """
        let routes = FixtureRoutes([
            "/": TestResponse(headers: [("Content-Type", "text/html")], body: Array(page.utf8)),
            "/feed.xml": TestResponse(headers: [("Content-Type", "application/rss+xml")],
                                      body: Array(Self.rss(title: "Found", items: "<item><title>i</title><link>https://hostile.example/i</link></item>"))),
        ])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await withTestHTTPServer(routes.handler) { port in
            try await KawarabanProcess(environment: [
                "KAWARABAN_DATABASE": folder.appendingPathComponent("kawaraban.sqlite").path,
                "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(port)",
            ]).measure(["sources", "add", "http://127.0.0.1:\(port)/"])
        }
        run.expectWithinBudget("a page with a tag of \(number) attributes")
        #expect(run.result.status == 0, "\(run.result.errors)")
        #expect(run.result.output.contains("announces the feed"), "\(run.result.output)")
    }
}
