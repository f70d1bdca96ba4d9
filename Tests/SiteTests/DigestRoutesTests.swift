import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
@testable import Store

/// AI日報, Hacker日報 and 週報 as readers reach them: each digest's page, the archives by month and
/// year, the feeds, the article's 今日のまとめ and the site map, over digests written through
/// `Store.writeDigest`, on both databases.
@Suite struct DigestRoutesTests {
    static let written = Date(timeIntervalSince1970: 1_795_900_000)  // 2026-11-30 JST
    static let day = DigestSlot(kind: .daily, key: "2026-11-29")!
    static let dayBefore = DigestSlot(kind: .daily, key: "2026-11-28")!
    static let hackerDay = DigestSlot(kind: .hacker, key: "2026-11-29")!
    static let week = DigestSlot(kind: .weekly, key: "2026-W48")!

    /// Keys no digest address has: impossible days and weeks, other kinds' forms, full-width and
    /// signed digits, padding, NUL, a 10,000-character key, nested paths.
    static let keysNotServed = [
        "/daily/2026-02-30", "/daily/2026-13-01", "/daily/%EF%BC%99", "/daily/２０２６-11-29", "/weekly/2026-W54", "/weekly/2026-W00",
        "/daily/\(String(repeating: "9", count: 10_000))", "/weekly/\(String(repeating: "W", count: 10_000))",
        "/daily/2026-11-29x", "/daily/2026-1-29", "/daily/+2026-11-29", "/daily/%002026-11-29", "/daily/1999-12-31",
        "/hacker/2026-W48", "/weekly/2026-11-29", "/daily/2026-W48", "/daily/2026-11-29/extra", "/daily/2026-11-29%00",
        "/daily/2026-11-30", "/hacker/2026-11-28", "/weekly/2026-W47", "/daily/2026-10", "/daily/2026-1", "/daily/2026-00",
        "/weekly/2025", "/weekly/0000", "/weekly/20260", "/daily/2026", "/hacker/2026-11-", "/daily/feed.rss", "/daily/feed",
    ]

    /// Three published articles, the company they name, and digests of every kind carrying the
    /// first two (an empty AI日報 the day before).
    struct Fixture {
        var articles: [(id: Int64, path: String)]
        var company: Int64
    }

    static func store(in store: Store, texts: (String) -> String = { $0 }) async throws -> Fixture {
        let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
        var articles: [(id: Int64, path: String)] = []
        for number in 0..<3 {
            let url = "https://wire.example/\(number)"
            let id = try await store.storePublished(
                source: source.id, url: url, feedDate: nil, discoveredAt: written.addingTimeInterval(Double(number - 100_000)),
                entities: [Entity(name: "OpenAI", kind: .company, rendering: "OpenAI", main: true)])
            articles.append((id, Store.articlePath(id, url: url)))
        }
        let company = try #require(try await store.database.raw("SELECT id FROM entities").first()?.decode(column: "id", as: Int64.self))
        func entry(_ index: Int, discussion: HackerNewsDiscussion? = nil) -> DigestEntry {
            DigestEntry(itemID: articles[index].id, title: texts("見出し\(index)"), summary: texts("要約\(index)"),
                        importance: 5 - index, sourceName: texts("Wire"), otherSources: [texts("Reuters"), texts("Bloomberg")],
                        discussion: discussion)
        }
        let thread = HackerNewsDiscussion(
            storyID: 46_000_001, points: 512, commentCount: 287,
            summary: ThreadSummary(overview: texts("評価は分かれた"), positions: [
                ThreadPosition(stance: texts("性能向上は本物だ"), reception: .agreed),
                ThreadPosition(stance: texts("ベンチマークは当てにならない"), reception: .disputed),
            ], commentsRead: 200))
        let facets = (tags: [DigestFacet(name: texts("生成AI"), count: 2)],
                      companies: [DigestFacet(name: texts("OpenAI"), entityID: company, count: 2), DigestFacet(name: texts("Unlisted"), count: 1)])
        try await store.writeDigest(Digest(
            slot: day, title: texts("AI日報 2026年11月29日（日）"), lead: texts("モデルの発表が相次いだ一日"),
            sections: [DigestSection(theme: texts("新モデル"), entries: [entry(0)]), DigestSection(theme: texts("規制"), entries: [entry(1)])],
            tags: facets.tags, companies: facets.companies, model: "test-model", writtenAt: written), now: written)
        try await store.writeDigest(Digest(slot: dayBefore, title: "AI日報 2026年11月28日（土）", lead: nil, sections: [],
                                           model: nil, writtenAt: written), now: written)
        try await store.writeDigest(Digest(
            slot: hackerDay, title: texts("Hacker日報 2026年11月29日（日）"), lead: nil,
            sections: [DigestSection(theme: texts("議論"), entries: [entry(0, discussion: thread)])], model: "test-model",
            writtenAt: written), now: written)
        try await store.writeDigest(Digest(
            slot: week, title: texts("週報 2026年第48週"), lead: texts("今週の概観の本文"),
            sections: [DigestSection(theme: texts("今週の主なニュース"), entries: [entry(0), entry(1)])],
            tags: facets.tags, companies: facets.companies,
            trends: [DigestTrend(name: texts("OpenAI"), entityID: company, dailyCounts: [1, 0, 2, 3, 0, 1, 4], previousWeekCount: 2),
                     DigestTrend(name: texts("エージェント"), dailyCounts: [0, 1, 1, 0, 2, 0, 1], previousWeekCount: 1)],
            model: "test-model", writtenAt: written), now: written)
        return Fixture(articles: articles, company: company)
    }

    @Test(arguments: Backend.available)
    func eachKindHasItsPageWithEntriesFacetsAndNeighbours(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let fixture = try await Self.store(in: store)
            let daily = try await read(client, "/daily/2026-11-29")
            #expect(daily.status == .ok)
            #expect(daily.body.contains("<h1 class=\"article-title\">AI日報 2026年11月29日（日）</h1>"))
            #expect(daily.body.contains("<time datetime=\"2026-11-29\">2026年11月29日（日）</time>"))
            #expect(daily.body.contains("モデルの発表が相次いだ一日"))
            #expect(daily.body.contains("<h2>新モデル</h2>") && daily.body.contains("<h2>規制</h2>"))
            // Themes in the digest's order, each entry linked to its article's canonical address.
            let first = try #require(daily.body.range(of: "<a href=\"\(fixture.articles[0].path)\">見出し0</a>"))
            let second = try #require(daily.body.range(of: "<a href=\"\(fixture.articles[1].path)\">見出し1</a>"))
            #expect(first.lowerBound < second.lowerBound)
            #expect(daily.body.contains("重要度5 最重要") && daily.body.contains("他2社(Reuters、Bloomberg)"))
            #expect(daily.body.contains("<a href=\"\(SitePages.tagPath("生成AI"))\">#生成AI</a>"))
            #expect(daily.body.contains("<a href=\"/companies/\(fixture.company)\">OpenAI</a>"))
            #expect(daily.body.contains("<li>Unlisted <span class=\"count\">1件</span></li>"))
            #expect(daily.body.contains("href=\"/daily/2026-11-28\" rel=\"prev\">← 前のAI日報: 2026年11月28日（土）</a>"))
            #expect(!daily.body.contains("rel=\"next\""))
            #expect(daily.body.contains("<link rel=\"alternate\" type=\"application/rss+xml\" title=\"AI日報 | Kawaraban AIニュース(RSS)\" href=\"/daily/feed.xml\">"))
            #expect(daily.body.contains("<a href=\"/daily\" aria-current=\"true\">AI日報</a>"))

            let empty = try await read(client, "/daily/2026-11-28")
            #expect(empty.status == .ok)
            #expect(empty.body.contains("この日に公開されたAIニュースはありませんでした。"))
            #expect(empty.body.contains("href=\"/daily/2026-11-29\" rel=\"next\">次のAI日報: 2026年11月29日（日） →</a>"))

            let hacker = try await read(client, "/hacker/2026-11-29")
            #expect(hacker.status == .ok)
            #expect(hacker.body.contains("<span>512ポイント</span> · <span>287コメント</span>"))
            #expect(hacker.body.contains("href=\"https://news.ycombinator.com/item?id=46000001\""))
            #expect(hacker.body.contains("評価は分かれた"))
            #expect(hacker.body.contains("<span class=\"reception reception-agreed\">賛同多数</span> 性能向上は本物だ"))
            #expect(hacker.body.contains("<span class=\"reception reception-disputed\">反対多数</span> ベンチマークは当てにならない"))
            #expect(hacker.body.contains("200件のコメントから要約"))
            #expect(!hacker.body.contains("rel=\"prev\""))

            let weekly = try await read(client, "/weekly/2026-W48")
            #expect(weekly.status == .ok)
            #expect(weekly.body.contains("2026年第48週（11月23日〜11月29日）"))
            #expect(weekly.body.contains("<h2 id=\"digest-lead-heading\">今週の概観</h2>"))
            #expect(weekly.body.contains("<a class=\"entity-name\" href=\"/companies/\(fixture.company)\">OpenAI</a>"))
            #expect(weekly.body.contains("<a class=\"entity-name\" href=\"\(SitePages.tagPath("エージェント"))\">#エージェント</a>"))
            #expect(weekly.body.contains("先週2 → 今週11件"))
            #expect(weekly.body.contains("aria-label=\"今週のOpenAIの記事数: 過去7日で11件、1日の最多4件。日別(古い順): 1、0、2、3、0、1、4\""))
            #expect(weekly.body.contains("今週のタグ"))
        }
    }

    @Test(arguments: Backend.available)
    func archivesListDigestsByMonthAndYearNewestFirst(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            _ = try await Self.store(in: store)
            try await store.writeDigest(Digest(slot: DigestSlot(kind: .daily, key: "2026-10-31")!, title: "AI日報 2026年10月31日（土）",
                                               lead: nil, sections: [], model: nil, writtenAt: Self.written), now: Self.written)
            let archive = try await read(client, "/daily")
            #expect(archive.status == .ok)
            #expect(archive.body.contains("<h2 id=\"digest-period-heading\">2026年11月</h2>"))
            let newer = try #require(archive.body.range(of: "<a href=\"/daily/2026-11-29\">AI日報 2026年11月29日（日）</a> <span class=\"entity-count\">2件</span>"))
            let older = try #require(archive.body.range(of: "<a href=\"/daily/2026-11-28\">AI日報 2026年11月28日（土）</a> <span class=\"entity-count\">0件</span>"))
            #expect(newer.lowerBound < older.lowerBound)
            // October is listed as a month, not in the newest month's list.
            #expect(!archive.body.contains("href=\"/daily/2026-10-31\""))
            #expect(archive.body.contains("<a href=\"/daily/2026-11\">2026年11月</a> <span class=\"entity-count\">2件</span>"))
            #expect(archive.body.contains("<a href=\"/daily/2026-10\">2026年10月</a> <span class=\"entity-count\">1件</span>"))

            let november = try await read(client, "/daily/2026-11")
            #expect(november.status == .ok)
            #expect(november.body.contains("<h1 class=\"page-heading\">AI日報 2026年11月</h1>"))
            #expect(november.body.contains("<a href=\"/daily/2026-10\" rel=\"prev\">← 2026年10月</a>"))
            #expect(!november.body.contains("rel=\"next\""))
            let october = try await read(client, "/daily/2026-10")
            #expect(october.body.contains("href=\"/daily/2026-10-31\""))
            #expect(october.body.contains("<a href=\"/daily/2026-11\" rel=\"next\">2026年11月 →</a>"))

            let weekly = try await read(client, "/weekly/2026")
            #expect(weekly.status == .ok)
            #expect(weekly.body.contains("<a href=\"/weekly/2026-W48\">週報 2026年第48週</a> <span class=\"entity-count\">2件</span>"))
            #expect(try await read(client, "/weekly").body.contains("<a href=\"/weekly/2026\">2026年</a>"))
            let hacker = try await read(client, "/hacker")
            #expect(hacker.body.contains("<a href=\"/hacker/2026-11-29\">"))
            #expect(hacker.body.contains("<a href=\"/hacker\" aria-current=\"page\">Hacker日報</a>"))
        }
    }

    @Test(arguments: Backend.available)
    func feedsCarryOneEntryPerDigestNewestFirst(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            _ = try await Self.store(in: store)
            let rss = try await read(client, "/daily/feed.xml")
            #expect(rss.type == "application/rss+xml; charset=utf-8")
            #expect(rss.body.components(separatedBy: "<item>").count - 1 == 2)
            let newest = try #require(rss.body.range(of: "<link>https://news.example.jp/daily/2026-11-29</link>"))
            let older = try #require(rss.body.range(of: "<link>https://news.example.jp/daily/2026-11-28</link>"))
            #expect(newest.lowerBound < older.lowerBound)
            #expect(rss.body.contains("<description>モデルの発表が相次いだ一日</description>"))
            #expect(rss.body.contains("<description>この日に公開されたAIニュースはありませんでした。</description>"))
            #expect(!rss.body.contains("重要度"))

            let atom = try await read(client, "/hacker/feed.atom")
            #expect(atom.type == "application/atom+xml; charset=utf-8")
            #expect(atom.body.contains("<id>https://news.example.jp/hacker/2026-11-29</id>"))
            // No lead: the summary names the first stories.
            #expect(atom.body.contains("<summary type=\"text\">主なニュース: 見出し0</summary>"))

            let json = try await read(client, "/weekly/feed.json")
            #expect(json.type == "application/feed+json; charset=utf-8")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any])
            let items = try #require(document["items"] as? [[String: Any]])
            #expect(items.map { $0["url"] as? String } == ["https://news.example.jp/weekly/2026-W48"])
            #expect(items.first?["_kawaraban"] == nil)
            #expect(document["home_page_url"] as? String == "https://news.example.jp/weekly")
        }
    }

    @Test(arguments: Backend.available)
    func anArticleLinksToTheDigestsThatCarriedItOrElseTheLatestAIDaily(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let fixture = try await Self.store(in: store)
            let carried = try await read(client, fixture.articles[0].path)
            #expect(carried.body.contains("<h2 id=\"today-summary-heading\">今日のまとめ</h2>"))
            #expect(carried.body.contains("<a href=\"/daily/2026-11-29\">この記事を収録したAI日報 2026年11月29日（日）</a>"))
            #expect(carried.body.contains("<a href=\"/hacker/2026-11-29\">この記事を収録したHacker日報 2026年11月29日（日）</a>"))
            #expect(carried.body.contains("<a href=\"/weekly/2026-W48\">この記事を収録した週報 2026年第48週（11月23日〜11月29日）</a>"))
            let notCarried = try await read(client, fixture.articles[2].path)
            #expect(notCarried.body.contains("<a href=\"/daily/2026-11-29\">AI日報で今日の重要ニュースをまとめ読み</a>"))
            #expect(!notCarried.body.contains("この記事を収録した"))

            let sitemap = try await read(client, "/sitemap.xml")
            for path in ["/daily/2026-11-28", "/daily/2026-11-29", "/hacker/2026-11-29", "/weekly/2026-W48"] {
                #expect(sitemap.body.contains("<loc>https://news.example.jp\(path)</loc>"), "\(path)")
            }
        }
    }

    /// Split into parts, the site map lists every address once, the digests after the companies.
    @Test func theSiteMapsPartsListEveryDigestOnceAfterTheOtherPages() async throws {
        let configuration = SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!, sitemapURLsPerFile: 4)
        try await withSite(configuration: configuration) { store, client in
            _ = try await Self.store(in: store)
            let index = try await read(client, "/sitemap.xml").body
            let parts = index.components(separatedBy: "<loc>https://news.example.jp/sitemaps/").count - 1
            var locations: [String] = []
            for part in 1...max(parts, 1) {
                let body = try await read(client, Sitemap.partPath(part)).body
                locations += body.components(separatedBy: "<loc>").dropFirst().map { String($0.prefix { $0 != "<" }) }
            }
            // Three articles, three tags, one company, four digests.
            #expect(parts == 3)
            #expect(locations.count == 11 && Set(locations).count == 11)
            #expect(locations.suffix(4) == ["daily/2026-11-28", "daily/2026-11-29", "hacker/2026-11-29", "weekly/2026-W48"]
                .map { "https://news.example.jp/\($0)" })
            #expect(try await read(client, Sitemap.partPath(parts + 1)).status == .notFound)
        }
    }

    @Test(arguments: Backend.available)
    func withNoDigestTheArchivesSaySoAndArticlesOfferNone(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let id = try await store.storePublished(source: source.id, url: "https://wire.example/1", feedDate: nil, discoveredAt: Self.written)
            #expect(!(try await read(client, Store.articlePath(id, url: "https://wire.example/1")).body.contains("今日のまとめ")))
            for kind in DigestKind.allCases {
                let archive = try await read(client, kind.archivePath)
                #expect(archive.status == .ok)
                #expect(archive.body.contains("まだ\(kind.label)はありません。"))
                let feed = try await read(client, "\(kind.archivePath)/feed.xml")
                #expect(feed.status == .ok && !feed.body.contains("<item>"))
            }
            #expect(try await read(client, "/daily/2026-11-29").status == .notFound)
        }
    }

    @Test(arguments: Backend.available)
    func keysThatNameNoDigestAreNotFound(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            _ = try await Self.store(in: store)
            for path in Self.keysNotServed {
                let answer = try await read(client, path)
                #expect(answer.status == .notFound, "\(path.prefix(80))")
                #expect(answer.body.contains("ページが見つかりません"), "\(path.prefix(80))")
            }
            // The pages read no query parameter: one given, or given twice, changes nothing.
            let page = try await read(client, "/daily/2026-11-29")
            for query in ["?page=2&page=3", "?min_importance=9&min_importance=1", "?x=1&x=2"] {
                #expect(try await read(client, "/daily/2026-11-29" + query).body == page.body, "\(query)")
            }
        }
    }

    /// Every text a digest holds comes from a model or a feed: each is escaped wherever it is shown.
    @Test(arguments: Backend.available)
    func hostileTextInEveryFieldIsEscaped(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            var fields: [String] = []
            let hostile: @Sendable (String) -> String = { "<b class=\"x\">\($0)</b>'&" }
            _ = try await Self.store(in: store) { text in
                fields.append(text)
                return hostile(text)
            }
            for path in ["/daily/2026-11-29", "/hacker/2026-11-29", "/weekly/2026-W48", "/daily", "/daily/2026-11", "/weekly/2026",
                         "/daily/feed.xml", "/hacker/feed.atom"] {
                let body = try await read(client, path).body
                #expect(!body.contains("<b class"), "\(path)")
            }
            // JSON Feed carries the text as JSON strings, read back as written.
            let json = try await read(client, "/weekly/feed.json").body
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let items = try #require(document["items"] as? [[String: Any]])
            #expect(items.first?["title"] as? String == hostile("週報 2026年第48週"))
            let pages = [try await read(client, "/daily/2026-11-29").body, try await read(client, "/hacker/2026-11-29").body,
                         try await read(client, "/weekly/2026-W48").body].joined()
            #expect(Set(fields).count >= 16)
            for field in Set(fields) {
                #expect(pages.contains("&lt;b class=&quot;x&quot;&gt;\(field)&lt;/b&gt;&#39;&amp;")
                            || pages.contains("&lt;b class=&quot;x&quot;&gt;\(field)&lt;/b&gt;&#x27;&amp;"), "\(field)")
            }
        }
    }
}
