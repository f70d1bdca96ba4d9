import Foundation
import Hummingbird
import KawarabanCore
import Store

// The front page: the latest published articles, newest first, a page at a time, narrowed by
// importance, tag, source and kind; with an empty database, how to start.

extension SitePages {
    /// Sources offered in the filter form: more than a site follows, few enough for one menu.
    static let filterSourceLimit = 500

    /// `/`, with `min_importance`, `tag`, `source`, `kind` and `page`. An empty filter value is no
    /// filter (the filter form sends every field); a malformed one, or one given twice, names no
    /// page and is not found, like a malformed page number.
    func latest(_ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let filter = LatestFilter.parse(request) else { throw HTTPError(.notFound) }
        let page = try Self.requestedPage(request)
        let limit = Self.headlinesPerPage
        let (headlines, hasOlder) = try Self.onePage(
            try await store.headlines(matching: filter, limit: limit + 1, offset: (page - 1) * limit), page: page)
        let sources = try await store.listedSources(limit: Self.filterSourceLimit)
        return Self.htmlResponse(try renderer.latestPage(
            headlines: headlines, page: page, hasOlder: hasOlder, filter: filter, sources: sources))
    }
}

/// The latest list's filters as its address spells them.
enum LatestFilter {
    /// The longest tag accepted, in bytes of UTF-8: a hundred Japanese characters, far more than
    /// an analysis writes.
    static let maximumTagBytes = 300
    static let importances = 1...5
    static let sourceIDs: ClosedRange<Int64> = 1...Int64.max

    /// The filter in `request`'s query, or nil when a value is malformed or given twice.
    static func parse(_ request: Request) -> ListingFilter? {
        var malformed = false
        func read<Value>(_ name: String, _ parse: (String) -> Value?) -> Value? {
            let values = request.uri.queryParameters.getAll(name)
            guard values.count <= 1 else {
                malformed = true
                return nil
            }
            guard let text = values.first, !text.isEmpty else { return nil }
            guard let value = parse(String(text)) else {
                malformed = true
                return nil
            }
            return value
        }
        let filter = ListingFilter(
            minimumImportance: read("min_importance") { URLNumber.parse($0, in: importances) },
            tag: read("tag", acceptedTag),
            sourceID: read("source") { URLNumber.parse($0, in: sourceIDs) },
            kind: read("kind", ListingFilter.Kind.init(rawValue:)))
        return malformed ? nil : filter
    }

    /// A tag as read from an address: bounded, and without control characters no analysis writes.
    static func acceptedTag(_ text: String) -> String? {
        guard !text.isEmpty, text.utf8.count <= maximumTagBytes,
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return text
    }

    /// The address of the list with `filter`, at `page`; parameters in a fixed order, none empty.
    static func path(_ filter: ListingFilter, page: Int = 1) -> String {
        var query: [String] = []
        if let minimum = filter.minimumImportance { query.append("min_importance=\(minimum)") }
        if let tag = filter.tag { query.append("tag=\(SitePages.encodedForAddress(tag))") }
        if let source = filter.sourceID { query.append("source=\(source)") }
        if let kind = filter.kind { query.append("kind=\(kind.rawValue)") }
        if page > 1 { query.append("page=\(page)") }
        return query.isEmpty ? "/" : "/?" + query.joined(separator: "&")
    }
}

extension SiteRenderer {
    public func latestPage(headlines: [PublishedHeadline], page: Int, hasOlder: Bool,
                           filter: ListingFilter = ListingFilter(), sources: [ListedSource] = []) throws -> String {
        let entries = headlines.map(listEntry)
        let firstRun = entries.isEmpty && filter.isEmpty
        let title = page > 1 ? "最新ニュース(\(page)ページ目)" : (filter.isEmpty ? nil : "最新ニュース(絞り込み)")
        let view = LatestPage(
            chrome: chrome(title: title, description: configuration.tagline, path: LatestFilter.path(filter, page: page),
                           feeds: filter.minimumImportance.map {
                               PageFeeds(scope: .latest, title: configuration.siteName, minimumImportance: $0)
                           }),
            entries: entries, firstRun: firstRun, noMatch: entries.isEmpty && !filter.isEmpty,
            form: firstRun ? nil : filterForm(filter, sources: sources),
            activeFilters: activeFilters(filter, sources: sources),
            pager: pager(page: page, hasOlder: hasOlder) { LatestFilter.path(filter, page: $0) })
        return try render(view, "latest")
    }

    private func filterForm(_ filter: ListingFilter, sources: [ListedSource]) -> FilterForm {
        FilterForm(
            importances: LatestFilter.importances.map { level in
                FilterOption(value: "\(level)", label: "\(level)以上(\(ImportanceLabel.japanese(Importance(value: level))))",
                             selected: filter.minimumImportance == level)
            },
            tag: filter.tag ?? "", maximumTagLength: LatestFilter.maximumTagBytes,
            sources: sources.map { FilterOption(value: "\($0.id)", label: $0.name, selected: filter.sourceID == $0.id) },
            kinds: ListingFilter.Kind.allCases.map { FilterOption(value: $0.rawValue, label: Self.kindLabel($0), selected: filter.kind == $0) })
    }

    /// One chip per filter in force, each linking to the list without it.
    private func activeFilters(_ filter: ListingFilter, sources: [ListedSource]) -> [ActiveFilter] {
        var active: [ActiveFilter] = []
        if let minimum = filter.minimumImportance {
            var without = filter
            without.minimumImportance = nil
            active.append(ActiveFilter(label: "重要度\(minimum)以上", removePath: LatestFilter.path(without)))
        }
        if let tag = filter.tag {
            var without = filter
            without.tag = nil
            active.append(ActiveFilter(label: "#\(tag)", removePath: LatestFilter.path(without)))
        }
        if let sourceID = filter.sourceID {
            var without = filter
            without.sourceID = nil
            let name = sources.first { $0.id == sourceID }?.name ?? "ソース\(sourceID)"
            active.append(ActiveFilter(label: "配信元: \(name)", removePath: LatestFilter.path(without)))
        }
        if let kind = filter.kind {
            var without = filter
            without.kind = nil
            active.append(ActiveFilter(label: Self.kindLabel(kind), removePath: LatestFilter.path(without)))
        }
        return active
    }

    static func kindLabel(_ kind: ListingFilter.Kind) -> String {
        switch kind {
        case .article: return "記事"
        case .video: return "動画"
        }
    }
}

struct FilterOption {
    var value: String
    var label: String
    var selected: Bool
}

struct FilterForm {
    var importances: [FilterOption]
    var tag: String
    var maximumTagLength: Int
    var sources: [FilterOption]
    var kinds: [FilterOption]
}

struct ActiveFilter {
    var label: String
    var removePath: String
}

struct LatestPage {
    var chrome: PageChrome
    var entries: [ListEntry]
    /// Nothing is published yet and nothing filtered: the page says how to start instead.
    var firstRun: Bool
    var noMatch: Bool
    var form: FilterForm?
    var activeFilters: [ActiveFilter]
    var pager: Pager?
}
