import Fetching
import Foundation
import KawarabanCore
import Logging
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// Every kind of bad source in one collection run against a real SQLite store: each ends with a
/// clear error on its own source, the good ones are collected, and the process stays alive with
/// its memory bounded.
@Suite struct HostileSourcesTests {
    static let logger = Logger(label: "hostile-sources", factory: { _ in SwiftLogNoOpLogHandler() })
    /// The default: long enough for a 15 MiB body and a chain of redirects on loopback while the
    /// rest of the suite loads the machine's two cores (10 s was not, once the suite had a browser
    /// and a demo database in it). The dripping source costs this long.
    static let timeout: Duration = .seconds(20)
    /// Generous for a test process that holds a 15 MiB body at most per source.
    static let residentLimit = 1024 * 1024 * 1024

    /// A small valid feed whose one item links to a page of its own, so that no two sources share a story.
    static func goodFeed(_ slug: String, title: String = "A model ships") -> String {
        """
        <rss version="2.0"><channel><title>Good</title>
        <item><title>\(title)</title><link>https://news.example/\(slug)</link></item></channel></rss>
        """
    }

    /// What a source's health must say after one collection.
    enum Expected {
        case healthy(firstTitle: String)
        case failed(containing: String)
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    static func routes(port: Int) throws -> [(path: String, response: TestResponse, expected: Expected)] {
        let rss = "application/rss+xml"
        func redirect(to location: String) -> TestResponse {
            TestResponse(status: 302, headers: [("Location", location)])
        }
        func xml(_ text: String, contentType: String = rss) -> TestResponse { .text(text, contentType: contentType) }
        let japaneseTitle = "人工知能の新しいモデルが発表された"
        var chain: [(String, TestResponse, Expected)] = (0..<11).map { hop in
            ("/hop\(hop)", redirect(to: "/hop\(hop + 1)"), .failed(containing: "more than 5 redirects"))
        }
        chain.append(("/hop11", xml(goodFeed("hop")), .healthy(firstTitle: "A model ships")))
        return [
            ("/good.xml", xml(goodFeed("good")), .healthy(firstTitle: "A model ships")),
            ("/to-loopback", redirect(to: "http://127.0.0.1:\(port + 1)/"), .failed(containing: "private or reserved")),
            ("/to-metadata", redirect(to: "http://169.254.169.254/latest/meta-data/"), .failed(containing: "private or reserved")),
            ("/to-v6-loopback", redirect(to: "http://[::1]:\(port)/good.xml"), .failed(containing: "private or reserved")),
            ("/to-cgnat", redirect(to: "http://100.64.0.1/"), .failed(containing: "private or reserved")),
            ("/to-localhost", redirect(to: "http://localhost:\(port)/good.xml"), .failed(containing: "private or reserved")),
            ("/bomb.xml", try HostileBodies.gzipBombResponse(contentType: rss), .failed(containing: "larger than")),
            ("/endless.xml", TestResponse(headers: [("Content-Type", rss)],
                                          stream: TestStream(chunk: Array(repeating: UInt8(ascii: " "), count: 256 * 1024))),
             .failed(containing: "larger than")),
            ("/drip.xml", TestResponse(headers: [("Content-Type", rss)], body: Array("<rss>".utf8),
                                       stream: TestStream(chunk: Array(" ".utf8), interval: .seconds(1))),
             .failed(containing: "no complete answer within 20 s")),
            chain[0],
            ("/limited.xml", TestResponse(status: 429, headers: [("Retry-After", "7200")]), .failed(containing: "HTTP 429")),
            ("/empty.xml", xml(""), .failed(containing: "empty")),
            ("/page.html", xml("<!DOCTYPE html><html><head><title>Blog</title></head><body><p>Hi</p></body></html>",
                               contentType: "text/html"), .failed(containing: "HTML page, not a feed")),
            ("/xxe.xml", xml("""
                <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
                <rss version="2.0"><channel><title>&secret;</title><item><title>x&secret;</title><link>https://news.example/x</link></item></channel></rss>
                """), .healthy(firstTitle: "x")),
            // Declared entities are never expanded: the reference stays as text, at its own size.
            ("/laughs.xml", xml(billionLaughs), .healthy(firstTitle: "laughs &lol9;")),
            ("/huge-text.xml", xml("<rss version=\"2.0\"><channel><title>Huge</title><item><title>"
                                   + String(repeating: "a", count: 10 * 1024 * 1024)
                                   + "</title><link>https://news.example/huge</link></item></channel></rss>"),
             .failed(containing: "a limit on size or depth was reached")),
            ("/sjis.xml", TestResponse(headers: [("Content-Type", "application/xml")], body: try fixture("shift_jis-declared.xml")),
             .healthy(firstTitle: japaneseTitle)),
            ("/sjis-undeclared.xml", TestResponse(headers: [("Content-Type", "application/xml")],
                                                  body: try fixture("shift_jis-undeclared.xml")),
             .healthy(firstTitle: japaneseTitle)),
            ("/eucjp.xml", TestResponse(headers: [("Content-Type", "application/xml")], body: try fixture("euc-jp-declared.xml")),
             .healthy(firstTitle: japaneseTitle)),
            ("/eucjp-undeclared.xml", TestResponse(headers: [("Content-Type", "application/xml")],
                                                   body: try fixture("euc-jp-undeclared.xml")),
             .healthy(firstTitle: japaneseTitle)),
            ("/mislabelled.xml", TestResponse(headers: [("Content-Type", "application/rss+xml; charset=iso-8859-1")],
                                              body: Array(goodFeed("mislabelled", title: japaneseTitle).utf8)),
             .healthy(firstTitle: japaneseTitle)),
        ] + chain.dropFirst().map { $0 }
    }

    static let billionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE rss [
          <!ENTITY lol "lol">
          <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
          <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
          <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
          <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
          <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
          <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
          <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
        ]>
        <rss version="2.0"><channel><title>&lol9;</title>
        <item><title>laughs &lol9;</title><link>https://news.example/laughs</link></item></channel></rss>
        """

    @Test func everyBadSourceEndsWithAClearErrorAndTheOthersAreCollected() async throws {
        let database = try await TestDatabase.create(.sqlite)
        let store = try await Store.open(database.databaseLocation, logger: Self.logger)
        let routes = FixtureRoutes()
        do {
            try await withTestHTTPServer(routes.handler) { port in
                // setup
                let cases = try Self.routes(port: port)
                for entry in cases { routes.set(entry.path, entry.response) }
                var sources: [(Source, Expected)] = []
                for entry in cases where !(entry.path.hasPrefix("/hop") && entry.path != "/hop0") {
                    let source = try await store.addSource(url: "http://127.0.0.1:\(port)\(entry.path)", name: entry.path, kind: .feed)
                    sources.append((source, entry.expected))
                }
                let fetcher = Fetcher(policy: FetchPolicy(timeout: Self.timeout,
                                                          allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())

                // act
                let outcomes = try await Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger).collectDue(now: now)

                // check
                #expect(outcomes.count == sources.count)
                for (source, expected) in sources {
                    let health = try #require(try await store.source(id: source.id)).health
                    switch expected {
                    case .healthy:
                        #expect(health.lastError == nil, "\(source.name): \(health.lastError ?? "")")
                        #expect(health.itemsFound >= 1, "\(source.name)")
                    case .failed(let phrase):
                        #expect(health.lastError?.contains(phrase) == true,
                                "\(source.name): expected “\(phrase)”, got \(health.lastError ?? "no error")")
                    }
                }
                let limited = try #require(sources.first { $0.0.name == "/limited.xml" }?.0)
                #expect(try await store.source(id: limited.id)?.health.nextFetchAt == now.addingTimeInterval(7200))
                var titles: [String: String] = [:]
                for item in try await store.claim(stages: [.discovered], owner: "t", limit: 100, lease: 60, giveUp: WorkRules().claimLimit) {
                    titles[item.sourceName] = item.feedEntry.title
                }
                for case let (source, .healthy(firstTitle)) in sources where source.name != "/xxe.xml" {
                    #expect(titles[source.name] == firstTitle, "\(source.name): \(titles[source.name]?.prefix(80) ?? "nothing stored")")
                }
                // The external entity was not read: nothing of /etc/passwd reached the store.
                #expect(titles.values.allSatisfy { !$0.contains("root:") })
                #expect(ResidentMemory.peakBytes() < Self.residentLimit)
            }
        } catch {
            try await store.close()
            try await database.remove()
            throw error
        }
        try await store.close()
        try await database.remove()
    }
}

/// The process's peak resident memory, from Linux's /proc.
enum ResidentMemory {
    static func peakBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return kilobytes * 1024
    }
}
