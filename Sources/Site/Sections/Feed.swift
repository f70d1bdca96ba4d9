import Foundation
import Hummingbird
import KawarabanCore
import Store

// The site's feeds out: the latest articles, each tag's and each company's, in RSS 2.0, Atom 1.0
// and JSON Feed 1.1, all narrowed by `?min_importance=`, and each digest kind's, one entry per
// digest. One model (`SiteFeed`) is built per request and written by the format asked for
// (FeedWriters.swift).

/// Which articles a feed follows, and so its address and the page it belongs to.
enum FeedScope: Hashable {
    case latest
    case tag(String)
    case company(id: Int64)
    /// One kind of digest: AI日報, Hacker日報 or 週報.
    case digests(DigestKind)

    /// The feed's address without the format's extension.
    var basePath: String {
        switch self {
        case .latest: return "/feed"
        case .tag, .company, .digests: return "\(pagePath)/feed"
        }
    }

    /// The page whose articles the feed carries.
    var pagePath: String {
        switch self {
        case .latest: return "/"
        case .tag(let tag): return SitePages.tagPath(tag)
        case .company(let id): return "/companies/\(id)"
        case .digests(let kind): return kind.archivePath
        }
    }

    func path(_ format: FeedFormat) -> String { "\(basePath).\(format.fileExtension)" }
}

/// The formats each feed is written in.
enum FeedFormat: String, CaseIterable {
    case rss, atom, json

    var fileExtension: String {
        switch self {
        case .rss: return "xml"
        case .atom: return "atom"
        case .json: return "json"
        }
    }

    var mediaType: String {
        switch self {
        case .rss: return "application/rss+xml"
        case .atom: return "application/atom+xml"
        case .json: return "application/feed+json"
        }
    }

    /// How a page's head names the feed for readers' autodiscovery.
    var label: String {
        switch self {
        case .rss: return "RSS"
        case .atom: return "Atom"
        case .json: return "JSON Feed"
        }
    }

    func render(_ feed: SiteFeed) throws -> String {
        switch self {
        case .rss: return RSSWriter.render(feed)
        case .atom: return AtomWriter.render(feed)
        case .json: return try JSONFeedWriter.render(feed)
        }
    }
}

/// One feed as every format writes it; URLs are absolute.
struct SiteFeed {
    var title: String
    var description: String
    var languageCode: String
    var siteName: String
    /// The page the feed follows, with the same filter.
    var pageURL: String
    /// The feed's own address in each format, with the filter it was asked with.
    var selfURLs: [FeedFormat: String]
    /// When the newest change to an entry was made; the time of writing for a feed without entries.
    var updated: Date
    var entries: [SiteFeedEntry]
}

/// One article, or one digest, as a feed carries it.
struct SiteFeedEntry {
    /// Stays the same whatever becomes of the article's readable address.
    var id: String
    var url: String
    var title: String
    var summary: String
    var published: Date
    var updated: Date
    /// An article's importance; a digest has none.
    var importance: Importance?
    var tags: [String]
    /// Who wrote the entry: the article's source, or the site for a digest.
    var sourceName: String
    /// The article at its source, when the URL policy accepts it.
    var sourceURL: String?

    /// How the importance travels where a format has only categories.
    var importanceCategory: String? { importance.map { "重要度\($0.value)" } }
    var importanceLabel: String? { importance.map(ImportanceLabel.japanese) }

    /// Every category: the importance's, then the tags.
    var categories: [String] { (importanceCategory.map { [$0] } ?? []) + tags }
}

extension SitePages {
    static let feedHeadlineCount = 30
    static let feedImportanceParameter = "min_importance"
    /// Kinds of entity a company page (`/companies/<id>`) and its feed are about.
    static let companyKinds: [EntityKind] = [.company, .organisation]
    /// Longest tag, in characters, an address may name; the analysis writes short tags.
    static let maximumTagLength = 100
    /// A character percent-encoded as UTF-8 is at most four bytes of three characters each: a
    /// longer segment cannot decode to a tag we serve, and is refused before it is decoded.
    static let maximumEncodedTagLength = maximumTagLength * 4 * 3

    /// The query that narrows a feed or a list to `minimum` importance; empty for no filter.
    static func importanceQuery(_ minimum: Int?) -> String {
        minimum.map { "?\(feedImportanceParameter)=\($0)" } ?? ""
    }

    /// `/feed.xml`, `/feed.atom`, `/feed.json`.
    func latestFeed(_ format: FeedFormat, _ request: Request, _ context: some RequestContext) async throws -> Response {
        try await feed(format, scope: .latest, filter: ListingFilter(), title: renderer.configuration.siteName,
                       description: renderer.configuration.tagline, request: request)
    }

    /// `/tags/<tag>/feed.*`: a tag no published article carries is not found.
    func tagFeed(_ format: FeedFormat, _ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let raw = context.parameters.get("tag"), raw.utf8.count <= Self.maximumEncodedTagLength,
              let tag = raw.removingPercentEncoding, !tag.isEmpty, tag.count <= Self.maximumTagLength
        else { throw HTTPError(.notFound) }
        return try await feed(format, scope: .tag(tag), filter: ListingFilter(tag: tag), title: "#\(tag) | \(renderer.configuration.siteName)",
                              description: "「\(tag)」タグの記事", request: request) {
            try await store.headlines(matching: ListingFilter(tag: tag), limit: 1, offset: 0).isEmpty
        }
    }

    /// `/companies/<entityID>/feed.*`, for companies and organisations only.
    func companyFeed(_ format: FeedFormat, _ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let id = URLNumber.path("id", of: context, in: URLNumber.entityIDs),
              let company = try await store.entity(id: id, ofKinds: Self.companyKinds)
        else { throw HTTPError(.notFound) }
        return try await feed(format, scope: .company(id: id), filter: ListingFilter(entityID: id), title: "\(company.name) | \(renderer.configuration.siteName)",
                              description: "\(company.name)に関する記事", request: request)
    }

    /// The feed of `scope`, the articles `filter` lists, in `format`. `isUnknown` tells, when
    /// nothing matched, whether the scope itself names nothing we have (then the feed is not found).
    private func feed(_ format: FeedFormat, scope: FeedScope, filter: ListingFilter, title: String, description: String,
                      request: Request,
                      isUnknown: () async throws -> Bool = { false }) async throws -> Response {
        let minimumImportance: Int?
        switch URLNumber.query(Self.feedImportanceParameter, of: request, in: AxisScores.range) {
        case .absent: minimumImportance = nil
        case .number(let number): minimumImportance = number
        case .invalid: throw HTTPError(.notFound)
        }
        var filter = filter
        filter.minimumImportance = minimumImportance
        let headlines = try await store.headlines(matching: filter, limit: Self.feedHeadlineCount, offset: 0)
        if headlines.isEmpty, try await isUnknown() { throw HTTPError(.notFound) }
        return try Self.feedResponse(renderer.siteFeed(scope: scope, title: title, description: description,
                                                       minimumImportance: minimumImportance, headlines: headlines), format)
    }

    static func feedResponse(_ feed: SiteFeed, _ format: FeedFormat) throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "\(format.mediaType); charset=utf-8", .cacheControl: SiteApplication.pageCacheControl],
            body: ResponseBody(byteBuffer: ByteBuffer(string: try format.render(feed))))
    }
}

extension SiteRenderer {
    func siteFeed(scope: FeedScope, title: String, description: String, minimumImportance: Int?,
                  headlines: [PublishedHeadline], now: Date = Date()) -> SiteFeed {
        let query = SitePages.importanceQuery(minimumImportance)
        let entries = headlines.map { headline in
            let analysis = headline.analysis
            return SiteFeedEntry(
                // The id stays the bare address, so that no change of slug ever makes an entry new.
                id: absolute(SitePages.articlePath(headline.id)),
                url: absolute(SitePages.articlePath(id: headline.id, title: headline.originalTitle)),
                title: configuration.feedTitle(analysis.title), summary: analysis.tldr, published: headline.shownAt,
                updated: max(analysis.analysedAt, headline.shownAt), importance: analysis.importance, tags: analysis.tags, sourceName: headline.sourceName, sourceURL: BlockHTML.safeURL(headline.url))
        }
        return SiteFeed(
            title: configuration.feedTitle(minimumImportance.map { "\(title)(重要度\($0)以上)" } ?? title),
            description: description, languageCode: configuration.edition.languageCode, siteName: configuration.siteName,
            pageURL: absolute(scope.pagePath + query),
            selfURLs: Dictionary(uniqueKeysWithValues: FeedFormat.allCases.map { ($0, absolute(scope.path($0) + query)) }),
            updated: entries.map(\.updated).max() ?? now, entries: entries)
    }

    /// The `<link rel="alternate">` lines of a page that follows `feeds`.
    func feedLinks(_ feeds: PageFeeds) -> [FeedLink] {
        let query = SitePages.importanceQuery(feeds.minimumImportance)
        return FeedFormat.allCases.map {
            FeedLink(title: "\(feeds.title)(\($0.label))", mediaType: $0.mediaType, href: feeds.scope.path($0) + query)
        }
    }
}

/// The feeds a page announces: those of what it lists, with the importance it is filtered by.
struct PageFeeds {
    var scope: FeedScope
    var title: String
    var minimumImportance: Int?
}

/// A feed a page announces in its head.
struct FeedLink {
    var title: String
    var mediaType: String
    var href: String
}
