import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
@testable import Store

/// Browsing the site over a real store on both backends: the latest list's filters and pages, the
/// first run's guide, the article's canonical address, related articles and neighbours, the
/// video player, tag pages and videos; every hostile parameter answered with the not-found page.
@Suite struct BrowseRoutesTests {
    static let discovered = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21 23:13 JST
    static let videoID = "dQw4w9WgXcQ"

    static func analysis(_ title: String, importance: Int, tags: [String]) -> Analysis {
        var analysis = SampleItems.analysis
        analysis.title = title
        analysis.tags = tags
        analysis.scores = AxisScores(depth: importance, relevance: importance, practicality: importance, novelty: importance)
        return analysis
    }

    /// Publishes `title` from `url`, `minutes` after `discovered`; returns its canonical path.
    @discardableResult
    static func publish(_ title: String, url: String, in store: Store, source: Int64, importance: Int = 3,
                        tags: [String] = [], videoID: String? = nil, minutes: Int) async throws -> (id: Int64, path: String) {
        let id = try await store.storePublished(
            source: source, url: url, feedDate: nil, discoveredAt: discovered.addingTimeInterval(Double(minutes) * 60),
            analysis: analysis(title, importance: importance, tags: tags), videoID: videoID)
        return (id, Store.articlePath(id, url: url))
    }

    static func body(_ client: some TestClientProtocol, _ uri: String, status: HTTPResponse.Status = .ok,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await client.execute(uri: uri, method: .get) { response in
            #expect(response.status == status, "\(uri)", sourceLocation: sourceLocation)
            return String(buffer: response.body)
        }
    }

    /// Every `href` of the page's news list, in order.
    static func listedPaths(_ html: String) -> [String] {
        guard let start = html.range(of: "<ol class=\"news-list\">"), let end = html.range(of: "</ol>", range: start.upperBound..<html.endIndex)
        else { return [] }
        return html[start.upperBound..<end.lowerBound].components(separatedBy: "<h2><a href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    @Test(arguments: Backend.available)
    func latestFiltersCombineAreShownAndEachCanBeRemoved(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let wire = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed).id
            let tube = try await store.addSource(url: "https://tube.example/feed", name: "Tube", kind: .feed).id
            let minor = try await Self.publish("小さな話", url: "https://wire.example/1", in: store, source: wire, importance: 2,
                                               tags: ["OpenAI"], minutes: 1).path
            let major = try await Self.publish("大きな話", url: "https://wire.example/2", in: store, source: wire, importance: 5,
                                               tags: ["OpenAI", "推論"], minutes: 2).path
            let video = try await Self.publish("動画の話", url: "https://tube.example/3", in: store, source: tube, importance: 4,
                                               tags: ["推論"], videoID: Self.videoID, minutes: 3).path

            #expect(Self.listedPaths(try await Self.body(client, "/")) == [video, major, minor])
            #expect(Self.listedPaths(try await Self.body(client, "/?min_importance=4")) == [video, major])
            #expect(Self.listedPaths(try await Self.body(client, "/?tag=OpenAI")) == [major, minor])
            #expect(Self.listedPaths(try await Self.body(client, "/?tag=%E6%8E%A8%E8%AB%96&kind=article")) == [major])
            #expect(Self.listedPaths(try await Self.body(client, "/?source=\(tube)")) == [video])
            #expect(Self.listedPaths(try await Self.body(client, "/?kind=video&min_importance=5")) == [])

            let combined = try await Self.body(client, "/?min_importance=3&tag=OpenAI&source=\(wire)&kind=article")
            #expect(Self.listedPaths(combined) == [major])
            // Each chip links to the list without its own filter, the others kept.
            #expect(combined.contains("重要度3以上 <a href=\"/?tag=OpenAI&amp;source=\(wire)&amp;kind=article\""))
            #expect(combined.contains("#OpenAI <a href=\"/?min_importance=3&amp;source=\(wire)&amp;kind=article\""))
            #expect(combined.contains("配信元: Wire <a href=\"/?min_importance=3&amp;tag=OpenAI&amp;kind=article\""))
            #expect(combined.contains("記事 <a href=\"/?min_importance=3&amp;tag=OpenAI&amp;source=\(wire)\""))
            #expect(combined.contains("<option value=\"\(wire)\" selected>Wire</option>"))
            #expect(combined.contains("<form class=\"filters\" method=\"get\" action=\"/\""))
            // Entries show their tags, linking to the tag's page.
            #expect(combined.contains("<a href=\"/tags/OpenAI\">#OpenAI</a>"))
            #expect(combined.contains("<a href=\"/tags/%E6%8E%A8%E8%AB%96\">#推論</a>"))

            // The form sends every field; the empty ones filter nothing.
            #expect(Self.listedPaths(try await Self.body(client, "/?min_importance=&tag=&source=&kind=")) == [video, major, minor])
            let noMatch = try await Self.body(client, "/?tag=nothing")
            #expect(noMatch.contains("条件に合う記事はありません"))
            #expect(!noMatch.contains("kawaraban sources add"))
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.headers[.contentSecurityPolicy]?.contains("form-action 'self'") == true)
            }
        }
    }

    @Test(arguments: Backend.available)
    func filteredPagesEndAtTheLastArticleAndKeepTheirFilters(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed).id
            for number in 0...SitePages.headlinesPerPage {
                try await Self.publish("記事\(number)", url: "https://wire.example/\(number)", in: store, source: source,
                                       importance: 4, tags: ["OpenAI"], minutes: number)
            }
            try await Self.publish("別の記事", url: "https://wire.example/other", in: store, source: source, importance: 1, minutes: 100)
            let first = try await Self.body(client, "/?min_importance=4")
            #expect(Self.listedPaths(first).count == SitePages.headlinesPerPage)
            #expect(first.contains("href=\"/?min_importance=4&amp;page=2\" rel=\"next\""))
            let second = try await Self.body(client, "/?min_importance=4&page=2")
            #expect(Self.listedPaths(second) == [Store.articlePath(1, url: "https://wire.example/0")])
            #expect(second.contains("href=\"/?min_importance=4\" rel=\"prev\""))
            #expect(!second.contains("rel=\"next\""))
            _ = try await Self.body(client, "/?min_importance=4&page=3", status: .notFound)
            _ = try await Self.body(client, "/?page=2", status: .ok)
            _ = try await Self.body(client, "/?page=3", status: .notFound)
            let tagged = try await Self.body(client, "/tags/OpenAI?page=2")
            #expect(Self.listedPaths(tagged).count == 1)
            #expect(tagged.contains("href=\"/tags/OpenAI\" rel=\"prev\""))
            _ = try await Self.body(client, "/tags/OpenAI?page=3", status: .notFound)
        }
    }

    static let hostileQueries = [
        "page=99999999999999999999", "page=0", "min_importance=0", "min_importance=6", "min_importance=abc",
        "min_importance=3&min_importance=4", "min_importance=%00", "min_importance=+3",
        "tag=" + String(repeating: "x", count: 10_000), "tag=" + String(repeating: "%E3%81%82", count: 101), "tag=%00",
        "tag=a&tag=b", "source=-1", "source=0", "source=99999999999999999999", "source=1.0", "kind=podcast", "kind=VIDEO",
        "kind=video&page=99999999999999999999",
    ]

    @Test(arguments: Backend.available, hostileQueries)
    func malformedFiltersAndPagesAreNotFound(backend: Backend, query: String) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed).id
            try await Self.publish("記事", url: "https://wire.example/1", in: store, source: source, tags: ["OpenAI"], minutes: 0)
            let page = try await Self.body(client, "/?\(query)", status: .notFound)
            #expect(page.contains("ページが見つかりません"))
            if query.hasPrefix("page=") || query.hasPrefix("tag=") {
                let tagPage = query.hasPrefix("page=") ? "/tags/OpenAI?\(query)" : "/tags/\(query.dropFirst(4))"
                _ = try await Self.body(client, tagPage, status: .notFound)
                if query.hasPrefix("page=") { _ = try await Self.body(client, "/videos?\(query)", status: .notFound) }
            }
            _ = try await Self.body(client, "/")
        }
    }

    @Test(arguments: Backend.available)
    func anEmptySiteExplainsHowToAddSourcesAndConnectAnLLM(backend: Backend) async throws {
        try await withSite(backend) { _, client in
            let page = try await Self.body(client, "/")
            #expect(page.contains("kawaraban sources add --starter"))
            #expect(page.contains("KAWARABAN_LLM_BASE_URL"))
            #expect(page.contains("KAWARABAN_LLM_MODEL"))
            #expect(page.contains("LLMに接続する"))
            #expect(!page.contains("<form class=\"filters\""))
            #expect(Self.listedPaths(page).isEmpty)
            _ = try await Self.body(client, "/?page=2", status: .notFound)
            _ = try await Self.body(client, "/tags")
            _ = try await Self.body(client, "/videos")
        }
    }

    @Test(arguments: Backend.available)
    func anArticleAnswersAtItsCanonicalAddressAndMovesThereFromAnyOther(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed).id
            let (id, path) = try await Self.publish("記事", url: "https://wire.example/1", in: store, source: source, minutes: 0)
            #expect(path == "/articles/\(id)-story-at-https-wire-example-1")
            let page = try await Self.body(client, path)
            #expect(page.contains("<link rel=\"canonical\" href=\"https://news.example.jp\(path)\">"))
            #expect(!page.contains("article-neighbours"), "the only article has no neighbours to link")
            #expect(!(try await Self.body(client, "/")).contains("class=\"pager\""), "one page needs no pager")
            for other in ["/articles/\(id)", "/articles/\(id)-", "/articles/\(id)-wrong-slug", "/articles/\(id)-STORY-AT-HTTPS-WIRE-EXAMPLE-1",
                          "/articles/\(id)-" + String(repeating: "a", count: 5_000)] {
                try await client.execute(uri: other, method: .get) { response in
                    #expect(response.status == .movedPermanently, "\(other)")
                    #expect(response.headers[.location] == path, "\(other)")
                }
            }
            for missing in ["/articles/\(id + 1)-story", "/articles/-\(id)", "/articles/0\(id)-story-at", "/articles/%31-story"] {
                _ = try await Self.body(client, missing, status: .notFound)
            }
        }
    }

    @Test(arguments: Backend.available)
    func relatedArticlesAndNeighboursLinkTheRightArticles(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed).id
            let oldest = try await Self.publish("最初の記事", url: "https://wire.example/1", in: store, source: source,
                                                tags: ["推論", "OpenAI"], minutes: 1)
            let middle = try await Self.publish("真ん中の記事", url: "https://wire.example/2", in: store, source: source,
                                                importance: 5, tags: ["推論"], minutes: 2)
            let merged = try await Self.publish("統合された記事", url: "https://wire.example/3", in: store, source: source,
                                                tags: ["推論", "OpenAI"], minutes: 3)
            try await store.database.raw("UPDATE items SET merged_into = \(bind: oldest.id) WHERE id = \(bind: merged.id)").run()
            let newest = try await Self.publish("最新の記事", url: "https://wire.example/4", in: store, source: source,
                                                tags: ["無関係"], minutes: 4)

            let oldestPage = try await Self.body(client, oldest.path)
            let related = try #require(oldestPage.range(of: "<section class=\"related\"").map { oldestPage[$0.lowerBound...] })
            #expect(related.contains("href=\"\(middle.path)\">真ん中の記事</a>"))
            #expect(related.contains("重要度5 最重要"))
            #expect(!related.contains("href=\"\(oldest.path)\""), "never itself")
            #expect(!related.contains(merged.path), "never a story merged into another")
            #expect(!related.contains(newest.path), "nothing shared")
            // The merged item still counts in the list order; neighbours are published articles by (shownAt, id).
            #expect(!oldestPage.contains("rel=\"prev\""))
            #expect(oldestPage.contains("<a class=\"newer\" href=\"\(middle.path)\" rel=\"next\">次の記事: 真ん中の記事 →</a>"))
            let newestPage = try await Self.body(client, newest.path)
            #expect(!newestPage.contains("rel=\"next\""))
            #expect(newestPage.contains("<a class=\"older\" href=\"\(merged.path)\" rel=\"prev\">"))
            #expect(!newestPage.contains("<section class=\"related\""))
            let middlePage = try await Self.body(client, middle.path)
            #expect(middlePage.contains("href=\"\(oldest.path)\" rel=\"prev\""))
            #expect(middlePage.contains("href=\"\(merged.path)\" rel=\"next\""))
            // Tags on the article link to their pages.
            #expect(middlePage.contains("<a href=\"/tags/%E6%8E%A8%E8%AB%96\">#推論</a>"))
        }
    }

    @Test(arguments: Backend.available)
    func aVideoItemEmbedsThePrivacyEnhancedPlayerOnlyForAValidID(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://tube.example/feed", name: "Tube", kind: .feed).id
            let video = try await Self.publish("動画", url: "https://tube.example/1", in: store, source: source,
                                               videoID: Self.videoID, minutes: 1)
            let forged = try await Self.publish("偽の動画", url: "https://tube.example/2", in: store, source: source,
                                                videoID: "x\"><script>", minutes: 2)
            let article = try await Self.publish("記事", url: "https://tube.example/3", in: store, source: source, minutes: 3)
            try await client.execute(uri: video.path, method: .get) { response in
                let page = String(buffer: response.body)
                #expect(page.contains("<iframe src=\"https://www.youtube-nocookie.com/embed/\(Self.videoID)\" title=\"動画: 動画\" loading=\"lazy\""))
                let policy = try #require(response.headers[.contentSecurityPolicy])
                #expect(policy.contains("frame-src https://www.youtube-nocookie.com"))
                #expect(policy.components(separatedBy: "frame-src").count == 2)
            }
            for other in [forged.path, article.path] {
                let page = try await Self.body(client, other)
                #expect(!page.contains("<iframe"))
                #expect(!page.contains("<script>"))
            }

            let videos = try await Self.body(client, "/videos")
            #expect(videos.contains("<img src=\"https://i.ytimg.com/vi/\(Self.videoID)/hqdefault.jpg\" width=\"480\" height=\"360\" loading=\"lazy\" alt=\"動画のサムネイル: 動画\""))
            #expect(videos.contains("href=\"\(video.path)\""))
            #expect(videos.contains("href=\"\(forged.path)\""), "listed, without a picture")
            #expect(videos.components(separatedBy: "<img").count == 2)
            #expect(!videos.contains(article.path))
            #expect(videos.contains("重要度3 注目"))
            _ = try await Self.body(client, "/videos?page=2", status: .notFound)
        }
    }

    @Test(arguments: Backend.available)
    func tagPagesListTheirArticlesAndUnknownOrOverlongTagsAreNotFound(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed).id
            let first = try await Self.publish("一つ目", url: "https://wire.example/1", in: store, source: source,
                                               tags: ["推論", "a/b c?"], minutes: 1)
            let second = try await Self.publish("二つ目", url: "https://wire.example/2", in: store, source: source,
                                                tags: ["推論"], minutes: 2)
            let index = try await Self.body(client, "/tags")
            let reasoning = try #require(index.range(of: "<a href=\"/tags/%E6%8E%A8%E8%AB%96\">#推論</a> <span class=\"count\">2件</span>"))
            let odd = try #require(index.range(of: "<a href=\"/tags/a%2Fb%20c%3F\">#a/b c?</a> <span class=\"count\">1件</span>"))
            #expect(reasoning.lowerBound < odd.lowerBound, "most used first")

            let tagPage = try await Self.body(client, "/tags/%E6%8E%A8%E8%AB%96")
            #expect(tagPage.contains("<h1 class=\"page-heading\">#推論</h1>"))
            #expect(Self.listedPaths(tagPage) == [second.path, first.path])
            #expect(Self.listedPaths(try await Self.body(client, "/tags/a%2Fb%20c%3F")) == [first.path])
            for missing in ["/tags/%E6%8E%A8", "/tags/nothing", "/tags/%", "/tags/%FF%FE", "/tags/%00",
                            "/tags/" + String(repeating: "x", count: 10_000), "/tags/" + String(repeating: "%E3%81%82", count: 101)] {
                let page = try await Self.body(client, missing, status: .notFound)
                #expect(page.contains("ページが見つかりません"))
            }
        }
    }

    @Test func slugsAreLowercaseASCIIWordsUpToSixtyCharacters() {
        #expect(Slug.of("Microsoft feared OpenAI would move to Amazon") == "microsoft-feared-openai-would-move-to-amazon")
        #expect(Slug.of("OpenAI's GPT-5.6: a “delay”?") == "openais-gpt-5-6-a-delay")
        #expect(Slug.of("マイクロソフト、OpenAIを懸念") == "openai")
        #expect(Slug.of("日本語だけの題") == "")
        #expect(SitePages.articlePath(id: 7, title: "日本語だけの題") == "/articles/7")
        let long = Slug.of(String(repeating: "word ", count: 40))
        #expect(long.count <= Slug.maximumLength && long.hasSuffix("word") && long.count > Slug.maximumLength - 5)
        #expect(Slug.of(String(repeating: "x", count: 200)) == String(repeating: "x", count: 60))
        #expect(Slug.of("Ünïcode café") == "unicode-cafe")
    }
}
