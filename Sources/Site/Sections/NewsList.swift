import Foundation
import Hummingbird
import KawarabanCore
import Store

// What every list of articles shares (latest, a tag's page, related articles): one entry's view,
// the pager, and the tag addresses entries link to.

extension SitePages {
    static let headlinesPerPage = 30

    /// `/tags/<tag>`, the tag percent-encoded as UTF-8 so that any tag is one path segment.
    static func tagPath(_ tag: String) -> String { "/tags/\(encodedForAddress(tag))" }

    /// `text` with everything but unreserved ASCII percent-encoded: safe in a path segment and in
    /// a query value alike.
    static func encodedForAddress(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The page number in `?page=`, 1 when absent; a malformed or out-of-range one names no page.
    static func requestedPage(_ request: Request) throws -> Int {
        switch URLNumber.query("page", of: request, in: URLNumber.pages) {
        case .absent: return 1
        case .number(let number): return number
        case .invalid: throw HTTPError(.notFound)
        }
    }

    /// A page of `headlines` read with one extra row, which tells whether an older page exists.
    /// A page past the last one is not found, like any page that does not exist.
    static func onePage<Row>(_ rows: [Row], page: Int) throws -> (rows: [Row], hasOlder: Bool) {
        if rows.isEmpty && page > 1 { throw HTTPError(.notFound) }
        return (Array(rows.prefix(headlinesPerPage)), rows.count > headlinesPerPage)
    }
}

extension SiteRenderer {
    func listEntry(_ headline: PublishedHeadline) -> ListEntry {
        let date = displayed(headline.shownAt)
        return ListEntry(
            path: SitePages.articlePath(id: headline.id, title: headline.originalTitle), title: headline.analysis.title,
            sourceName: headline.sourceName, publishedDisplay: date.display, publishedISO: date.iso,
            importance: headline.analysis.importance.value,
            importanceLabel: ImportanceLabel.japanese(headline.analysis.importance),
            tldr: headline.analysis.tldr, tags: headline.analysis.tags.map(TagView.init),
            otherOutlets: headline.otherOutlets > 0 ? "他\(headline.otherOutlets)社も報道" : nil)
    }

    /// Links to the newer and older page of a list whose page `page` is at `pagePath(n)`; nil
    /// when the list has one page.
    func pager(page: Int, hasOlder: Bool, pagePath: (Int) -> String) -> Pager? {
        guard page > 1 || hasOlder else { return nil }
        return Pager(newerPath: page > 1 ? pagePath(page - 1) : nil, olderPath: hasOlder ? pagePath(page + 1) : nil)
    }
}

struct TagView {
    var name: String
    var path: String

    init(_ name: String) {
        self.name = name
        self.path = SitePages.tagPath(name)
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
    var tags: [TagView]
    /// "他N社も報道" on a story's lead; nil for an item no other outlet carried.
    var otherOutlets: String? = nil
}

struct Pager {
    var newerPath: String?
    var olderPath: String?
}
