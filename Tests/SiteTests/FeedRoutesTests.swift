import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
import Feeds
@testable import Site
@testable import Store

/// Published rows the feed, site map and page-head tests share: Japanese titles, `&`, `<`, an
/// emoji and a title holding `]]>`, three importances, tags and entities.
struct FeedFixture: Sendable {
    static let discovered = Date(timeIntervalSince1970: 1_790_000_000)
    static let tldr = "要約: A&B <速報> 🤖 ]]> 終わり"

    /// Title, importance (every axis scored so), tags, entity names of kind company.
    static let rows: [(title: String, importance: Int, tags: [String])] = [
        ("生成AIの新モデル & 評価 x<y", 5, ["生成AI", "OpenAI"]),
        ("絵文字 🤖 のテスト ]]> 終わり", 3, ["生成AI", "R&D <研究>"]),
        ("Anthropic、新しい研究を発表", 2, ["Anthropic"]),
    ]

    var ids: [Int64]
    /// The canonical address of each row's article, in the order of `ids`.
    var paths: [String] { ids.enumerated().map { Store.articlePath($0.element, url: "https://wire.example/\($0.offset)") } }
    /// A company both of the first two rows name, and a person the second names.
    var company: Int64
    var person: Int64

    static func store(in store: Store) async throws -> FeedFixture {
        let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire & Co <AI>", kind: .feed)
        var ids: [Int64] = []
        for (index, row) in rows.enumerated() {
            var analysis = SampleItems.analysis
            analysis.title = row.title
            analysis.tldr = tldr
            analysis.tags = row.tags
            analysis.scores = AxisScores(depth: row.importance, relevance: row.importance, practicality: row.importance,
                                         novelty: row.importance)
            ids.append(try await store.storePublished(source: source.id, url: "https://wire.example/\(index)", feedDate: nil,
                                                      discoveredAt: discovered.addingTimeInterval(Double(index) * 60),
                                                      analysis: analysis))
        }
        let company = try await store.insertEntity(name: "OpenAI", kind: .company, naming: [ids[0], ids[1]])
        let person = try await store.insertEntity(name: "Sam Altman", kind: .person, naming: [ids[1]])
        return FeedFixture(ids: ids, company: company, person: person)
    }
}

extension Store {
    /// An entity named by `items`, written straight to the rows.
    func insertEntity(name: String, kind: EntityKind, naming items: [Int64]) async throws -> Int64 {
        try await database.raw("""
            INSERT INTO entities (name_key, kind, name, created_at)
            VALUES (\(bind: NameKey.of(name)), \(bind: kind.rawValue), \(bind: name), \(bind: Date().storedValue))
            """).run()
        let id = try #require(try await database.raw("SELECT id FROM entities WHERE name_key = \(bind: NameKey.of(name))")
            .first()?.decode(column: "id", as: Int64.self))
        for item in items {
            try await database.raw("INSERT INTO item_entities (item_id, entity_id, main) VALUES (\(bind: item), \(bind: id), 1)").run()
        }
        return id
    }
}

@Suite struct FeedRoutesTests {
    static let generativeAI = "/tags/%E7%94%9F%E6%88%90AI"
    static let researchTag = "/tags/R%26D%20%3C%E7%A0%94%E7%A9%B6%3E"

    func titles(_ body: String) throws -> [String] {
        try FeedParser.parse(Data(body.utf8), baseURL: nil).items.map(\.title)
    }

    @Test(arguments: Backend.available)
    func everyFeedKindAndFormatListsItsArticlesNewestFirst(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let fixture = try await FeedFixture.store(in: store)
            let titles = FeedFixture.rows.map(\.title)
            let expected: [(String, [String])] = [
                ("/feed", titles.reversed()),
                ("/feed?min_importance=3", [titles[1], titles[0]]),
                ("/feed?min_importance=5", [titles[0]]),
                ("\(Self.generativeAI)/feed", [titles[1], titles[0]]),
                ("\(Self.generativeAI)/feed?min_importance=4", [titles[0]]),
                ("\(Self.researchTag)/feed", [titles[1]]),
                ("/tags/Anthropic/feed?min_importance=5", []),
                ("/companies/\(fixture.company)/feed", [titles[1], titles[0]]),
                ("/companies/\(fixture.company)/feed?min_importance=1", [titles[1], titles[0]]),
            ]
            for (base, titles) in expected {
                for format in Site.FeedFormat.allCases {
                    let parts = base.split(separator: "?", maxSplits: 1)
                    let uri = "\(parts[0]).\(format.fileExtension)" + (parts.count > 1 ? "?\(parts[1])" : "")
                    let response = try await read(client, uri)
                    #expect(response.status == .ok, "\(uri)")
                    #expect(response.type == "\(format.mediaType); charset=utf-8", "\(uri)")
                    // Our collector reads RSS titles as HTML, where `<y` is not text; compare what precedes it.
                    let readTitles = try self.titles(response.body).map { String($0.prefix { $0 != "<" }) }
                    #expect(readTitles == titles.map { String($0.prefix { $0 != "<" }) }, "\(uri)")
                    #expect(response.body.contains("https://news.example.jp\(parts[0]).\(format.fileExtension)"), "\(uri): self link")
                }
            }
        }
    }

    /// Addresses that name no feed: an importance outside 1–5, malformed or given twice; a tag or
    /// a company nothing published has; an entity that is not a company; hostile segments.
    @Test(arguments: Backend.available)
    func feedsThatDoNotExistAreNotFound(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let fixture = try await FeedFixture.store(in: store)
            let missing = [
                "/feed.xml?min_importance=0", "/feed.atom?min_importance=6", "/feed.json?min_importance=abc",
                "/feed.xml?min_importance=", "/feed.xml?min_importance=3&min_importance=4", "/feed.xml?min_importance=03",
                "/feed.json?min_importance=99999999999999999999999", "/feed.rss", "/feed",
                "/tags/unknown/feed.xml", "/tags/%E7%94%9F/feed.atom", "/tags/%FF%FE/feed.json", "/tags/%/feed.xml",
                "/tags/\(String(repeating: "a", count: 5000))/feed.xml",
                "/companies/\(fixture.person)/feed.xml", "/companies/999999/feed.atom", "/companies/0/feed.json",
                "/companies/-1/feed.xml", "/companies/abc/feed.xml", "/companies/99999999999999999999/feed.xml",
                "/companies/\(fixture.company)/feed.xml?min_importance=9",
            ]
            for uri in missing {
                let response = try await read(client, uri)
                #expect(response.status == .notFound, "\(uri)")
            }
            #expect(try await read(client, "/feed.xml?utm_source=x").status == .ok)
        }
    }

    @Test(arguments: Backend.available)
    func pagesAnnounceTheirFeedsAndSharePreviews(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let fixture = try await FeedFixture.store(in: store)
            try await store.overwrite("image_url", of: fixture.ids[0], with: "https://wire.example/picture.jpg")
            let latest = try await read(client, "/").body
            for format in Site.FeedFormat.allCases {
                #expect(latest.contains(#"<link rel="alternate" type="\#(format.mediaType)" title="Kawaraban AIニュース(\#(format.label))" href="/feed.\#(format.fileExtension)">"#))
            }
            #expect(latest.contains(#"<meta property="og:type" content="website">"#))
            #expect(latest.contains(#"<meta property="og:locale" content="ja_JP">"#))
            #expect(latest.contains(#"<meta name="twitter:card" content="summary">"#))
            #expect(!latest.contains("application/ld+json"))

            let article = try await read(client, fixture.paths[0]).body
            #expect(article.contains(#"<meta property="og:type" content="article">"#))
            #expect(article.contains(#"<meta property="og:title" content="生成AIの新モデル &amp; 評価 x&lt;y">"#))
            #expect(article.contains(#"<meta property="og:url" content="https://news.example.jp\#(fixture.paths[0])">"#))
            #expect(article.contains(#"<meta property="og:image" content="https://wire.example/picture.jpg">"#))
            #expect(article.contains(#"<meta name="twitter:card" content="summary_large_image">"#))
            #expect(article.contains(#"<input type="text" readonly value="https://news.example.jp\#(fixture.paths[0])">"#))
            #expect(article.contains("リンクをコピー"))

            let script = try #require(article.range(of: #"<script type="application/ld+json">"#).flatMap { start in
                article.range(of: "</script>", range: start.upperBound..<article.endIndex).map { article[start.upperBound..<$0.lowerBound] }
            })
            #expect(!script.contains("<") && !script.contains(">") && !script.contains("&"))
            let data = try #require(try JSONSerialization.jsonObject(with: Data(script.utf8)) as? [String: Any])
            #expect(data["@type"] as? String == "NewsArticle")
            #expect(data["headline"] as? String == FeedFixture.rows[0].title)
            #expect(data["description"] as? String == FeedFixture.tldr)
            #expect(data["datePublished"] as? String == "2026-09-21T23:13:20+09:00")
            #expect(data["inLanguage"] as? String == "ja")
            #expect(data["image"] as? [String] == ["https://wire.example/picture.jpg"])
            #expect((data["mainEntityOfPage"] as? [String: Any])?["@id"] as? String == "https://news.example.jp\(fixture.paths[0])")
            #expect((data["publisher"] as? [String: Any])?["name"] as? String == "Kawaraban AIニュース")
            #expect(((data["author"] as? [[String: Any]])?.first)?["name"] as? String == "Tom Writer")

            // An image the URL policy refuses is left out of the preview.
            try await store.overwrite("image_url", of: fixture.ids[1], with: "javascript:alert(1)")
            let refused = try await read(client, fixture.paths[1]).body
            #expect(!refused.contains("og:image"))
            #expect(!refused.contains("javascript:"))
        }
    }

    @Test func tagAndCompanyPagesCanAnnounceTheirOwnFeeds() async throws {
        let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
        let chrome = renderer.chrome(title: "#R&D", description: "", path: "/", feeds: PageFeeds(scope: .tag("R&D <研究>"), title: "#R&D <研究>"))
        #expect(chrome.feeds.map(\.href) == ["\(Self.researchTag)/feed.xml", "\(Self.researchTag)/feed.atom",
                                             "\(Self.researchTag)/feed.json"])
        #expect(renderer.chrome(title: nil, description: "", path: "/", feeds: PageFeeds(scope: .company(id: 7), title: "OpenAI"))
                .feeds.first?.href == "/companies/7/feed.xml")
        let filtered = renderer.chrome(title: nil, description: "", path: "/?min_importance=4",
                                       feeds: PageFeeds(scope: .latest, title: "重要度4以上", minimumImportance: 4))
        #expect(filtered.feeds.map(\.href) == ["/feed.xml?min_importance=4", "/feed.atom?min_importance=4",
                                               "/feed.json?min_importance=4"])
    }
}
