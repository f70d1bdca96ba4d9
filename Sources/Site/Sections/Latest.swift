import Foundation
import Hummingbird
import KawarabanCore
import Store

// The front page: the latest published articles, newest first, a page at a time.

extension SitePages {
    static let headlinesPerPage = 30

    /// `/` and `/?page=N`. A page past the last one is not found, like any page that does not exist.
    func latest(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let page: Int
        switch URLNumber.query("page", of: request, in: URLNumber.pages) {
        case .absent: page = 1
        case .number(let number): page = number
        case .invalid: throw HTTPError(.notFound)
        }
        let limit = Self.headlinesPerPage
        // One extra row tells whether an older page exists.
        let headlines = try await store.headlines(limit: limit + 1, offset: (page - 1) * limit)
        if headlines.isEmpty && page > 1 { throw HTTPError(.notFound) }
        return Self.htmlResponse(try renderer.latestPage(
            headlines: Array(headlines.prefix(limit)), page: page, hasOlder: headlines.count > limit))
    }
}

extension SiteRenderer {
    public func latestPage(headlines: [PublishedHeadline], page: Int, hasOlder: Bool) throws -> String {
        let entries = headlines.map(listEntry)
        let view = LatestPage(
            chrome: chrome(title: page > 1 ? "最新ニュース(\(page)ページ目)" : nil,
                           description: configuration.tagline, path: page > 1 ? "/?page=\(page)" : "/"),
            entries: entries, isEmpty: entries.isEmpty,
            newerPath: page > 1 ? (page == 2 ? "/" : "/?page=\(page - 1)") : nil,
            olderPath: hasOlder ? "/?page=\(page + 1)" : nil)
        return try render(view, "latest")
    }

    func listEntry(_ headline: PublishedHeadline) -> ListEntry {
        let date = displayed(headline.shownAt)
        return ListEntry(
            path: SitePages.articlePath(headline.id), title: headline.analysis.title, sourceName: headline.sourceName,
            publishedDisplay: date.display, publishedISO: date.iso,
            importance: headline.analysis.importance.value,
            importanceLabel: ImportanceLabel.japanese(headline.analysis.importance),
            tldr: headline.analysis.tldr)
    }
}

struct ListEntry {
    var path: String
    var title: String
    var sourceName: String
    var publishedDisplay: String
    var publishedISO: String
    var importance: Int
    var importanceLabel: String
    var tldr: String
}

struct LatestPage {
    var chrome: PageChrome
    var entries: [ListEntry]
    var isEmpty: Bool
    var newerPath: String?
    var olderPath: String?
}
