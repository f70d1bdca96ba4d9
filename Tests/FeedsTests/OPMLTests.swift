import Foundation
import Synchronization
import Testing
@testable import Feeds

@Suite struct OPMLTests {
    @Test func aReaderExportWithFoldersFlattensInOrder() throws {
        let document = try OPML.parse(resource("opml/reader-export.opml"))
        #expect(document.title == "My subscriptions & more")
        #expect(document.entries == [
            OPMLEntry(feedURL: "https://lab.example/feed.xml", siteURL: "https://lab.example/", title: "Lab Blog", type: "rss"),
            OPMLEntry(feedURL: "https://papers.example/atom", siteURL: "https://papers.example", title: "Papers & Notes", type: "rss"),
            OPMLEntry(feedURL: "https://text.example/rss", title: "Only text, no title", type: "rss"),
            OPMLEntry(feedURL: "https://jp.example/index.rdf", title: "日本語のブログ", type: "rss"),
        ])
        // The empty folder and the bookmark; folders with feeds in them are not counted.
        #expect(document.ignoredOutlines == 2)
    }

    @Test func exportedListsReadBackTheSame() throws {
        let entries = [
            OPMLEntry(feedURL: "https://a.example/feed?x=1&y=<2>", siteURL: "https://a.example/", title: #"Tom & "Jerry" <news>"#, type: "rss"),
            OPMLEntry(feedURL: "https://hacker-news.firebaseio.com/v0/", title: "Hacker News", type: "hackernews"),
            OPMLEntry(feedURL: "https://b.example/atom", title: "Line one\nline two\ttabbed 日本", type: "rss"),
        ]
        let written = OPML.document(title: "Sources & more", entries: entries)
        #expect(written.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + #"<opml version="2.0">"#))
        let read = try OPML.parse(Data(written.utf8))
        #expect(read.title == "Sources & more")
        #expect(read.entries == entries)
        #expect(read.ignoredOutlines == 0)
    }

    @Test func charactersXMLCannotCarryAreDroppedNotFatal() throws {
        let entry = OPMLEntry(feedURL: "https://c.example/rss", title: "bell\u{07}and\u{FFFF}null\u{0}", type: "rss")
        let read = try OPML.parse(Data(OPML.document(title: "t", entries: [entry]).utf8))
        #expect(read.entries.first?.title == "bellandnull")
    }

    @Test func externalEntitiesAreNeverRead() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("opml-secret-\(UUID().uuidString)")
        try Data("TOP-SECRET".utf8).write(to: secret)
        defer { try? FileManager.default.removeItem(at: secret) }
        let opml = """
            <?xml version="1.0"?>
            <!DOCTYPE opml [<!ENTITY leak SYSTEM "\(secret.absoluteString)">]>
            <opml version="2.0"><head><title>&leak;</title></head>
            <body><outline text="&leak;" xmlUrl="https://x.example/&leak;"/></body></opml>
            """
        let document = try OPML.parse(Data(opml.utf8))
        #expect(document.title?.contains("TOP-SECRET") != true)
        #expect(document.entries.allSatisfy { !$0.feedURL.contains("TOP-SECRET") && $0.title?.contains("TOP-SECRET") != true })
    }

    @Test func boundsAndWrongDocumentsAreTypedErrors() throws {
        let deep = "<opml><body>" + String(repeating: "<outline text=\"f\">", count: OPML.maximumDepth + 1)
            + String(repeating: "</outline>", count: OPML.maximumDepth + 1) + "</body></opml>"
        #expect(throws: OPMLError.tooDeep(limit: OPML.maximumDepth)) { try OPML.parse(Data(deep.utf8)) }
        let many = "<opml><body>" + String(repeating: "<outline text=\"n\"/>", count: OPML.maximumOutlines + 1) + "</body></opml>"
        #expect(throws: OPMLError.tooManyOutlines(limit: OPML.maximumOutlines)) { try OPML.parse(Data(many.utf8)) }
        #expect(throws: OPMLError.tooLarge(limit: OPML.maximumBytes)) {
            try OPML.parse(Data(count: OPML.maximumBytes + 1))
        }
        #expect(throws: OPMLError.notOPML(root: "rss")) { try OPML.parse(Data("<rss><channel/></rss>".utf8)) }
        #expect(throws: OPMLError.missingBody) { try OPML.parse(Data("<opml version=\"2.0\"><head/></opml>".utf8)) }
        #expect(throws: OPMLError.self) { try OPML.parse(Data()) }
    }

    @Test func entitiesAListDeclaresAreNeverExpanded() throws {
        let opml = """
            <?xml version="1.0"?>
            <!DOCTYPE opml [<!ENTITY big "\(String(repeating: "x", count: 10_000))">]>
            <opml version="2.0"><head><title>&big;&big;</title></head>
            <body><outline text="&big;&eacute;" xmlUrl="https://x.example/?a=&big;&amp;b=&eacute;"/></body></opml>
            """
        let document = try OPML.parse(Data(opml.utf8))
        #expect(document.title == "&big;&big;")
        #expect(document.entries == [OPMLEntry(feedURL: "https://x.example/?a=&big;&b=é", title: "&big;é")])
    }

    @Test func aListOverItsBudgetIsRefused() throws {
        let many = "<opml><body>" + String(repeating: "<outline text=\"n\" xmlUrl=\"https://n.example/\"/>", count: 50) + "</body></opml>"
        let ticks = Mutex(0)
        let budget = ParseBudget(limit: .seconds(10)) { .seconds(ticks.withLock { $0 += 1; return $0 }) }
        #expect(throws: OPMLError.unreadable(.overBudget(limit: .seconds(10)))) { try OPML.parse(Data(many.utf8), budget: budget) }
    }
}
