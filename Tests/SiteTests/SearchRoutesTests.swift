import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
@testable import Store

/// `/search` over a real store on both backends: the form, results with marks, escaping,
/// paging, and queries sent to break it.
@Suite struct SearchRoutesTests {
    static let discovered = Date(timeIntervalSince1970: 1_790_000_000)

    func analysis(title: String, tldr: String) -> Analysis {
        var analysis = SampleItems.analysis
        analysis.title = title
        analysis.tldr = tldr
        analysis.keyPoints = []
        return analysis
    }

    /// Publishes three stories an hour apart and returns their ids, oldest first.
    func publishStories(in store: Store) async throws -> [Int64] {
        let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire & Co", kind: .feed)
        let stories = [
            ("OpenAI、新しい推論モデルを発表", "数学の推論能力が向上した。", "OpenAI unveils a reasoning model"),
            ("<script>alert(1)</script>を含む見出しの推論", "要約に<b>タグ</b>と & 記号。", "Tags <i>in</i> titles"),
            ("半導体の決算", "GPUの需要が続く。", "Chipmaker earnings"),
        ]
        var ids: [Int64] = []
        for (index, story) in stories.enumerated() {
            let at = Self.discovered.addingTimeInterval(Double(index) * 3600)
            ids.append(try await store.storePublished(
                source: source.id, url: "https://wire.example/\(index)", feedDate: at, discoveredAt: at,
                analysis: analysis(title: story.0, tldr: story.1), originalTitle: story.2))
        }
        return ids
    }

    func page(_ uri: String, _ client: some TestClientProtocol) async throws -> (status: HTTPResponse.Status, body: String) {
        try await client.execute(uri: uri, method: .get) { response in (response.status, String(buffer: response.body)) }
    }

    @Test(arguments: Backend.available)
    func resultsAreRankedMarkedAndEscaped(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let ids = try await publishStories(in: store)

            // 推論 in two titles: the newer first; a form sends the space between terms as +.
            var (status, body) = try await page("/search?q=%E6%8E%A8%E8%AB%96", client)
            #expect(status == .ok)
            #expect(body.ranges(of: "href=\"/articles/").count == 2)
            let newer = try #require(body.range(of: "href=\"/articles/\(ids[1])-"))
            let older = try #require(body.range(of: "href=\"/articles/\(ids[0])-"))
            #expect(newer.lowerBound < older.lowerBound)
            #expect(body.contains("OpenAI、新しい<mark>推論</mark>モデルを発表"))
            #expect(body.contains("検索結果 2件"))
            // Escaped first, marked after: the title's markup is text, the marks are the only tags.
            #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;を含む見出しの<mark>推論</mark>"))
            #expect(!body.contains("<script>"))
            #expect(body.contains("要約に&lt;b&gt;タグ&lt;/b&gt;と &amp; 記号。"))
            #expect(body.contains("Tags &lt;i&gt;in&lt;/i&gt; titles"))
            #expect(body.contains("Wire &amp; Co"))
            #expect(body.contains("value=\"推論\""))

            // Both terms: story 0 has OpenAI in its title, story 1 only in its body (the sample
            // body every stored row shares), so the older story 0 ranks first.
            (status, body) = try await page("/search?q=openai+%E6%8E%A8%E8%AB%96", client)
            #expect(status == .ok)
            #expect(body.ranges(of: "href=\"/articles/").count == 2)
            let first = try #require(body.range(of: "href=\"/articles/\(ids[0])-"))
            let second = try #require(body.range(of: "href=\"/articles/\(ids[1])-"))
            #expect(first.lowerBound < second.lowerBound)
            #expect(body.contains("<mark>OpenAI</mark> unveils a reasoning model"))

            // Full-width letters in the query fold like the text: ＧＰＵ finds GPU, marked as written.
            (status, body) = try await page("/search?q=%3Cscript%3E", client)
            #expect(body.contains("<mark>&lt;script&gt;</mark>alert(1)"))
            #expect(body.contains("value=\"&lt;script&gt;\""))
            #expect(!body.contains("<script>"))

            (status, body) = try await page("/search?q=%EF%BC%A7%EF%BC%B0%EF%BC%B5", client)
            #expect(body.contains("<mark>GPU</mark>の需要が続く。"))
        }
    }

    @Test(arguments: Backend.available)
    func withoutAQueryTheFormAndAHintAndWithoutResultsAHelpfulMessage(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            _ = try await publishStories(in: store)
            for uri in ["/search", "/search?q=", "/search?q=+++", "/search?q=%00%07"] {
                let (status, body) = try await page(uri, client)
                #expect(status == .ok, "\(uri)")
                #expect(body.contains("action=\"/search\""), "\(uri)")
                #expect(body.contains("1〜2文字の語"), "\(uri)")
                #expect(!body.contains("href=\"/articles/"), "\(uri)")
            }
            let (status, body) = try await page("/search?q=qwerty", client)
            #expect(status == .ok)
            #expect(body.contains("「qwerty」を含む記事は見つかりませんでした。"))
            let response = try await client.execute(uri: "/search?q=x", method: .get) { $0 }
            #expect(response.headers[.contentSecurityPolicy]?.contains("form-action 'self'") == true)
        }
    }

    @Test(arguments: Backend.available)
    func pagesOfResultsEndAtTheLastAndHostileQueriesAreHarmless(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let ids = try await publishStories(in: store)
            let source = try await store.addSource(url: "https://more.example/feed", name: "More", kind: .feed)
            let extra = SitePages.searchResultsPerPage
            for index in 0..<extra {
                let at = Self.discovered.addingTimeInterval(Double(-index - 1) * 60)
                _ = try await store.storePublished(source: source.id, url: "https://more.example/\(index)", feedDate: at,
                                                   discoveredAt: at, analysis: analysis(title: "決算の速報\(index)", tldr: "要約"),
                                                   originalTitle: "Earnings flash \(index)")
            }
            // 決算: one story with it in the title (ids[2], the newest) plus 20 older: two pages.
            var (status, body) = try await page("/search?q=%E6%B1%BA%E7%AE%97", client)
            #expect(status == .ok && body.contains("検索結果 21件"))
            #expect(body.contains("href=\"/articles/\(ids[2])-"))
            #expect(body.contains("href=\"/search?q=%E6%B1%BA%E7%AE%97&amp;page=2\""))
            (status, body) = try await page("/search?q=%E6%B1%BA%E7%AE%97&page=2", client)
            #expect(status == .ok && body.ranges(of: "href=\"/articles/").count == 1)
            for uri in ["/search?q=%E6%B1%BA%E7%AE%97&page=3", "/search?q=%E6%B1%BA%E7%AE%97&page=99999999999999999999",
                        "/search?q=a&q=b", "/search?page=2", "/search?q=%E6%B1%BA%E7%AE%97&page=0"] {
                #expect(try await page(uri, client).status == .notFound, "\(uri)")
            }

            let hostile = [
                String(repeating: "%E3%81%82", count: 10_000), (0..<500).map { "w\($0)" }.joined(separator: "+"),
                "%25", "_", "%22", "*", "NEAR(", "OR", "%22a%22+OR+%22b%22", "%00%01%1F", "%", "%zz", "%E3%81",
                "'%3B+DROP+TABLE+items%3B+--",
            ]
            for query in hostile {
                let (status, body) = try await page("/search?q=\(query)", client)
                #expect(status == .ok, "\(query.prefix(40))")
                #expect(!body.contains("href=\"/articles/"), "\(query.prefix(40))")
                #expect(!body.contains("<script>"), "\(query.prefix(40))")
            }
            (status, body) = try await page("/search?q=" + hostile[1], client)
            #expect(body.contains("最初の\(SearchQuery.maximumLength)文字・\(SearchQuery.maximumTerms)語まで"))
        }
    }

    @Test func highlightMarksWhatTheFoldedTermCoversAndEscapesTheRest() {
        #expect(Highlight.html("ＯｐｅｎＡＩと<b>", terms: ["openai"]) == "<mark>ＯｐｅｎＡＩ</mark>と&lt;b&gt;")
        #expect(Highlight.html("a<b>a", terms: ["<b>"]) == "a<mark>&lt;b&gt;</mark>a")
        #expect(Highlight.html("推論と推論", terms: ["推論", "と"]) == "<mark>推論と推論</mark>")
        #expect(Highlight.html("no match", terms: ["xyz"]) == "no match")
        #expect(Highlight.html("", terms: ["a"]) == "")
    }

    @Test func formQueriesReadPlusAsASpaceAndKeepMalformedEncodingAsText() {
        #expect(FormQuery.values("q", in: "q=open+ai&page=2") == ["open ai"])
        #expect(FormQuery.values("q", in: "q=%2B%2B&q=%zz") == ["++", "%zz"])
        #expect(FormQuery.values("q", in: "page=2") == [])
        #expect(FormQuery.values("q", in: nil) == [])
        #expect(FormQuery.values("q", in: "q") == [""])
        #expect(SitePages.searchPath(text: "C++ 推論", page: 2) == "/search?q=C%2B%2B%20%E6%8E%A8%E8%AB%96&page=2")
    }
}
