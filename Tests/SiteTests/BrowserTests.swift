import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
@testable import Store

/// Every page type loaded in headless Chromium (scripts/browser-pages) from the site served on a
/// real port, in the light and the dark scheme: no page may be wider than a phone, log a console
/// error, break its Content Security Policy, ask another origin for anything, show text below
/// WCAG AA contrast or skip a heading level.
@Suite(.serialized, .enabled(if: HeadlessBrowser.canRun, "needs Debian's chromium (required when CI=true)"))
struct BrowserTests {
    /// A common phone and a desktop. Narrower phones are in scripts/screenshots; each width here
    /// costs the whole suite a browser's load of every page, twice (light and dark).
    static let widths = [390, 1280]
    /// Origins a page may load from besides the site: the video frame the CSP allows, and the
    /// thumbnails of the videos it lists, which are the videos' own content.
    static let embeddedFrameOrigins = ["https://www.youtube-nocookie.com", "https://i.ytimg.com"]

    /// The page types the browser loads, one per template; each section adds its own here.
    static func pageTypes(_ rows: BrowserRows) -> [(path: String, status: Int)] {
        [
            ("/", 200),
            ("/?page=2", 200),
            (rows.articlePath, 200),
            (rows.reportPath, 200),
            (rows.videoPath, 200),
            ("/tags", 200),
            (SitePages.tagPath(BrowserRows.longWord), 200),
            ("/videos", 200),
            ("/companies", 200),
            ("/companies/\(rows.company)", 200),
            ("/tools", 200),
            ("/tools/\(rows.tool)", 200),
            ("/trends", 200),
            ("/search?q=OpenAI", 200),
            ("/search?q=%E9%80%9A%E5%B8%B8", 200),
            (BrowserRows.digestPaths.daily, 200),
            (BrowserRows.digestPaths.emptyDaily, 200),
            (BrowserRows.digestPaths.hacker, 200),
            (BrowserRows.digestPaths.weekly, 200),
            ("/daily", 200),
            ("/daily/2026-11", 200),
            ("/weekly/2026", 200),
            ("/no/such/page", 404),
        ]
    }

    static let packageRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(.timeLimit(.minutes(5)))
    func everyPageTypeFitsAPhoneAndKeepsToItsPolicy() async throws {
        try await withServedSite { port, rows in
            let pages = Self.pageTypes(rows)
            let reports = try await Self.check(pages.map(\.path), port: port)
            #expect(reports.count == pages.count * Self.widths.count * 2)
            for report in reports {
                let expected = try #require(pages.first { $0.path == report.path }).status
                let page = "\(report.path) at \(report.width) px\(report.dark ? ", dark" : "")"
                #expect(report.status == expected, "\(page)")
                #expect(report.scrollWidth <= report.clientWidth, "\(page) overflows: \(report.wide)")
                #expect(report.consoleErrors.isEmpty, "\(page): \(report.consoleErrors)")
                #expect(report.violations.isEmpty, "\(page): \(report.violations)")
                #expect(report.foreignRequests.isEmpty, "\(page): \(report.foreignRequests)")
                #expect(report.lowContrast.isEmpty, "\(page): \(report.lowContrast)")
                #expect(report.lang == "ja", "\(page)")
                #expect(report.headings.first == 1 && report.headings.filter { $0 == 1 }.count == 1, "\(page): \(report.headings)")
                #expect(zip(report.headings, report.headings.dropFirst()).allSatisfy { $1 <= $0 + 1 },
                        "\(page) skips a heading level: \(report.headings)")
            }
        }
    }

    /// The checker itself notices each fault it is there to catch.
    @Test(.timeLimit(.minutes(2)))
    func aBrokenPageIsReportedOnEveryCount() async throws {
        try await withLiveSite(extraRoutes: { router in
            router.get("/broken") { _, _ in
                SitePages.htmlResponse("""
                    <!DOCTYPE html><html><head><title>x</title></head><body>
                    <script>document.title = 'ran'</script>
                    <pre>\(String(repeating: "wide", count: 200))</pre>
                    <img src="/no-such-image.png" alt="">
                    <p><font color="#dddddd">faint</font></p>
                    </body></html>
                    """)
            }
        }) { _, port in
            let report = try #require(try await Self.check(["/broken"], port: port, widths: [390]).first)
            #expect(report.scrollWidth > report.clientWidth)
            #expect(report.violations.contains { $0.hasPrefix("script-src") })
            #expect(report.consoleErrors.contains { $0.contains("404") })
            #expect(report.lowContrast.count == 1)
            #expect(report.lang.isEmpty)
            #expect(report.headings.isEmpty)
        }
    }

    /// `kawaraban serve --role web` on a free port over a database filled with `BrowserRows`: a
    /// process of its own, so that rendering pages for the browser takes nothing from the two
    /// threads the other tests in this process run on.
    private func withServedSite(_ body: @Sendable (Int, BrowserRows) async throws -> Void) async throws {
        try await withTestLocation(.sqlite) { location in
            let rows = try await withStores(1, at: location) { stores in try await BrowserRows.store(in: stores[0]) }
            let port = try unusedLoopbackPort()
            guard case .sqlite(let database) = location else { return }
            let serve = try KawarabanProcess(environment: ["KAWARABAN_DATABASE": database,
                                                           "KAWARABAN_PORT": "\(port)"]).launch(["serve", "--role", "web"])
            defer {
                serve.process.terminate()
                serve.removeFiles()
            }
            try await Self.waitUntilAnswering(port: port, serve)
            try await body(port, rows)
        }
    }

    private static func waitUntilAnswering(port: Int, _ serve: KawarabanProcess.Launched) async throws {
        let health = try #require(URL(string: "http://127.0.0.1:\(port)/healthz"))
        for _ in 0..<300 {
            if let (_, response) = try? await URLSession.shared.data(from: health),
               (response as? HTTPURLResponse)?.statusCode == 200 { return }
            guard serve.process.isRunning else { throw ProcessFailure("serve exited: \(serve.errors)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ProcessFailure("serve never answered on port \(port): \(serve.errors)")
    }

    /// The site's router, with the test's own routes after the site's, served on a free port.
    private func withLiveSite(extraRoutes: @Sendable (Router<BasicRequestContext>) -> Void = { _ in },
                              _ body: @Sendable (Store, Int) async throws -> Void) async throws {
        try await withTestStore(.sqlite) { store in
            let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
            let router = try SiteApplication.router(store: store, renderer: renderer)
            extraRoutes(router)
            // The live test server listens on a free port of localhost.
            try await Application(router: router).test(.live) { client in try await body(store, try #require(client.port)) }
        }
    }

    private static func check(_ paths: [String], port: Int, widths: [Int] = widths) async throws -> [BrowserReport] {
        let output = FileManager.default.temporaryDirectory.appending(path: "browser-\(UUID().uuidString).jsonl")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        // The browser runs at the lowest priority: the suite's timed tests share the machine with it.
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["nice", "-n", "19", "python3", packageRoot.appending(path: "scripts/browser-pages").path, "check",
                             "--base", "http://localhost:\(port)/", "--dark"]
            + widths.flatMap { ["--width", "\($0)"] } + embeddedFrameOrigins.flatMap { ["--allow-origin", $0] } + paths
        process.standardOutput = try FileHandle(forWritingTo: output)
        // The server answers the browser on this process's threads: wait without holding one. A
        // test past its time limit is cancelled; the script then closes the browser and exits.
        let status = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do { try process.run() } catch { continuation.resume(returning: -1) }
            }
        } onCancel: {
            process.terminate()
        }
        try #require(status == 0, "scripts/browser-pages exited with \(status)")
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        return try lines.map { try JSONDecoder().decode(BrowserReport.self, from: Data($0.utf8)) }
    }
}

/// Without a browser the test is skipped on a developer's machine; under CI it runs and fails.
enum HeadlessBrowser {
    static let installed = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].contains {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let canRun = installed || ProcessInfo.processInfo.environment["CI"] == "true"
}

/// One page at one width as scripts/browser-pages measured it.
struct BrowserReport: Decodable {
    var path: String
    var width: Int
    var dark: Bool
    var status: Int?
    var scrollWidth: Int
    var clientWidth: Int
    var wide: [String]
    var consoleErrors: [String]
    var violations: [String]
    var foreignRequests: [String]
    var lowContrast: [String]
    var headings: [Int]
    var lang: String
}

/// Published rows that push the layout: long English words and URLs in every field, code wider
/// than a phone, a video item, a story with many tags, and enough rows for a second page.
struct BrowserRows {
    var articlePath: String
    /// Another outlet's report of the article's story, which links the story's lead.
    var reportPath: String
    var videoPath: String
    var company: Int64
    var tool: Int64

    static let longWord = "Supercalifragilisticexpialidocious-transformer-architecture-without-a-single-break"
    static let longURL = "https://research.example.com/papers/2026/very-long-path/with/many/segments/and-a-query?utm_source=feed&utm_medium=rss&id=0123456789abcdef"

    static func store(in store: Store) async throws -> BrowserRows {
        let source = try await store.addSource(url: "https://wire.example/feed", name: "The Example AI Research Blog Weekly", kind: .feed)
        // Recent, so that the trend and company charts have days to draw.
        let start = Date().addingTimeInterval(-3 * 86_400)
        let company = Entity(name: "OpenAI Global Research \(longWord)", kind: .company, rendering: "OpenAI", main: true)
        let tool = Entity(name: "GPT-\(longWord)", kind: .model, rendering: "GPT", main: false)
        for index in 0..<(SitePages.headlinesPerPage + 3) {
            var analysis = SampleItems.analysis
            analysis.title = "通常の記事 \(index): \(longWord)"
            analysis.scores = AxisScores(depth: 1 + index % 5, relevance: 3, practicality: 2 + index % 3, novelty: 1)
            _ = try await store.storePublished(source: source.id, url: "https://wire.example/\(index)", feedDate: nil,
                                               discoveredAt: start.addingTimeInterval(Double(index) * 3_600), analysis: analysis,
                                               entities: index.isMultiple(of: 2) ? [company, tool] : [company])
        }
        var analysis = SampleItems.analysis
        analysis.title = "Anthropic「\(longWord)」を発表、詳細は \(longURL)"
        analysis.tldr = "長いURL \(longURL) と長い単語 \(longWord) を含む要約。"
        analysis.tags = (1...24).map { "タグ\($0)" } + [longWord, "OpenAI", "Microsoft Azure"]
        analysis.keyPoints = (1...5).map { KeyPoint(heading: "要点\($0) \(longWord)", body: "本文 \(longURL)") }
        let wideCode = "let endpoint = \"\(longURL)\" // " + String(repeating: "x", count: 120)
        let blocks: [Block] = [
            .heading(level: 2, [.text("背景 \(longWord)")]),
            .paragraph([.text("詳しくは "), .link(href: longURL, [.text(longURL)]), .text(" を参照。"), .code(longWord)]),
            .code(language: "python", text: wideCode),
            .list(ordered: true, items: [[.text(longURL)], [.strong([.text(longWord)])]]),
            .quote([.text(longWord + " " + longURL)]),
        ]
        let article = Article(title: "Anthropic ships \(longWord)", author: "A. Writer", language: "en", blocks: blocks)
        let translation = SampleItems.translation(blocks)
        let long = try await store.storePublished(
            source: source.id, url: longURL, feedDate: nil, discoveredAt: start.addingTimeInterval(7200),
            analysis: analysis, article: article, translation: translation, entities: [company, tool])
        var video = SampleItems.analysis
        video.title = "動画: 新しいモデルのデモ"
        let videoRow = try await store.storePublished(
            source: source.id, url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", feedDate: nil,
            discoveredAt: start.addingTimeInterval(7260), analysis: video, videoID: "dQw4w9WgXcQ")
        // Two more outlets with long names carry the long article's event, and a development two
        // days later follows it: the lead's page credits both and shows the 続報 thread.
        var otherReports: [Int64] = []
        for outlet in ["Another Very Long Outlet Name \(longWord)", "第三の媒体 \(longWord)"] {
            let other = try await store.addSource(url: "https://\(otherReports.count).outlet.example/feed", name: outlet, kind: .feed)
            var report = SampleItems.analysis
            report.title = "同じ発表を別の媒体が報道 \(longWord)"
            otherReports.append(try await store.storePublished(
                source: other.id, url: "\(longURL)&outlet=\(otherReports.count)", feedDate: nil,
                discoveredAt: start.addingTimeInterval(7300 + Double(otherReports.count)), analysis: report))
        }
        var development = SampleItems.analysis
        development.title = "続報: \(longWord) のベンチマーク結果"
        let followUp = try await store.storePublished(source: source.id, url: "https://wire.example/follow-up", feedDate: nil,
                                                      discoveredAt: start.addingTimeInterval(2 * 86_400), analysis: development)
        let story = try await store.storeStory([long] + otherReports)
        _ = try await store.storeStory([followUp], thread: story)
        let ids = try await store.database.raw("SELECT id, kind FROM entities").all().reduce(into: [String: Int64]()) { ids, row in
            ids[try row.decode(column: "kind", as: String.self)] = try row.decode(column: "id", as: Int64.self)
        }
        try await storeDigests(in: store, carrying: [long, videoRow], company: try #require(ids[EntityKind.company.rawValue]))
        return BrowserRows(articlePath: Store.articlePath(long, url: longURL),
                           reportPath: Store.articlePath(otherReports[0], url: "\(longURL)&outlet=0"),
                           videoPath: Store.articlePath(videoRow, url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
                           company: try #require(ids[EntityKind.company.rawValue]), tool: try #require(ids[EntityKind.model.rawValue]))
    }

    static let digestPaths = (daily: "/daily/2026-11-29", emptyDaily: "/daily/2026-11-28", hacker: "/hacker/2026-11-29",
                              weekly: "/weekly/2026-W48")

    /// A digest of each kind with the long words and URLs in every text, and an empty AI日報.
    static func storeDigests(in store: Store, carrying ids: [Int64], company: Int64) async throws {
        let written = Date()
        let discussion = HackerNewsDiscussion(
            storyID: 46_000_001, points: 1_234, commentCount: 5_000,
            summary: ThreadSummary(overview: "議論の概要 \(longWord) \(longURL)", positions: [
                ThreadPosition(stance: "賛成の立場 \(longWord)", reception: .agreed),
                ThreadPosition(stance: "意見が割れた点 \(longURL)", reception: .divided),
                ThreadPosition(stance: "反対の立場 \(longWord)", reception: .disputed),
            ], commentsRead: 500))
        func entries(discussion: HackerNewsDiscussion? = nil) -> [DigestEntry] {
            ids.enumerated().map { index, id in
                DigestEntry(itemID: id, title: "見出し\(index) \(longWord) \(longURL)", summary: "一行の要約 \(longWord) \(longURL)",
                            importance: 5 - index, sourceName: "The Example AI Research Blog Weekly \(longWord)",
                            otherSources: (1...6).map { "Outlet \($0) \(longWord)" }, discussion: discussion)
            }
        }
        let tags = [DigestFacet(name: longWord, count: 12), DigestFacet(name: "生成AI", count: 3)]
        let companies = [DigestFacet(name: "OpenAI Global Research \(longWord)", entityID: company, count: 4),
                         DigestFacet(name: "Unlisted \(longWord)", count: 1)]
        let sections = [DigestSection(theme: "テーマ \(longWord)", entries: entries()),
                        DigestSection(theme: "規制と政策", entries: Array(entries().prefix(1)))]
        let digests = [
            Digest(slot: DigestSlot(kind: .daily, key: "2026-11-29")!, title: "AI日報 2026年11月29日（日） \(longWord)",
                   lead: "一日の概観 \(longWord) \(longURL)", sections: sections, tags: tags, companies: companies,
                   model: "test-model", writtenAt: written),
            Digest(slot: DigestSlot(kind: .daily, key: "2026-11-28")!, title: "AI日報 2026年11月28日（土）", lead: nil, sections: [],
                   model: nil, writtenAt: written),
            Digest(slot: DigestSlot(kind: .hacker, key: "2026-11-29")!, title: "Hacker日報 2026年11月29日（日） \(longWord)", lead: nil,
                   sections: [DigestSection(theme: "Hacker Newsの議論 \(longWord)", entries: entries(discussion: discussion))],
                   tags: tags, model: "test-model", writtenAt: written),
            Digest(slot: DigestSlot(kind: .weekly, key: "2026-W48")!, title: "週報 2026年第48週 \(longWord)",
                   lead: "今週の概観 \(longWord) \(longURL)", sections: sections, tags: tags, companies: companies,
                   trends: [DigestTrend(name: "OpenAI Global Research \(longWord)", entityID: company,
                                        dailyCounts: [1, 0, 2, 3, 0, 1, 4], previousWeekCount: 2),
                            DigestTrend(name: longWord, dailyCounts: [0, 5, 1, 0, 2, 0, 9], previousWeekCount: 1)],
                   model: "test-model", writtenAt: written),
        ]
        for digest in digests { try await store.writeDigest(digest, now: written) }
    }
}
