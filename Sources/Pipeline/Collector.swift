import Feeds
import Fetching
import Foundation
import KawarabanCore
import Logging
import Sanitizer
import Store

/// What one collection of one source found.
public struct CollectOutcome: Sendable {
    public var source: Source
    public var health: SourceHealth

    public var summary: String {
        if let error = health.lastError { return "\(source.name): failed: \(error)" }
        if health.lastStatus == 304 { return "\(source.name): not modified" }
        return "\(source.name): \(health.itemsFound) items, \(health.newItems) new"
    }
}

/// Fetches due feeds, stores their new entries and keeps each source's health, so that one
/// broken feed is marked and the others carry on.
public struct Collector: Sendable {
    public static let defaultConcurrency = 8
    /// Failing sources back off exponentially up to this.
    public static let maximumBackoff: TimeInterval = 24 * 3600
    /// Every format the parser reads, so a server that negotiates sends one of them.
    public static let feedAccept = "application/atom+xml, application/rss+xml, application/rdf+xml, application/feed+json, "
        + "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.9, */*;q=0.5"

    let store: Store
    let fetcher: Fetcher
    let concurrency: Int
    let hackerNews: HackerNews
    let logger: Logger

    public init(store: Store, fetcher: Fetcher, concurrency: Int = Collector.defaultConcurrency,
                hackerNews: HackerNews = HackerNews(), logger: Logger) {
        self.store = store
        self.fetcher = fetcher
        self.concurrency = max(1, concurrency)
        self.hackerNews = hackerNews
        self.logger = logger
    }

    /// Collects every source that is due, at most `concurrency` at a time.
    public func collectDue(now: Date = Date()) async throws -> [CollectOutcome] {
        try await collect(store.dueSources(now: now), now: now)
    }

    public func collect(_ sources: [Source], now: Date = Date()) async throws -> [CollectOutcome] {
        try await withThrowingTaskGroup(of: CollectOutcome.self) { group in
            var pending = sources[...]
            var outcomes: [CollectOutcome] = []
            func startNext() {
                guard let source = pending.popFirst() else { return }
                group.addTask { try await collect(source, now: now) }
            }
            for _ in 0..<concurrency { startNext() }
            while let outcome = try await group.next() {
                outcomes.append(outcome)
                startNext()
            }
            return outcomes
        }
    }

    /// Fetches and parses one source and records the result on it. Only a store failure throws.
    public func collect(_ source: Source, now: Date = Date()) async throws -> CollectOutcome {
        var health = source.health
        health.lastFetchAt = now
        // A fetch that gets no answer must not show the status of an earlier one.
        health.lastStatus = nil
        do {
            let response = try await fetcher.fetch(request(for: source))
            health.lastStatus = response.status
            if response.isNotModified {
                health.newItems = 0
                succeeded(&health, source: source, now: now)
            } else if response.isSuccess {
                let items = try await parsedItems(in: response, of: source)
                let entries = items.compactMap { discovered($0, source: source) }
                health.itemsFound = items.count
                health.newItems = try await store.insertDiscovered(entries, now: now)
                health.etag = response.etag
                health.lastModified = response.lastModified
                succeeded(&health, source: source, now: now)
            } else {
                failed(&health, reason: FetchError.httpStatus(response.status).description, source: source,
                       retryAfter: response.retryAfter, now: now)
            }
        } catch let error as FetchError {
            failed(&health, reason: error.description, source: source, retryAfter: nil, now: now)
        } catch let error as FeedParseError {
            failed(&health, reason: "not a readable feed: \(error)", source: source, retryAfter: nil, now: now)
        } catch let error as HackerNewsError {
            failed(&health, reason: error.description, source: source, retryAfter: nil, now: now)
        }
        try await store.recordFetch(sourceID: source.id, health: health)
        let outcome = CollectOutcome(source: source, health: health)
        logger.info("collected", metadata: ["source": "\(source.name)", "result": "\(outcome.summary)"])
        return outcome
    }

    /// The document that tells whether a source has changed: the feed, or Hacker News's top list.
    private func request(for source: Source) -> FetchRequest {
        let (url, accept) = switch source.kind {
        case .feed: (source.url, Self.feedAccept)
        case .hackerNews: (HackerNews.topStoriesURL(base: source.url), HackerNews.jsonAccept)
        }
        return FetchRequest(url: url, etag: source.health.etag, lastModified: source.health.lastModified, accept: accept)
    }

    private func parsedItems(in response: FetchResponse, of source: Source) async throws -> [ParsedItem] {
        switch source.kind {
        case .feed:
            return try response.parsedFeed().items
        case .hackerNews:
            let ids = try HackerNews.topStoryIDs(response.body)
            return await hackerNews.stories(ids: ids, base: source.url, fetcher: fetcher, logger: logger)
        }
    }

    /// The feed's HTML is sanitised before it is stored, so nothing downstream ever holds it raw.
    private func discovered(_ entry: ParsedItem, source: Source) -> DiscoveredItem? {
        guard let link = entry.link, !link.isEmpty else { return nil }
        let html = StorableEntryHTML(summary: entry.summary, contentHTML: entry.contentHTML, entryURL: URL(string: link))
        return DiscoveredItem(
            sourceID: source.id, guid: entry.id, url: link, canonicalURL: CanonicalURL.canonicalize(link),
            title: entry.title, summary: html.summary, contentHTML: html.contentHTML, author: entry.author,
            publishedAt: entry.published ?? entry.updated, imageURL: entry.imageURL, videoID: entry.videoID,
            commentsURL: entry.commentsURL, commentCount: entry.commentCount, score: entry.score)
    }

    /// Retry-After in either of its forms: seconds, or an HTTP date.
    static func retryDelay(_ value: String, now: Date) -> TimeInterval {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = TimeInterval(trimmed) { return max(0, seconds) }
        return FeedDate.parse(trimmed).map { max(0, $0.timeIntervalSince(now)) } ?? 0
    }

    private func succeeded(_ health: inout SourceHealth, source: Source, now: Date) {
        health.lastError = nil
        health.consecutiveFailures = 0
        health.nextFetchAt = now.addingTimeInterval(source.interval)
    }

    private func failed(_ health: inout SourceHealth, reason: String, source: Source, retryAfter: String?, now: Date) {
        health.lastError = reason
        health.itemsFound = 0
        health.newItems = 0
        health.consecutiveFailures += 1
        let backoff = min(source.interval * pow(2, Double(health.consecutiveFailures - 1)), Self.maximumBackoff)
        let serverAsked = retryAfter.map { Self.retryDelay($0, now: now) } ?? 0
        health.nextFetchAt = now.addingTimeInterval(max(backoff, min(serverAsked, Self.maximumBackoff)))
        logger.warning("source failed", metadata: ["source": "\(source.name)", "reason": "\(reason)"])
    }
}

extension FetchResponse {
    /// The body as a feed, its links resolved against where it was finally found.
    func parsedFeed() throws(FeedParseError) -> ParsedFeed {
        try FeedParser.parse(body, baseURL: finalURL, contentType: contentType)
    }
}
