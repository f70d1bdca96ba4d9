import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Store

/// An anonymous visitor's worst addresses against `kawaraban serve --role web`, the built
/// executable on a SQLite file: every hostile number at every route, addresses of 100 KB and
/// more, thousands of repeated parameters. Each answer must be a clean 2xx or 4xx in time, and the
/// process alive, answering `/`, and within the memory budget afterwards.
@Suite struct SiteTests {
    /// The first article's canonical address: its id and the slug of its original title.
    static let firstArticle = "/articles/1-https-wire-example-future"
    static let routes = ["/", firstArticle, "/feed.xml", "/assets/site.css", "/healthz", "/no-such-page",
                         "/videos", "/tags", "/tags/%E3%81%82", "/feed.atom", "/feed.json", "/sitemap.xml", "/robots.txt",
                         "/companies", "/tools", "/trends", "/search?q=%E6%9C%AC%E6%96%87"]

    /// Numbers no page has, in every form that once trapped or might: past Int64, at its edges,
    /// signed, zero, exponents, NUL and other percent-escapes.
    static let hostileNumbers = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999", "-1", "0", "00", "abc", "1e3", "1e308", "inf", "NaN",
        "0x7fffffffffffffff", "1.5", "+1", "%00", "%FF", "%", "%2F..%2F", "%E3%81%82", "",
    ]

    @Test func hostileAddressesLeaveTheSiteAliveAndBounded() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-hostile-site-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("site.sqlite").path
        try await storePublishedArticles(at: database)
        let port = try unusedLoopbackPort()
        let server = try KawarabanProcess(environment: [
            "KAWARABAN_DATABASE": database, "KAWARABAN_HOST": "127.0.0.1", "KAWARABAN_PORT": "\(port)",
        ]).launch(["serve", "--role", "web"])
        defer {
            server.process.terminate()
            server.process.waitUntilExit()
            server.removeFiles()
        }
        try await waitUntilAnswering(server, port: port)
        try expectFrontPageInDiscoveryOrder(port: port)

        var targets: [String] = []
        for number in Self.hostileNumbers {
            targets.append("/articles/\(number)")
            targets += Self.routes.map { "\($0)?page=\(number)" }
            targets.append("/?page=2&page=\(number)")
            targets += ["min_importance", "source", "kind", "tag"].map { "/?\($0)=\(number)&tag=\(number)" }
            targets.append("/articles/\(number)?page=\(number)")
            targets += ["/companies/\(number)/feed.xml", "/tags/\(number)/feed.atom", "/sitemaps/\(number).xml",
                        "/feed.json?min_importance=\(number)"]
            targets += ["/companies/\(number)", "/tools/\(number)", "/companies/1?page=\(number)"]
        }
        // Under the HTTP parser's 80 KB limit on a request's head, these reach the routes; over
        // it, the parser refuses them (400) before any route runs.
        let sixtyKB = 60_000
        let hundredKB = 100_000
        targets += [
            "/articles/" + String(repeating: "9", count: sixtyKB),
            "/?page=" + String(repeating: "9", count: sixtyKB),
            "/?" + String(repeating: "page=1&", count: sixtyKB / 7),
            "/?" + String(repeating: "page=&", count: sixtyKB / 6),
            "/feed.xml?" + String(repeating: "page=99999999999999999999&", count: sixtyKB / 26),
            "/tags/" + String(repeating: "%E3%81%82", count: sixtyKB / 9) + "/feed.xml",
            "/feed.atom?" + String(repeating: "min_importance=5&", count: sixtyKB / 17),
            "/" + String(repeating: "a", count: hundredKB),
            "/articles/" + String(repeating: "1", count: hundredKB),
            "/?" + String(repeating: "x", count: hundredKB),
            "/?" + String(repeating: "page=1&", count: hundredKB / 7),
            "/?" + String(repeating: "a=1&", count: hundredKB / 4),
            "/?page=" + String(repeating: "%00", count: hundredKB / 3),
            "/?tag=" + String(repeating: "%E3%81%82", count: sixtyKB / 9),
            "/tags/" + String(repeating: "%E3%81%82", count: sixtyKB / 9),
            "/" + String(repeating: "a", count: 10 * hundredKB),
            "/search?q=" + String(repeating: "%E6%9C%AC", count: sixtyKB / 9),
            "/search?q=" + String(repeating: "a+", count: sixtyKB / 2),
            "/search?q=" + String(repeating: "%22NEAR(%25_*+OR+", count: sixtyKB / 18),
            "/search?" + String(repeating: "q=a&", count: sixtyKB / 4),
            "/search?q=" + String(repeating: "%00%1F", count: sixtyKB / 6),
        ]
        for target in targets {
            try expectCleanAnswer(try RawHTTP.get(target, port: port), to: target, from: server)
            if !server.process.isRunning { return }
        }
        // The largest addresses the parser lets through, all at once.
        let burst = (0..<Self.burstSize).map { "/articles/\($0)" + String(repeating: "9", count: sixtyKB) }
        let started = ContinuousClock.now
        let open = try burst.map { try RawHTTP.request($0, port: port) }
        for (target, descriptor) in zip(burst, open) {
            try expectCleanAnswer(RawHTTP.receive(descriptor, since: started), to: target, from: server)
        }
        try expectFrontPageInDiscoveryOrder(port: port)
        let article = try RawHTTP.get(Self.firstArticle, port: port)
        #expect(article.status == 200)
        // Any other spelling of an article's address moves to the canonical one, however long.
        for other in ["/articles/1", "/articles/1-" + String(repeating: "a-", count: 30_000)] {
            #expect(try RawHTTP.get(other, port: port).status == 301)
        }
        let peak = try #require(KawarabanProcess.highWaterMark("/proc/\(server.process.processIdentifier)/status"))
        #expect(peak < Budget.residentBytes, "peak RSS \(peak / 1_048_576) MiB after \(targets.count) hostile requests")
        print("site: \(targets.count) hostile requests and \(burst.count) at once, server peak RSS \(peak / 1_048_576) MiB")
    }

    static let burstSize = 64

    private func expectCleanAnswer(_ answer: RawHTTP.Answer, to target: String, from server: KawarabanProcess.Launched,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
        let shown = target.count > 80 ? "\(target.prefix(60))… (\(target.utf8.count) bytes)" : target
        #expect(answer.seconds < Budget.seconds, "\(shown) took \(answer.seconds) s", sourceLocation: sourceLocation)
        let status = try #require(answer.status, "\(shown): the connection closed without an answer", sourceLocation: sourceLocation)
        #expect((200..<300).contains(status) || (400..<500).contains(status), "\(shown): HTTP \(status)", sourceLocation: sourceLocation)
        #expect(server.process.isRunning, "the server died on \(shown):\n\(server.errors)", sourceLocation: sourceLocation)
    }

    /// Two published articles, stored as rows are before the server starts: one whose feed dates
    /// it in the year 9999, found first, and one without a date, found an hour later.
    private func storePublishedArticles(at path: String) async throws {
        let store = try await Store.open(.sqlite(path: path), logger: .init(label: "hostile-site"))
        do {
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let future = try #require(ISO8601DateFormatter().date(from: "9999-12-31T23:59:59Z"))
            for (url, date, found) in [("https://wire.example/future", Optional(future), Self.futureFound),
                                       ("https://wire.example/today", nil, Self.futureFound.addingTimeInterval(3600))] {
                _ = try await store.insertDiscovered([DiscoveredItem(
                    sourceID: source.id, guid: url, url: url, canonicalURL: url, title: url, publishedAt: date)], now: found)
            }
            let article = Article(title: "Story", language: "en", blocks: [.paragraph([.text("Body")])])
            let translation = Translation(language: "ja", blocks: [.paragraph([.text("本文")])], translatedAt: Date(), model: "m")
            for (id, title) in [(1, Self.futureTitle), (2, Self.todayTitle)] {
                let analysis = Analysis(
                    title: title, tldr: "要約", keyPoints: [], impact: "影響", editorial: "論評", tags: [],
                    scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3), analysedAt: Date(), model: "m")
                try await store.database.raw("""
                    UPDATE items SET stage = \(bind: Stage.published.rawValue), analysis_json = \(bind: try Store.json(analysis)),
                        article_json = \(bind: try Store.json(article)), translation_json = \(bind: try Store.json(translation))
                    WHERE id = \(bind: id)
                    """).run()
            }
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    static let futureFound = Date(timeIntervalSince1970: 1_790_000_000)
    static let futureTitle = "未来の日付の記事"
    static let todayTitle = "今日見つけた記事"

    /// The front page answers, and a feed's year-9999 date neither shows (its article is dated when
    /// it was found) nor puts its article first.
    private func expectFrontPageInDiscoveryOrder(port: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let front = try RawHTTP.get("/", port: port)
        #expect(front.status == 200, sourceLocation: sourceLocation)
        let today = try #require(front.body.range(of: Self.todayTitle), sourceLocation: sourceLocation)
        let future = try #require(front.body.range(of: Self.futureTitle), sourceLocation: sourceLocation)
        #expect(today.lowerBound < future.lowerBound, sourceLocation: sourceLocation)
        let shown = Edition.japanese.displayDateTime(Self.futureFound)
        let entry = try #require(front.body[..<future.lowerBound].range(of: "<li", options: .backwards), sourceLocation: sourceLocation)
        #expect(front.body[entry.lowerBound..<future.lowerBound].contains(shown), "expected \(shown)", sourceLocation: sourceLocation)
    }

    private func waitUntilAnswering(_ server: KawarabanProcess.Launched, port: Int) async throws {
        let started = ContinuousClock.now
        while (try? RawHTTP.get("/healthz", port: port))?.status != 200 {
            guard server.process.isRunning, ContinuousClock.now - started < .seconds(30) else {
                throw ProcessFailure("the web server did not start:\n\(server.errors)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// HTTP/1.1 written byte for byte over a socket, so that the server sees exactly the hostile
/// request line (a client library would encode or refuse it first).
enum RawHTTP {
    struct Answer {
        /// Nil when the server closed the connection without a status line.
        var status: Int?
        var body: String
        var seconds: Double
    }

    /// Answers larger than this are cut: the status and the start of the page are what is checked.
    static let answerLimit = 4 * 1_048_576
    static let socketTimeoutSeconds = 10

    static func get(_ target: String, port: Int) throws -> Answer {
        let started = ContinuousClock.now
        return receive(try request(target, port: port), since: started)
    }

    /// Connects and writes the request; the answer is read with `receive`, which closes the socket.
    static func request(_ target: String, port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ProcessFailure("socket() failed") }
        var timeout = timeval(tv_sec: socketTimeoutSeconds, tv_usec: 0)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            setsockopt(descriptor, SOL_SOCKET, option, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw ProcessFailure("connect() to port \(port) failed: errno \(errno)")
        }
        let bytes = Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < bytes.count {
            // A server may answer and close before reading everything: stop sending then, without SIGPIPE.
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }
            sent += count
        }
        return descriptor
    }

    static func receive(_ descriptor: Int32, since started: ContinuousClock.Instant) -> Answer {
        defer { close(descriptor) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while received.count < answerLimit {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        let elapsed = ContinuousClock.now - started
        let statusLine = text.prefix { $0 != "\r" && $0 != "\n" }.split(separator: " ")
        let status = statusLine.count >= 2 && statusLine[0].hasPrefix("HTTP/") ? Int(statusLine[1]) : nil
        return Answer(status: status, body: text,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
