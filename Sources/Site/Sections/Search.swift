import Foundation
import Hummingbird
import KawarabanCore
import Store

// Search: `/search?q=` over published items, ranked titles first, a page at a time, with the
// terms marked in each result's title and TL;DR. What matches is defined once, in Store
// (SearchQuery, SearchFolding), so SQLite and PostgreSQL agree.

extension SitePages {
    static let searchResultsPerPage = 20
    static let searchPath = "/search"

    /// `/search?q=…&page=N`. Without a query (or one that folds to nothing), the form and a hint;
    /// a page past the last one, or a query parameter given twice, is not found.
    func search(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let page = try URLNumber.page(of: request)
        let texts = FormQuery.values("q", in: request.uri.query)
        guard texts.count <= 1 else { throw HTTPError(.notFound) }
        let text = texts.first ?? ""
        let query = SearchQuery(text)
        if query.isEmpty {
            guard page == 1 else { throw HTTPError(.notFound) }
            return Self.htmlResponse(try renderer.searchPage(text: text, query: query, results: nil, page: 1))
        }
        let limit = Self.searchResultsPerPage
        let results = try await store.search(query, limit: limit, offset: (page - 1) * limit)
        if results.hits.isEmpty && page > 1 { throw HTTPError(.notFound) }
        return Self.htmlResponse(try renderer.searchPage(text: text, query: query, results: results, page: page))
    }

    /// A search's address: what the form sends, and what the pager links to.
    static func searchPath(text: String, page: Int = 1) -> String {
        var components = URLComponents()
        components.path = searchPath
        components.queryItems = [URLQueryItem(name: "q", value: text)] + (page > 1 ? [URLQueryItem(name: "page", value: String(page))] : [])
        // URLComponents leaves `+` as it is, and a form reads it as a space.
        return (components.string ?? searchPath).replacingOccurrences(of: "+", with: "%2B")
    }
}

/// A query string read as an HTML form sends it: `+` is a space, then percent-decoding.
/// Hummingbird's own parameters keep `+`, which would glue the words of a typed query together.
enum FormQuery {
    static func values(_ name: String, in query: String?) -> [String] {
        guard let query else { return [] }
        return query.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.first.map(decode) == name else { return nil }
            return parts.count > 1 ? decode(parts[1]) : ""
        }
    }

    /// Malformed percent-encoding is read as the text it is, like any other characters typed.
    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

extension SiteRenderer {
    /// `text` is the query as sent, shown back in the form; `results` nil when there is no query.
    public func searchPage(text: String, query: SearchQuery, results: SearchResults?, page: Int) throws -> String {
        let shown = String(String.UnicodeScalarView(text.unicodeScalars.prefix(SearchQuery.maximumLength)))
        let perPage = SitePages.searchResultsPerPage
        let total = results?.total ?? 0
        let hits = results?.hits ?? []
        let firstShown = (page - 1) * perPage + 1
        let view = SearchPage(
            chrome: chrome(title: query.isEmpty ? "検索" : "「\(shown)」の検索結果" + (page > 1 ? "(\(page)ページ目)" : ""),
                           description: "\(configuration.siteName)の記事をキーワードで検索します。",
                           path: query.isEmpty ? SitePages.searchPath : SitePages.searchPath(text: shown, page: page)),
            query: shown, hasQuery: !query.isEmpty, wasShortened: query.wasShortened,
            terms: query.terms.joined(separator: " "),
            shortTermsOnly: !query.isEmpty && !query.terms.contains(where: SearchQuery.isIndexed),
            hasShortTerms: query.terms.contains { !SearchQuery.isIndexed($0) },
            total: total, noResults: results != nil && total == 0,
            range: hits.isEmpty ? nil : "\(firstShown)〜\(firstShown + hits.count - 1)件目",
            results: hits.map { searchResult($0, terms: query.terms) },
            newerPath: page > 1 ? SitePages.searchPath(text: shown, page: page - 1) : nil,
            olderPath: page * perPage < total ? SitePages.searchPath(text: shown, page: page + 1) : nil,
            maximumLength: SearchQuery.maximumLength, maximumTerms: SearchQuery.maximumTerms)
        return try render(view, "search")
    }

    private func searchResult(_ hit: SearchHit, terms: [String]) -> SearchResultView {
        let headline = hit.headline
        let date = displayed(headline.shownAt)
        return SearchResultView(
            path: SitePages.articlePath(id: headline.id, title: headline.originalTitle), sourceName: headline.sourceName,
            publishedDisplay: date.display, publishedISO: date.iso,
            importance: headline.analysis.importance.value,
            importanceLabel: ImportanceLabel.japanese(headline.analysis.importance),
            titleHTML: Highlight.html(headline.analysis.title, terms: terms),
            tldrHTML: Highlight.html(headline.analysis.tldr, terms: terms),
            originalTitleHTML: Highlight.html(headline.originalTitle, terms: terms))
    }
}

/// Marks where the terms occur in a text shown to the reader. Matching runs on the folded text
/// (as search does), each folded scalar remembering the character it came from, so a match is
/// marked on the characters the reader sees: `ＯｐｅｎＡＩ` is marked for the term `openai`.
/// The text is escaped character by character; the marks are the only HTML added.
enum Highlight {
    static func html(_ text: String, terms: [String]) -> String {
        let characters = Array(text)
        var folded: [Unicode.Scalar] = []
        var owner: [Int] = []
        for (index, character) in characters.enumerated() {
            for scalar in SearchFolding.fold(character).unicodeScalars {
                folded.append(scalar)
                owner.append(index)
            }
        }
        var marked = [Bool](repeating: false, count: characters.count)
        for term in terms {
            let needle = Array(term.unicodeScalars)
            guard !needle.isEmpty, needle.count <= folded.count else { continue }
            for start in 0...(folded.count - needle.count) where folded[start] == needle[0]
                && folded[start..<start + needle.count].elementsEqual(needle) {
                for position in start..<start + needle.count { marked[owner[position]] = true }
            }
        }
        var html = ""
        var open = false
        for (index, character) in characters.enumerated() {
            if marked[index] != open {
                html += open ? "</mark>" : "<mark>"
                open.toggle()
            }
            html += BlockHTML.escape(String(character))
        }
        if open { html += "</mark>" }
        return html
    }
}

struct SearchResultView {
    var path: String
    var sourceName: String
    var publishedDisplay: String
    var publishedISO: String
    var importance: Int
    var importanceLabel: String
    /// Built by `Highlight`: escaped text and `<mark>` only.
    var titleHTML: String
    var tldrHTML: String
    var originalTitleHTML: String
}

struct SearchPage {
    var chrome: PageChrome
    var query: String
    var hasQuery: Bool
    var wasShortened: Bool
    var terms: String
    var shortTermsOnly: Bool
    var hasShortTerms: Bool
    var total: Int
    var noResults: Bool
    var range: String?
    var results: [SearchResultView]
    var newerPath: String?
    var olderPath: String?
    var maximumLength: Int
    var maximumTerms: Int
}
