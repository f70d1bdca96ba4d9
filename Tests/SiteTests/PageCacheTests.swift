import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Logging
import Testing
import TestSupport
@testable import Site
@testable import Store

/// The rendered-page cache: what it keys, what it sends, and which pages a change drops.
@Suite struct PageCacheTests {
    static let day: TimeInterval = 86_400
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// What one GET answered.
    struct Served: Equatable {
        var status: HTTPResponse.Status
        var body: String
        var etag: String?
    }

    static func get(_ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws -> Served {
        try await client.execute(uri: uri, method: .get, headers: headers) { response in
            Served(status: response.status, body: String(buffer: response.body), etag: response.headers[.eTag])
        }
    }

    static func analysis(tags: [String]) -> Analysis {
        var analysis = SampleItems.analysis
        analysis.tags = tags
        return analysis
    }

    /// Acceptance 5: every cached page a publication affects changes, and every other one is still
    /// the cached copy. The source's name is changed behind the site's back first (no change is
    /// recorded): a page rendered again shows the new name, a page served from the cache the old.
    @Test(arguments: Backend.available)
    func aPublicationChangesExactlyThePagesItAffects(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
            let cache = RenderedPageCache()
            let app = Application(responder: try SiteApplication.responder(store: store, renderer: renderer, cache: cache))
            let watcher = SiteChangeWatcher(store: store, cache: cache, logger: Logger(label: "test"))
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Old Wire", kind: .feed)
            func publish(_ name: String, days: Double, tags: [String]) async throws -> Int64 {
                let date = Self.start.addingTimeInterval(days * Self.day)
                return try await store.storePublished(source: source.id, url: "https://wire.example/\(name)", feedDate: date,
                                                      discoveredAt: date, analysis: Self.analysis(tags: tags))
            }
            // In list order: older, shares the tag, before, (the new one), after, newest.
            let older = try await publish("older", days: -1, tags: ["音声"])
            let sharesTag = try await publish("shares-tag", days: 0, tags: ["半導体"])
            let before = try await publish("before", days: 1, tags: ["規制"])
            let after = try await publish("after", days: 3, tags: ["教育"])
            let newest = try await publish("newest", days: 5, tags: ["医療"])
            let incoming = DiscoveredItem(sourceID: source.id, guid: "new", url: "https://wire.example/new",
                                          canonicalURL: "https://wire.example/new", title: "New story",
                                          publishedAt: Self.start.addingTimeInterval(2 * Self.day))
            _ = try await store.insertDiscovered([incoming], now: Self.start.addingTimeInterval(2 * Self.day))
            let new = try #require(try await store.itemID(canonicalURL: "https://wire.example/new"))

            func path(_ id: Int64, _ name: String) -> String { Store.articlePath(id, url: "https://wire.example/\(name)") }
            let newPath = SitePages.articlePath(id: new, title: "New story")
            let affected = ["/", "/?page=1", "/feed.xml", "/feed.json", path(sharesTag, "shares-tag"), path(before, "before"),
                            path(after, "after"), newPath, SitePages.tagPath("半導体"), SitePages.tagPath("半導体") + "/feed.atom"]
            let untouched = [path(older, "older"), path(newest, "newest"), SitePages.tagPath("音声"),
                             SitePages.tagPath("医療") + "/feed.xml", "/no/such/page", "/assets/site.css"]
            let logStart = try await store.latestSiteChangeID()

            try await app.test(.router) { client in
                var first: [String: Served] = [:]
                for uri in affected + untouched { first[uri] = try await Self.get(client, uri) }
                #expect(first[newPath]?.status == .notFound)
                #expect(first["/"]?.body.contains("Old Wire") == true)

                try await store.database.raw("UPDATE sources SET name = 'New Wire' WHERE id = \(bind: source.id)").run()
                try await store.overwrite("stage", of: new, with: Stage.translated.rawValue)
                try await store.overwrite("lease_owner", of: new, with: "publisher")
                let advanced = try await store.advance(
                    new, owner: "publisher", to: .published,
                    with: ItemUpdate(article: SampleItems.article, analysis: Self.analysis(tags: ["半導体"]),
                                     translation: SampleItems.translation()),
                    now: Self.start.addingTimeInterval(2 * Self.day))
                #expect(advanced)

                // Until the watcher reads the change log, every page is the cached copy.
                for uri in affected + untouched {
                    #expect(try await Self.get(client, uri) == first[uri], "\(uri) before the poll")
                }
                _ = await watcher.poll(after: logStart)

                for uri in affected {
                    let now = try await Self.get(client, uri)
                    #expect(now.status == .ok, "\(uri)")
                    #expect(now.body.contains("New Wire"), "\(uri) was not rendered again")
                    #expect(now.etag != first[uri]?.etag, "\(uri)")
                }
                for uri in untouched {
                    #expect(try await Self.get(client, uri) == first[uri], "\(uri) was rendered again")
                }
            }
        }
    }

    /// A digest asked for before it is written is a cached 404; once written (the `.digested`
    /// changes read by the watcher) its page, its archive, its feed, the site map and every
    /// article's 今日のまとめ are rendered again, and pages no digest shows stay cached.
    @Test(arguments: Backend.available)
    func aWrittenDigestReplacesItsCachedNotFoundAndTheArticlesLinksToIt(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
            let cache = RenderedPageCache()
            let app = Application(responder: try SiteApplication.responder(store: store, renderer: renderer, cache: cache))
            let watcher = SiteChangeWatcher(store: store, cache: cache, logger: Logger(label: "test"))
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let carried = try await store.storePublished(source: source.id, url: "https://wire.example/carried", feedDate: nil,
                                                         discoveredAt: Self.start, analysis: Self.analysis(tags: ["半導体"]))
            let other = try await store.storePublished(source: source.id, url: "https://wire.example/other", feedDate: nil,
                                                       discoveredAt: Self.start.addingTimeInterval(60), analysis: Self.analysis(tags: ["教育"]))
            let carriedPath = Store.articlePath(carried, url: "https://wire.example/carried")
            let otherPath = Store.articlePath(other, url: "https://wire.example/other")
            let changed = ["/daily/2026-11-29", "/daily", "/daily/2026-11", "/daily/feed.xml", "/sitemap.xml", carriedPath, otherPath]
            let untouched = ["/", "/feed.xml", SitePages.tagPath("半導体"), "/no/such/page"]
            let logStart = try await store.latestSiteChangeID()
            try await app.test(.router) { client in
                var first: [String: Served] = [:]
                for uri in changed + untouched { first[uri] = try await Self.get(client, uri) }
                #expect(first["/daily/2026-11-29"]?.status == .notFound)
                #expect(first["/daily/2026-11"]?.status == .notFound)

                // Renamed behind the site's back: a page rendered again shows the new name.
                try await store.database.raw("UPDATE sources SET name = 'New Wire' WHERE id = \(bind: source.id)").run()
                let slot = try #require(DigestSlot(kind: .daily, key: "2026-11-29"))
                try await store.writeDigest(Digest(
                    slot: slot, title: "AI日報 2026年11月29日（日）", lead: "リード",
                    sections: [DigestSection(theme: "テーマ", entries: [
                        DigestEntry(itemID: carried, title: "見出し", summary: "要約", importance: 4, sourceName: "Wire"),
                    ])], model: nil, writtenAt: Self.start), now: Self.start)
                for uri in changed + untouched {
                    #expect(try await Self.get(client, uri) == first[uri], "\(uri) before the poll")
                }
                _ = await watcher.poll(after: logStart)

                for uri in changed {
                    let now = try await Self.get(client, uri)
                    #expect(now.status == .ok, "\(uri)")
                    #expect(now.etag != first[uri]?.etag, "\(uri) was not rendered again")
                }
                #expect(try await Self.get(client, carriedPath).body.contains("この記事を収録したAI日報 2026年11月29日（日）"))
                #expect(try await Self.get(client, carriedPath).body.contains("New Wire"))
                #expect(first["/"]?.body.contains("Wire") == true)
                #expect(try await Self.get(client, otherPath).body.contains("href=\"/daily/2026-11-29\">AI日報で今日の重要ニュースをまとめ読み"))
                for uri in untouched {
                    #expect(try await Self.get(client, uri) == first[uri], "\(uri) was rendered again")
                }
            }
        }
    }

    /// `glossary apply` may rename a tag: the old tag's pages listed the item and go too.
    @Test(arguments: Backend.available)
    func aRewriteThatRenamesATagDropsThePagesOfTheOldTag(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let id = try await store.storePublished(source: source.id, url: "https://wire.example/1", feedDate: nil,
                                                    discoveredAt: Self.start, analysis: Self.analysis(tags: ["OpenAI"]))
            let logStart = try await store.latestSiteChangeID()
            try await store.rewriteEditorialTexts(of: id, analysis: Self.analysis(tags: ["オープンAI"]), translation: nil, now: Self.start)
            let changes = try await store.siteChanges(after: logStart, limit: 10)
            #expect(changes.map(\.kind) == [.rewritten])
            #expect(changes.first?.previousTags == ["OpenAI"])

            let cache = RenderedPageCache()
            let page = CachedPage(status: .ok, headers: [:], body: Array("<p>list</p>".utf8))
            for tag in ["OpenAI", "オープンAI", "AI"] {
                cache.insert(page, for: "/tags/\(tag)", dependencies: [.tag(tag)], renderedAt: cache.generation)
            }
            _ = await SiteChangeWatcher(store: store, cache: cache, logger: Logger(label: "test")).poll(after: logStart)
            #expect(cache.page(for: "/tags/OpenAI") == nil)
            #expect(cache.page(for: "/tags/オープンAI") == nil)
            #expect(cache.page(for: "/tags/AI") != nil)
        }
    }

    @Test func everyPageOfTheURLSchemeHasItsDependencies() {
        let rules: [(String, PageRule)] = [
            ("/", .fixed([.anyPublication])), ("/videos", .fixed([.anyPublication])), ("/trends", .fixed([.anyPublication])),
            ("/search", .fixed([.anyPublication])), ("/feed.xml", .fixed([.anyPublication])),
            ("/feed.atom", .fixed([.anyPublication])), ("/feed.json", .fixed([.anyPublication])),
            ("/sitemap.xml", .fixed([.anyPublication, .digests])), ("/sitemaps/2.xml", .fixed([.anyPublication, .digests])),
            ("/daily", .fixed([.digests])), ("/daily/2026-11-29", .fixed([.digests])), ("/daily/2026-11", .fixed([.digests])),
            ("/hacker/feed.xml", .fixed([.digests])), ("/weekly/2026-W48", .fixed([.digests])), ("/weekly/not-a-key", .fixed([.digests])),
            ("/daily/2026-11-29/x", .fixed([])), ("/monthly/2026-11", .fixed([])),
            ("/tags", .fixed([.anyPublication])),
            ("/articles/42", .article(42)), ("/articles/42-openai-ships-a-model", .article(42)),
            ("/articles/0", .fixed([])), ("/articles/x-1", .fixed([])),
            ("/tags/%E5%8D%8A%E5%B0%8E%E4%BD%93", .fixed([.tag("半導体")])), ("/tags/AI/feed.atom", .fixed([.tag("AI")])),
            ("/tags/AI/other", .fixed([])), ("/tags/%E5%8D", .fixed([])),
            ("/companies", .fixed([.entityIndex(.companies)])), ("/tools", .fixed([.entityIndex(.tools)])),
            ("/companies/7", .fixed([.entity(7)])), ("/companies/7/feed.json", .fixed([.entity(7)])), ("/tools/9", .fixed([.entity(9)])),
            ("/companies/-7", .fixed([])),
            ("/about", .fixed([])), ("/contact", .fixed([])), ("/legal", .fixed([])), ("/robots.txt", .fixed([])),
            ("/assets/site.css", .fixed([])), ("/no/such/page", .fixed([])), ("/healthz", .uncached),
        ]
        for (path, rule) in rules {
            #expect(PageRule(path: path[...]) == rule, "\(path)")
        }
    }

    /// The rule table applied: which pages a change of item 5 (tag 半導体, naming the company 3
    /// and the person 4, between articles 2 and 8) drops.
    @Test func aChangeTouchesItsOwnPagesNeighboursTopicsAndLists() {
        let topics = ItemTopics(tags: ["半導体"], entities: [EntityReference(id: 3, kind: .company), EntityReference(id: 4, kind: .person)])
        let touched = PageDependency.touched(byChangeOf: 5, topics: topics, neighbours: [2, 8])
        func dropped(_ path: String, articleTopics: ItemTopics = ItemTopics(tags: [], entities: [])) -> Bool {
            let dependencies: Set<PageDependency> = switch PageRule(path: path[...]) {
            case .fixed(let dependencies): dependencies
            case .article(let id): PageDependency.ofArticle(id, topics: articleTopics)
            case .uncached: []
            }
            return !dependencies.isDisjoint(with: touched)
        }
        for path in ["/", "/videos", "/trends", "/search", "/feed.xml", "/sitemap.xml", "/articles/5", "/articles/2", "/articles/8-x",
                     "/tags/%E5%8D%8A%E5%B0%8E%E4%BD%93", "/companies/3", "/companies/3/feed.xml", "/companies", "/tools/4"] {
            #expect(dropped(path), "\(path)")
        }
        #expect(dropped("/articles/30", articleTopics: ItemTopics(tags: ["半導体"], entities: [])))
        #expect(dropped("/articles/31", articleTopics: ItemTopics(tags: [], entities: [EntityReference(id: 4, kind: .person)])))
        for path in ["/articles/1", "/articles/9", "/tags/AI", "/companies/6", "/tools", "/about", "/contact", "/legal", "/no/such/page"] {
            #expect(!dropped(path), "\(path)")
        }
        #expect(!dropped("/articles/32", articleTopics: ItemTopics(tags: ["教育"], entities: [EntityReference(id: 6, kind: .tool)])))
    }

    @Test func parametersNoPageReadsAreNotPartOfTheKey() {
        #expect(PageKey.of("/") == "/")
        #expect(PageKey.of("/?x=1") == "/")
        #expect(PageKey.of("/?utm_source=a&page=2&tag=AI") == "/?page=2&tag=AI")
        #expect(PageKey.of("/?tag=AI&page=2") == "/?page=2&tag=AI")
        #expect(PageKey.of("/?page=2&page=3") == "/?page=2&page=3")
        #expect(PageKey.of("/search?q=%E6%A4%9C%E7%B4%A2&x=") == "/search?q=%E6%A4%9C%E7%B4%A2")
        #expect(PageKey.of("/?pa%67e=2") == "/")
    }

    /// A flood of invented parameters and addresses keeps one copy of the front page and stays
    /// within the not-found budget.
    @Test func inventedAddressesCannotFillTheCache() async throws {
        try await withTestStore { store in
            let renderer = try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
            let cache = RenderedPageCache()
            let app = Application(responder: try SiteApplication.responder(store: store, renderer: renderer, cache: cache))
            try await app.test(.router) { client in
                var tags: Set<String> = []
                for number in 1...300 {
                    tags.insert(try await Self.get(client, "/?x=\(number)").etag ?? "")
                    _ = try await Self.get(client, "/no/such/page/\(number)")
                }
                #expect(tags.count == 1)
                let usage = cache.usage
                #expect(usage.pages == 301)
                #expect(usage.bytes <= RenderedPageCache.notFoundBudget + RenderedPageCache.pageBudget)
            }
        }
        var pages = LeastRecentlyUsedPages(budget: 64 << 10)
        let page = CachedPage(status: .ok, headers: [.contentType: "text/html"], body: Array(repeating: UInt8(ascii: "a"), count: 10_000))
        for number in 0..<1_000 { pages.insert(page, for: "/search?q=\(number)", dependencies: []) }
        #expect(pages.bytes <= 64 << 10)
        #expect(pages.page(for: "/search?q=999") != nil)
        #expect(pages.page(for: "/search?q=0") == nil)
    }

    /// HEAD answers as GET would, status and headers, with no body: before the page is cached,
    /// from the cache, and for an address that names nothing.
    @Test(arguments: Backend.available)
    func headIsAnsweredLikeGetWithoutABody(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let id = try await store.storePublished(source: source.id, url: "https://wire.example/1", feedDate: nil, discoveredAt: Self.start)
            let article = Store.articlePath(id, url: "https://wire.example/1")
            for uri in ["/", article, "/feed.xml", "/tags", "/no/such/page", "/articles/\(id)"] {
                let head = try await client.execute(uri: uri, method: .head) { ($0.status, $0.headers, $0.body.readableBytes) }
                let get = try await Self.get(client, uri)
                #expect(head.0 == get.status, "\(uri)")
                #expect(head.1[.eTag] == get.etag, "\(uri)")
                #expect(head.1[.contentType] != nil || head.0 == .movedPermanently, "\(uri)")
                #expect(head.2 == 0, "\(uri) sent a body to HEAD")
            }
            let redirect = try await client.execute(uri: "/articles/\(id)", method: .head) { $0.headers[.location] }
            #expect(redirect == article)
        }
    }

    @Test func theBestAcceptedCodingIsSentAndAHeldCopyIsNotSentAgain() async throws {
        try await withSite { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let id = try await store.storePublished(source: source.id, url: "https://wire.example/1", feedDate: nil, discoveredAt: Self.start)
            let uri = Store.articlePath(id, url: "https://wire.example/1")
            let gzipMagic: [UInt8] = [0x1f, 0x8b]
            let html: [UInt8] = [UInt8(ascii: "<")]
            let cases: [(accepted: String, coding: String?, magic: [UInt8]?)] = [
                ("gzip, deflate, br", "br", nil), ("gzip", "gzip", gzipMagic), ("br;q=0, gzip;q=0.5", "gzip", gzipMagic),
                ("br;q=0,gzip;q=0", nil, html), ("*", "br", nil), ("identity", nil, html), ("BR", "br", nil),
            ]
            for (accepted, coding, magic) in cases {
                try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: accepted]) { response in
                    #expect(response.headers[.contentEncoding] == coding, "\(accepted)")
                    #expect(response.headers[.vary] == "Accept-Encoding")
                    if let magic { #expect(Array(response.body.readableBytesView.prefix(magic.count)) == magic, "\(accepted)") }
                }
            }
            let plain = try await Self.get(client, uri)
            let etag = try #require(plain.etag)
            for condition in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
                let answer = try await Self.get(client, uri, headers: [.ifNoneMatch: condition])
                #expect(answer.status == .notModified, "\(condition)")
                #expect(answer.body.isEmpty)
                #expect(answer.etag == etag)
            }
            #expect(try await Self.get(client, uri, headers: [.ifNoneMatch: "\"other\""]) == plain)
            let compressed = try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "br"]) { $0.headers[.eTag] }
            #expect(compressed != etag)
            #expect(try await Self.get(client, uri, headers: [.ifNoneMatch: try #require(compressed)]).status == .notModified)
        }
    }
}
