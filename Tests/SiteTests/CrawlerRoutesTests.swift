import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
@testable import Store

/// The site map, robots.txt and the operator's pages, over real stores.
@Suite struct CrawlerRoutesTests {
    static let publicURL = URL(string: "https://news.example.jp/")!

    func locations(_ xml: String) -> [String] {
        xml.components(separatedBy: "<loc>").dropFirst().map { String($0.prefix { $0 != "<" }) }
    }

    @Test(arguments: Backend.available)
    func sitemapListsEveryArticleTagAndCompanyAndRobotsPointsAtIt(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let fixture = try await FeedFixture.store(in: store)
            let sitemap = try await read(client, "/sitemap.xml")
            #expect(sitemap.status == .ok)
            #expect(sitemap.type == "application/xml; charset=utf-8")
            #expect(sitemap.body.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset"))
            let tags = ["/tags/Anthropic", "/tags/OpenAI", "/tags/R%26D%20%3C%E7%A0%94%E7%A9%B6%3E", "/tags/%E7%94%9F%E6%88%90AI"]
            let expected = fixture.paths.map { "https://news.example.jp\($0)" }
                + tags.map { "https://news.example.jp\($0)" } + ["https://news.example.jp/companies/\(fixture.company)"]
            #expect(locations(sitemap.body).count == expected.count)
            #expect(Set(locations(sitemap.body)) == Set(expected))
            #expect(locations(sitemap.body).prefix(3) == expected.prefix(3))
            #expect(sitemap.body.contains("<lastmod>2026-09-21T14:14:20Z</lastmod>"))
            // The person is named too, but has no company page.
            #expect(!sitemap.body.contains("/companies/\(fixture.person)"))
            // Parts exist only when the site map is an index.
            #expect(try await read(client, "/sitemaps/1.xml").status == .notFound)

            let robots = try await read(client, "/robots.txt")
            #expect(robots.type == "text/plain; charset=utf-8")
            #expect(robots.body == "User-agent: *\nAllow: /\n\nSitemap: https://news.example.jp/sitemap.xml\n")
        }
    }

    /// With a limit of three addresses a file, eight addresses are an index of three parts that
    /// together list each address once.
    @Test(arguments: Backend.available)
    func pastTheLimitTheSitemapIsAnIndexOfParts(backend: Backend) async throws {
        let configuration = SiteConfiguration(publicURL: Self.publicURL, sitemapURLsPerFile: 3)
        try await withSite(backend, configuration: configuration) { store, client in
            let fixture = try await FeedFixture.store(in: store)
            let index = try await read(client, "/sitemap.xml")
            #expect(index.body.contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"))
            #expect(locations(index.body) == (1...3).map { "https://news.example.jp/sitemaps/\($0).xml" })
            var listed: [String] = []
            for part in 1...3 {
                let response = try await read(client, "/sitemaps/\(part).xml")
                #expect(response.status == .ok)
                #expect(response.body.contains("<urlset"))
                #expect(locations(response.body).count == (part < 3 ? 3 : 2))
                listed += locations(response.body)
            }
            #expect(listed.count == 8)
            #expect(Set(listed).count == 8)
            #expect(listed.prefix(3) == fixture.paths.map { "https://news.example.jp\($0)" }[...])
            #expect(listed.last == "https://news.example.jp/companies/\(fixture.company)")
            for missing in ["/sitemaps/4.xml", "/sitemaps/0.xml", "/sitemaps/01.xml", "/sitemaps/1", "/sitemaps/1.xml.gz",
                            "/sitemaps/99999999999999999999.xml", "/sitemaps/-1.xml", "/sitemaps/.xml"] {
                #expect(try await read(client, missing).status == .notFound, "\(missing)")
            }
        }
    }

    @Test(arguments: Backend.available)
    func configuredPagesAreServedSanitisedAndLinkedAndOthersDoNotExist(backend: Backend) async throws {
        let markdown = """
            # 運営者情報

            **Kawaraban** は [サンプル](https://example.jp/) が運営しています。

            <script>alert(1)</script><img src="x" onerror="alert(1)"><a href="javascript:alert(1)">罠</a>

            | 項目 | 内容 |
            |---|---|
            | 所在地 | 東京都 |
            """
        let configuration = SiteConfiguration(publicURL: Self.publicURL, infoPages: [.about: markdown, .legal: "販売者: 例"])
        try await withSite(backend, configuration: configuration) { _, client in
            let about = try await read(client, "/about")
            #expect(about.status == .ok)
            #expect(about.body.contains("<h1 class=\"page-heading\">このサイトについて</h1>"))
            #expect(about.body.contains("<strong>Kawaraban</strong>"))
            #expect(about.body.contains("href=\"https://example.jp/\""))
            #expect(about.body.contains("東京都"))
            #expect(!about.body.contains("<script>alert"))
            #expect(!about.body.contains("onerror"))
            #expect(!about.body.contains("javascript:"))
            #expect(about.body.contains("<link rel=\"canonical\" href=\"https://news.example.jp/about\">"))

            let legal = try await read(client, "/legal")
            #expect(legal.status == .ok)
            #expect(legal.body.contains("販売者: 例"))
            #expect(try await read(client, "/contact").status == .notFound)

            let footer = try #require(about.body.range(of: "<footer class=\"site-footer\">").map { about.body[$0.upperBound...] })
            let hrefs = footer.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(hrefs == ["/about", "/feed.xml", "/legal"])
        }
        try await withSite(backend) { _, client in
            for page in InfoPage.allCases {
                #expect(try await read(client, page.path).status == .notFound)
            }
            let latest = try await read(client, "/").body
            let footer = try #require(latest.range(of: "<footer class=\"site-footer\">").map { latest[$0.upperBound...] })
            #expect(footer.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) } == ["/feed.xml"])
        }
    }
}
