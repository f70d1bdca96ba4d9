import Foundation
import HummingbirdTesting
import KawarabanCore
import Testing
@testable import Site

/// The frame around every page: the sections in the seed's order with the current one marked,
/// the search form, the skip link and the landmarks.
@Suite struct PageChromeTests {
    static func current(at path: String?) -> [String: String] {
        Dictionary(uniqueKeysWithValues: SiteNavigation.links(at: path).compactMap { link in
            link.ariaCurrent.map { (link.label, $0) }
        })
    }

    @Test func theSectionAPageBelongsToIsMarkedAndNoOther() {
        #expect(SiteNavigation.links(at: "/").map(\.label) == ["最新ニュース", "AI日報", "Hacker日報", "週報", "動画", "AIツール", "トレンド", "企業"])
        #expect(Self.current(at: "/") == ["最新ニュース": "page"])
        #expect(Self.current(at: "/?page=3") == ["最新ニュース": "true"])
        #expect(Self.current(at: "/companies") == ["企業": "page"])
        #expect(Self.current(at: "/companies/12") == ["企業": "true"])
        #expect(Self.current(at: "/tools/4") == ["AIツール": "true"])
        #expect(Self.current(at: "/videos") == ["動画": "page"])
        #expect(Self.current(at: "/trends") == ["トレンド": "page"])
        #expect(Self.current(at: "/daily") == ["AI日報": "page"])
        #expect(Self.current(at: "/daily/2026-11-29") == ["AI日報": "true"])
        #expect(Self.current(at: "/hacker/2026-11") == ["Hacker日報": "true"])
        #expect(Self.current(at: "/weekly/2026-W48") == ["週報": "true"])
        // An article, a tag, a search or a path that merely starts like a section belongs to none.
        for path in ["/articles/7", "/tags/OpenAI", "/search?q=AI", "/toolsmith", "/companiesX/1", "/dailyX", "//", nil] {
            #expect(Self.current(at: path).isEmpty, "\(path)")
        }
    }

    @Test func everyPageHasTheSkipLinkLandmarksAndALabelledSearchForm() async throws {
        let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
        let pages = [
            try renderer.latestPage(headlines: [SampleItems.headline()], page: 1, hasOlder: false),
            try renderer.articlePage(SampleItems.published()),
            try renderer.notFoundPage(),
        ]
        for html in pages {
            let landmarks = [
                "<html lang=\"ja\">", "<a class=\"skip-link\" href=\"#main\">", "<header class=\"site-header\">",
                "<form class=\"site-search\" action=\"/search\" method=\"get\" role=\"search\"",
                "<label class=\"visually-hidden\" for=\"site-search-q\">", "<input id=\"site-search-q\" type=\"search\" name=\"q\"",
                "<nav class=\"site-nav\" aria-label=", "<main id=\"main\">", "</main>", "<footer class=\"site-footer\">",
                "<nav class=\"footer-nav\" aria-label=", "href=\"/feed.xml\">RSS</a>",
            ]
            var cursor = html.startIndex
            for landmark in landmarks {
                let found = try #require(html.range(of: landmark, range: cursor..<html.endIndex), "\(landmark) missing or out of order")
                cursor = found.upperBound
            }
        }
        #expect(pages[0].contains("<a href=\"/\" aria-current=\"page\">最新ニュース</a>"))
        #expect(!pages[1].contains("aria-current"))
        #expect(!pages[2].contains("aria-current"), "a missing page is in no section")
    }

    @Test func everySectionTheNavigationLinksToIsServed() async throws {
        try await withSite { _, client in
            let html = try await client.execute(uri: "/", method: .get) { String(buffer: $0.body) }
            let nav = try #require(html.range(of: "<nav class=\"site-nav\"").flatMap { start in
                html.range(of: "</nav>", range: start.upperBound..<html.endIndex).map { html[start.lowerBound..<$0.upperBound] }
            })
            let hrefs = nav.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(hrefs == SiteNavigation.sections.map(\.path))
            for href in hrefs {
                try await client.execute(uri: href, method: .get) { #expect($0.status == .ok, "\(href)") }
            }
        }
    }

    @Test func theSearchFormMaySubmitToTheSiteAndNowhereElse() {
        let directives = SiteApplication.contentSecurityPolicy.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(directives.contains("form-action 'self'"))
        #expect(directives.contains("default-src 'none'"))
        #expect(!directives.contains { $0.hasPrefix("script-src") })
    }
}
