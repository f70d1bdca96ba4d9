import Foundation
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
@testable import Store

/// Stories on the site, on both backends: a story is one entry of the lists and feeds, its lead's
/// page credits every other report (our page and the original), a report's page links the lead,
/// and each page of a 続報 thread lists it newest first; everything from a source escaped.
@Suite struct StoryRoutesTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// A published item from `source` titled `title`, `days` after `start`.
    func report(_ name: String, title: String, source: Int64, days: Double = 0, in store: Store) async throws -> Int64 {
        var analysis = SampleItems.analysis
        analysis.title = title
        let when = start.addingTimeInterval(days * 86_400 + Double(name.utf8.count))
        return try await store.storePublished(source: source, url: "https://\(name).example/story", feedDate: when,
                                              discoveredAt: when, analysis: analysis)
    }

    func source(_ name: String, in store: Store) async throws -> Int64 {
        try await store.addSource(url: "https://\(UUID().uuidString.prefix(8)).example/feed", name: name, kind: .feed).id
    }

    /// The section of `page` with this class, up to its end.
    func section(_ className: String, of page: String) -> String? {
        guard let start = page.range(of: "<section class=\"\(className)\"") else { return nil }
        let rest = page[start.lowerBound...]
        return rest.range(of: "</section>").map { String(rest[..<$0.upperBound]) }
    }

    @Test(arguments: Backend.available)
    func aStoryIsOneEntryOfTheListsAndFeedsWithItsOtherOutletsCounted(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let lead = try await report("lead", title: "主記事", source: try await source("Alpha", in: store), in: store)
            let second = try await report("second", title: "二本目", source: try await source("Beta", in: store), in: store)
            let third = try await report("third", title: "三本目", source: try await source("Gamma", in: store), in: store)
            let alone = try await report("alone", title: "単独記事", source: try await source("Delta", in: store), in: store)
            _ = try await store.storeStory([lead, second, third])

            for path in ["/", "/?min_importance=1", "/feed.xml", "/feed.json"] {
                let page = try await read(client, path).body
                #expect(page.contains("主記事") && page.contains("単独記事"), "\(path)")
                #expect(!page.contains("二本目") && !page.contains("三本目"), "\(path) lists the story once")
            }
            let front = try await read(client, "/").body
            #expect(front.contains("他2社も報道"))
            #expect(front.components(separatedBy: "社も報道").count == 2, "only the story's entry counts outlets, not \(alone)'s")
        }
    }

    @Test(arguments: Backend.available)
    func theLeadCreditsEveryOtherReportEscapedAndAReportLinksItsLead(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let lead = try await report("lead", title: "主記事", source: try await source("Alpha", in: store), in: store)
            let hostile = try await report("hostile", title: "<img src=x onerror=alert(1)>",
                                           source: try await source("<script>alert(1)</script>", in: store), in: store)
            let scripted = try await report("scripted", title: "三本目", source: try await source("Gamma", in: store), in: store)
            try await store.overwrite("url", of: scripted, with: "javascript:alert(1)")
            _ = try await store.storeStory([lead, hostile, scripted])
            let leadPath = Store.articlePath(lead, url: "https://lead.example/story")
            let hostilePath = Store.articlePath(hostile, url: "https://hostile.example/story")

            let page = try await read(client, leadPath).body
            let credits = try #require(section("story-reports", of: page))
            #expect(credits.contains("この話題を報じた他の2社"))
            #expect(credits.contains("href=\"\(hostilePath)\""), "our page of the other report")
            #expect(credits.contains("href=\"https://hostile.example/story\""), "and the original")
            #expect(credits.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !credits.contains("<script>"))
            #expect(credits.contains("&lt;img src=x onerror=alert(1)&gt;") && !credits.contains("<img"))
            #expect(!credits.contains("javascript:"), "a link no page may carry is left out")
            #expect(credits.contains("三本目"))
            #expect(!page.contains("class=\"story-lead\""), "the lead's own page leads")

            let reportPage = try await read(client, hostilePath).body
            #expect(reportPage.contains("<p class=\"story-lead\">この記事は<a href=\"\(leadPath)\">主記事</a>(Alpha)"))
            #expect(try #require(section("story-reports", of: reportPage)).contains("href=\"\(leadPath)\""))
        }
    }

    @Test(arguments: Backend.available)
    func everyPageOfAThreadListsItNewestFirst(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let outlet = try await source("Alpha", in: store)
            let launch = try await report("launch", title: "発表", source: outlet, days: 0, in: store)
            let benchmarks = try await report("benchmarks", title: "評価", source: outlet, days: 2, in: store)
            let ruling = try await report("ruling", title: "判決", source: outlet, days: 4, in: store)
            let unrelated = try await report("unrelated", title: "無関係", source: outlet, days: 1, in: store)
            let root = try await store.storeStory([launch])
            _ = try await store.storeStory([benchmarks], thread: root)
            _ = try await store.storeStory([ruling], thread: root)
            func path(_ id: Int64, _ name: String) -> String { Store.articlePath(id, url: "https://\(name).example/story") }
            let expected = [path(ruling, "ruling"), path(benchmarks, "benchmarks"), path(launch, "launch")]

            for current in expected {
                let thread = try #require(section("story-thread", of: try await read(client, current).body))
                let order = expected.compactMap { thread.range(of: "href=\"\($0)\"")?.lowerBound }
                #expect(order.count == 3 && order == order.sorted(), "newest first on \(current)")
                #expect(thread.contains("aria-current=\"true\"><time"))
                #expect(thread.components(separatedBy: "aria-current").count == 2, "one entry is the page's own story")
            }
            let lone = try await read(client, path(unrelated, "unrelated")).body
            #expect(section("story-thread", of: lone) == nil && section("story-reports", of: lone) == nil)
        }
    }
}

extension Store {
    /// Groups published items into one story led by the first, in the thread of `thread` when
    /// given, as the grouping leaves them; returns the story's id.
    func storeStory(_ itemIDs: [Int64], thread: Int64? = nil) async throws -> Int64 {
        let row = try await database.raw("""
            INSERT INTO stories (lead_item_id, thread_id, created_at, updated_at)
            VALUES (\(bind: itemIDs[0]), \(bind: thread), 0, 0) RETURNING id
            """).first()
        let id = try #require(row).decode(column: "id", as: Int64.self)
        try await database.raw("UPDATE items SET story_id = \(bind: id) WHERE id IN (\(binds: itemIDs))").run()
        return id
    }
}
