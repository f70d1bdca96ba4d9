import Foundation
import Hummingbird
import KawarabanCore
import Store

// The tags the analysis gave published articles: an index of the most used, and a page per tag
// listing its articles like the front page.

extension SitePages {
    /// Tags on the index: the most used, a page's worth to scan; the rest are reached from articles.
    static let tagIndexLimit = 300

    /// `/tags`.
    func tags(_ request: Request, _ context: some RequestContext) async throws -> Response {
        Self.htmlResponse(try renderer.tagsPage(try await store.tagCounts(limit: Self.tagIndexLimit)))
    }

    /// `/tags/<tag>` and `?page=N`. A tag no published article carries is not found, and so is one
    /// longer than any tag the list accepts or not valid percent-encoded UTF-8.
    func tag(_ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let encoded = context.parameters.get("tag"),
              // Each byte of a tag is at most three characters of its encoding.
              encoded.utf8.count <= LatestFilter.maximumTagBytes * 3,
              let tag = encoded.removingPercentEncoding.flatMap(LatestFilter.acceptedTag)
        else { throw HTTPError(.notFound) }
        let page = try Self.requestedPage(request)
        let limit = Self.headlinesPerPage
        let headlines = try await store.headlines(matching: ListingFilter(tag: tag), limit: limit + 1, offset: (page - 1) * limit)
        if headlines.isEmpty { throw HTTPError(.notFound) }
        let (shown, hasOlder) = try Self.onePage(headlines, page: page)
        return Self.htmlResponse(try renderer.tagPage(tag: tag, headlines: shown, page: page, hasOlder: hasOlder))
    }
}

extension SiteRenderer {
    func tagsPage(_ counts: [TagCount]) throws -> String {
        let view = TagsPage(
            chrome: chrome(title: "タグ一覧", description: "記事につけられたタグの一覧", path: "/tags"),
            tags: counts.map { TagIndexEntry(name: $0.tag, path: SitePages.tagPath($0.tag), count: $0.items) })
        return try render(view, "tags")
    }

    func tagPage(tag: String, headlines: [PublishedHeadline], page: Int, hasOlder: Bool) throws -> String {
        let path = SitePages.tagPath(tag)
        func pagePath(_ number: Int) -> String { number > 1 ? "\(path)?page=\(number)" : path }
        let view = TagPage(
            chrome: chrome(title: page > 1 ? "#\(tag)(\(page)ページ目)" : "#\(tag)",
                           description: "タグ「\(tag)」がついた記事", path: pagePath(page),
                           feeds: PageFeeds(scope: .tag(tag), title: "#\(tag) | \(configuration.siteName)", minimumImportance: nil)),
            tag: tag, filteredLatestPath: LatestFilter.path(ListingFilter(tag: tag)),
            entries: headlines.map(listEntry), pager: pager(page: page, hasOlder: hasOlder, pagePath: pagePath))
        return try render(view, "tag")
    }
}

struct TagIndexEntry {
    var name: String
    var path: String
    var count: Int
}

struct TagsPage {
    var chrome: PageChrome
    var tags: [TagIndexEntry]
}

struct TagPage {
    var chrome: PageChrome
    var tag: String
    /// The latest list filtered by this tag, where it can be narrowed further.
    var filteredLatestPath: String
    var entries: [ListEntry]
    var pager: Pager?
}
