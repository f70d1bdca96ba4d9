import Feeds
import Fetching
import Foundation
import KawarabanCore
import Store

/// Why a source could not be added, in words an operator can act on.
public enum SourceCatalogError: Error, Sendable, CustomStringConvertible {
    case notHTTP(String)
    case unreachable(url: String, FetchError)
    case pageWithoutFeeds(url: String)
    case notAFeed(url: String, FeedParseError)
    case announcedFeedsUnreadable(page: String, failures: [(url: String, reason: String)])
    case notHackerNewsAPI(url: String, HackerNewsError)

    public var description: String {
        switch self {
        case .notHTTP(let url):
            return "\(url) is not an http(s) URL"
        case .unreachable(let url, let error):
            return "\(url) could not be fetched: \(error) (add it anyway with --skip-check)"
        case .pageWithoutFeeds(let url):
            return "\(url) is a web page, not a feed, and it announces no feed (no <link rel=\"alternate\"> of a feed type); give the feed's own URL"
        case .notAFeed(let url, let error):
            return "\(url) is not a readable feed: \(error)"
        case .announcedFeedsUnreadable(let page, let failures):
            let listed = failures.map { "\($0.url): \($0.reason)" }.joined(separator: "; ")
            return "\(page) announces feeds, but none of them reads as a feed: \(listed)"
        case .notHackerNewsAPI(let url, let error):
            return "\(url) does not answer like Hacker News's API: \(error)"
        }
    }
}

/// A source `add` put in the store.
public struct AddedSource: Sendable {
    public var source: Source
    /// The page the feed was found on, when the URL given was a page rather than a feed.
    public var discoveredOn: String?
}

/// What importing a subscription list did.
public struct SourceImport: Sendable {
    public var added: [Source] = []
    /// Feed URLs the store already had.
    public var alreadyPresent: [String] = []
    public var invalid: [(url: String, reason: String)] = []
    /// Outlines that name no feed.
    public var ignoredOutlines = 0
}

/// Adding, importing and exporting sources. A URL given to `add` is fetched first through the
/// collector's fetcher, so that a page instead of a feed is caught, and its feed found, at once
/// rather than at the next collection. Documents are read on the CPU pool.
public struct SourceCatalog: Sendable {
    /// Feeds a page announces that are tried before giving up; pages list one to three.
    public static let maximumAnnouncedFeedsTried = 5
    public static let hackerNewsDefaultName = "Hacker News"
    public static let exportTitle = "Kawaraban sources"
    static let opmlFeedType = "rss"
    /// A source's topic travels as an OPML category of our own, so that another reader's folder
    /// named "AI" does not mark a feed all-AI on import.
    static let opmlTopicCategoryPrefix = "/kawaraban/topic/"

    let store: Store
    let fetcher: Fetcher
    let pool: CPUPool

    public init(store: Store, fetcher: Fetcher, pool: CPUPool) {
        self.store = store
        self.fetcher = fetcher
        self.pool = pool
    }

    /// Adds a source; with `check`, a feed URL must read as a feed or lead to one, and a Hacker
    /// News base URL must serve the top-stories list. A URL already present is
    /// `StoreError.duplicateSource`. With a `topic`, every item of the source is taken to be about it.
    public func add(url: String, name: String?, kind: SourceKind, topic: SourceTopic? = nil, check: Bool = true) async throws -> AddedSource {
        guard let host = Self.httpHost(url) else { throw SourceCatalogError.notHTTP(url) }
        if check {
            switch kind {
            case .hackerNews:
                let response = try await fetchOK(HackerNews.topStoriesURL(base: url), accept: HackerNews.jsonAccept)
                do {
                    _ = try await pool.run { try HackerNews.topStoryIDs(response.body) }
                } catch let error as HackerNewsError {
                    throw SourceCatalogError.notHackerNewsAPI(url: url, error)
                }
            case .feed:
                let located = try await locateFeed(url)
                let title = located.feed.title.trimmingCharacters(in: .whitespacesAndNewlines)
                let source = try await store.addSource(
                    url: located.url, name: name ?? (title.isEmpty ? Self.httpHost(located.url) ?? host : title), kind: .feed,
                    topic: topic)
                return AddedSource(source: source, discoveredOn: located.url == url ? nil : url)
            }
        }
        let fallbackName = kind == .hackerNews ? Self.hackerNewsDefaultName : host
        return AddedSource(source: try await store.addSource(url: url, name: name ?? fallbackName, kind: kind, topic: topic))
    }

    /// The feed at `url`, or the first feed the page at `url` announces that reads as one.
    private func locateFeed(_ url: String) async throws -> (url: String, feed: ParsedFeed) {
        let response = try await fetchOK(url, accept: Collector.feedAccept)
        let parseFailure: FeedParseError
        do {
            return (url, try await pool.run { try response.parsedFeed() })
        } catch let error as FeedParseError {
            parseFailure = error
        }
        let announced = try await pool.run { FeedDiscovery.feeds(inPage: response.body, url: response.finalURL) }
        guard !announced.isEmpty else {
            if case .notAFeed(let root) = parseFailure, root.lowercased() == "html" {
                throw SourceCatalogError.pageWithoutFeeds(url: url)
            }
            throw SourceCatalogError.notAFeed(url: url, parseFailure)
        }
        var failures: [(url: String, reason: String)] = []
        for link in announced.prefix(Self.maximumAnnouncedFeedsTried) {
            do {
                let candidate = try await fetchOK(link.url, accept: Collector.feedAccept)
                return (link.url, try await pool.run { try candidate.parsedFeed() })
            } catch let error as SourceCatalogError {
                failures.append((link.url, "\(error)"))
            } catch {
                failures.append((link.url, "not a readable feed: \(error)"))
            }
        }
        throw SourceCatalogError.announcedFeedsUnreadable(page: url, failures: failures)
    }

    private func fetchOK(_ url: String, accept: String) async throws(SourceCatalogError) -> FetchResponse {
        do throws(FetchError) {
            let response = try await fetcher.fetch(FetchRequest(url: url, accept: accept))
            guard response.isSuccess else { throw FetchError.httpStatus(response.status) }
            return response
        } catch {
            throw .unreachable(url: url, error)
        }
    }

    /// Adds every feed a subscription list names that the store does not have yet, without
    /// fetching them: a list of hundreds would otherwise take minutes, and collection reports
    /// each feed's health anyway.
    public func importOPML(_ data: Data) async throws -> SourceImport {
        let document = try await pool.run { try OPML.parse(data) }
        var result = SourceImport()
        result.ignoredOutlines = document.ignoredOutlines
        for entry in document.entries {
            guard let host = Self.httpHost(entry.feedURL) else {
                result.invalid.append((entry.feedURL, SourceCatalogError.notHTTP(entry.feedURL).description))
                continue
            }
            let kind = entry.type.flatMap { SourceKind(rawValue: $0.lowercased()) } ?? .feed
            let topic = entry.category?.split(separator: ",").lazy
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .compactMap { $0.hasPrefix(Self.opmlTopicCategoryPrefix)
                    ? SourceTopic(rawValue: String($0.dropFirst(Self.opmlTopicCategoryPrefix.count))) : nil }
                .first
            do throws(StoreError) {
                result.added.append(try await store.addSource(url: entry.feedURL, name: entry.title ?? host, kind: kind, topic: topic))
            } catch {
                guard case .duplicateSource = error else { throw error }
                result.alreadyPresent.append(entry.feedURL)
            }
        }
        return result
    }

    /// Every source as an OPML 2.0 subscription list; kinds other than feeds keep their kind
    /// as the outline's type, so that an import here restores them.
    public func exportOPML(title: String = SourceCatalog.exportTitle) async throws -> String {
        let entries = try await store.sources().map { source in
            OPMLEntry(feedURL: source.url, title: source.name,
                      type: source.kind == .feed ? Self.opmlFeedType : source.kind.rawValue,
                      category: source.topic.map { Self.opmlTopicCategoryPrefix + $0.rawValue })
        }
        return OPML.document(title: title, entries: entries)
    }

    static func httpHost(_ url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty
        else { return nil }
        return host
    }
}
