import Feeds
import Fetching
import Foundation
import KawarabanCore
import Logging
import Sanitizer
import Store
import Synchronization

/// What one collection of one source found.
public struct CollectOutcome: Sendable {
    public var source: Source
    public var health: SourceHealth

    public var summary: String {
        if let error = health.lastError { return "\(source.name): failed: \(error)" }
        if health.lastStatus == 304 { return "\(source.name): not modified" }
        let kept = health.itemsKept < health.itemsFound ? ", newest \(health.itemsKept) kept" : ""
        return "\(source.name): \(health.itemsFound) items\(kept), \(health.newItems) new"
    }
}

/// Fetches due feeds, stores their newest entries and keeps each source's health, so that one
/// broken feed is marked and the others carry on.
///
/// Each source is read under a deadline of its own, in a task the pass does not wait for past
/// it; only what a finished read found is stored, by the pass itself. Parsing and sanitising run
/// on the CPU pool, never on the threads that serve the site. Sources are claimed one at a time
/// under a lease, so that several collectors share the due sources instead of each fetching all.
public struct Collector: Sendable {
    public static let defaultConcurrency = 8
    /// Failing sources back off exponentially up to this.
    public static let maximumBackoff: TimeInterval = 24 * 3600
    /// What reading a fetched document may take on top of the fetch: parsing, choosing the
    /// newest entries, sanitising them.
    public static let readBudget: Duration = .seconds(10)
    /// A claim outlives the longest deadline by this much, so that it never runs out while the
    /// pass that holds it is still storing what it found.
    static let claimMargin: Duration = .seconds(60)
    /// Every format the parser reads, so a server that negotiates sends one of them.
    public static let feedAccept = "application/atom+xml, application/rss+xml, application/rdf+xml, application/feed+json, "
        + "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.9, */*;q=0.5"

    let store: Store
    let fetcher: Fetcher
    let pool: CPUPool
    let settings: CollectionSettings
    let concurrency: Int
    let hackerNews: HackerNews
    let deadlineOverride: Duration?
    /// New items wait for triage first (a model is configured to judge them).
    let triaging: Bool
    let owner: String
    let logger: Logger

    /// `sourceDeadline` replaces the deadline derived from the fetch timeout (tests use a short one).
    public init(store: Store, fetcher: Fetcher, pool: CPUPool, settings: CollectionSettings = CollectionSettings(),
                concurrency: Int = Collector.defaultConcurrency, hackerNews: HackerNews = HackerNews(),
                sourceDeadline: Duration? = nil, triaging: Bool = false, owner: String = Worker.makeOwnerID(),
                logger: Logger) {
        self.store = store
        self.fetcher = fetcher
        self.pool = pool
        self.settings = settings
        self.concurrency = max(1, concurrency)
        self.hackerNews = hackerNews
        self.deadlineOverride = sourceDeadline
        self.triaging = triaging
        self.owner = owner
        self.logger = logger
    }

    /// How long one source may take: its fetches one after another at the fetch timeout, then the
    /// read budget. Hacker News fetches the top list, then its stories a few at a time.
    public func deadline(for kind: SourceKind) -> Duration {
        if let deadlineOverride { return deadlineOverride }
        let fetchesInSeries = switch kind {
        case .feed: 1
        case .hackerNews: 1 + hackerNews.storyRounds
        }
        return fetcher.policy.timeout * fetchesInSeries + Self.readBudget
    }

    /// Collects every source that is due, `concurrency` at a time, each claimed just before it
    /// is read so that other collectors take the rest.
    public func collectDue(now: Date = Date()) async throws -> [CollectOutcome] {
        let longest = SourceKind.allCases.map(deadline(for:)).max() ?? Self.readBudget
        let lease = TimeInterval((longest + Self.claimMargin).wholeSeconds)
        let started = ContinuousClock.now
        return try await inLanes(now: now) {
            // A source claimed late in a long pass is held from when it is claimed, not from
            // when the pass began.
            let claimedAt = now.addingTimeInterval((ContinuousClock.now - started).timeInterval)
            return try await store.claimDueSource(owner: owner, lease: lease, now: claimedAt)
        }
    }

    /// Collects these sources now, due or not.
    public func collect(_ sources: [Source], now: Date = Date()) async throws -> [CollectOutcome] {
        let pending = PendingSources(sources)
        return try await inLanes(now: now) { pending.next() }
    }

    private func inLanes(now: Date, next: @escaping @Sendable () async throws -> Source?) async throws -> [CollectOutcome] {
        try await withThrowingTaskGroup(of: [CollectOutcome].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var outcomes: [CollectOutcome] = []
                    while let source = try await next() {
                        outcomes.append(try await collect(source, now: now))
                    }
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// Fetches and reads one source within its deadline, stores what it found and records the
    /// result on it. Only a store failure throws.
    public func collect(_ source: Source, now: Date = Date()) async throws -> CollectOutcome {
        var health = source.health
        health.lastFetchAt = now
        // A fetch that gets no answer must not show the status of an earlier one.
        health.lastStatus = nil
        do {
            let read = try await withDeadline(deadline(for: source.kind)) { try await self.read(source, now: now) }
            health.lastStatus = read.status
            switch read.result {
            case .notModified:
                health.newItems = 0
                succeeded(&health, source: source, now: now)
            case .entries(let found, let kept):
                health.itemsFound = found
                health.itemsKept = kept.count
                health.newItems = try await storeWithinQuota(kept, of: source, now: now)
                health.etag = read.etag
                health.lastModified = read.lastModified
                succeeded(&health, source: source, now: now)
            case .refused(let retryAfter):
                failed(&health, reason: FetchError.httpStatus(read.status).description, source: source,
                       retryAfter: retryAfter, now: now)
            }
        } catch let error as DeadlineExceeded {
            failed(&health, reason: "\(error); it was left running and the pass went on", source: source, retryAfter: nil, now: now)
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

    /// What reading a source found, before anything is stored.
    struct SourceRead: Sendable {
        enum Result: Sendable {
            case notModified
            case refused(retryAfter: String?)
            /// How many entries the document held, and the newest of them, ready to store.
            case entries(found: Int, kept: [DiscoveredItem])
        }

        var status: Int
        var etag: String?
        var lastModified: String?
        var result: Result
    }

    /// Fetches the source and reads it on the CPU pool. Writes nothing: past its deadline this
    /// runs on unwatched, and what it finds then is dropped.
    private func read(_ source: Source, now: Date) async throws -> SourceRead {
        let response = try await fetcher.fetch(request(for: source))
        var read = SourceRead(status: response.status, etag: response.etag, lastModified: response.lastModified,
                              result: .notModified)
        if response.isNotModified { return read }
        guard response.isSuccess else {
            read.result = .refused(retryAfter: response.retryAfter)
            return read
        }
        let limit = settings.entriesPerFetch
        let found: Int
        let kept: [DiscoveredItem]
        switch source.kind {
        case .feed:
            // Parsed, chosen and sanitised in one go, so that the parsed document is also freed on
            // the pool: dropping 100,000 entries is work too.
            (found, kept) = try await pool.run {
                Self.keep(try response.parsedFeed().items, limit: limit, newestFirst: true, now: now, sourceID: source.id)
            }
        case .hackerNews:
            let ids = try await pool.run { try HackerNews.topStoryIDs(response.body) }
            let stories = await hackerNews.stories(ids: ids, base: source.url, fetcher: fetcher, pool: pool, logger: logger)
            // The top list's order is its ranking: the best stories, not the newest, come first.
            (found, kept) = try await pool.run {
                Self.keep(stories, limit: limit, newestFirst: false, now: now, sourceID: source.id)
            }
        }
        read.result = .entries(found: found, kept: kept)
        return read
    }

    /// How many entries there are, and the first `limit` of those with a link, newest first or in
    /// the given order, ready to store.
    static func keep(_ entries: [ParsedItem], limit: Int, newestFirst: Bool, now: Date,
                     sourceID: Int64) -> (found: Int, kept: [DiscoveredItem]) {
        let linked = entries.filter { $0.link?.isEmpty == false }
        let chosen = newestFirst ? newest(linked, limit: limit, now: now) : Array(linked.prefix(limit))
        return (entries.count, chosen.compactMap { discovered($0, sourceID: sourceID) })
    }

    /// The `limit` newest entries, newest first: by the date the feed gives, never later than
    /// `now` (a date in the future must not keep an entry on top), then the undated ones in the
    /// feed's order, which is newest first by convention.
    static func newest(_ entries: [ParsedItem], limit: Int, now: Date) -> [ParsedItem] {
        let ranked = entries.enumerated().map { (offset: $0.offset, date: ($0.element.published ?? $0.element.updated).map { min($0, now) }) }
            .sorted { first, second in
                switch (first.date, second.date) {
                case let (firstDate?, secondDate?) where firstDate != secondDate: return firstDate > secondDate
                case (.some, .none): return true
                case (.none, .some): return false
                default: return first.offset < second.offset
                }
            }
        return ranked.prefix(limit).map { entries[$0.offset] }
    }

    /// Stores the kept entries, newest first, adding new items only while the source's daily
    /// quota lasts; entries stored already are recorded as carried by this source whatever the
    /// quota. Returns how many items are new.
    private func storeWithinQuota(_ kept: [DiscoveredItem], of source: Source, now: Date) async throws -> Int {
        let windowStart = now.addingTimeInterval(-CollectionSettings.quotaWindow)
        let used = try await store.discoveredCounts(since: windowStart, sourceID: source.id)[source.id] ?? 0
        let known = try await store.storedCanonicalURLs(among: kept.map(\.canonicalURL))
        var room = max(0, settings.dailyQuota - used)
        var accepted: [DiscoveredItem] = []
        for entry in kept {
            if known.contains(entry.canonicalURL) {
                accepted.append(entry)
            } else if room > 0 {
                accepted.append(entry)
                room -= 1
            }
        }
        let left = kept.count - accepted.count
        if left > 0 {
            logger.warning("daily quota reached; entries left for a later fetch", metadata: [
                "source": "\(source.name)", "quota": "\(settings.dailyQuota)", "left": "\(left)",
            ])
        }
        let inserted = try await store.insertDiscovered(accepted, stage: WorkRules.entryStage(triaging: triaging, topic: source.topic),
                                                        now: now)
        if source.kind == .hackerNews { try await store.recordDiscussions(accepted) }
        return inserted
    }

    /// The document that tells whether a source has changed: the feed, or Hacker News's top list.
    private func request(for source: Source) -> FetchRequest {
        let (url, accept) = switch source.kind {
        case .feed: (source.url, Self.feedAccept)
        case .hackerNews: (HackerNews.topStoriesURL(base: source.url), HackerNews.jsonAccept)
        }
        return FetchRequest(url: url, etag: source.health.etag, lastModified: source.health.lastModified, accept: accept)
    }

    /// The feed's HTML is sanitised before it is stored, so nothing downstream ever holds it raw;
    /// titles and authors are stored as one line without control characters.
    static func discovered(_ entry: ParsedItem, sourceID: Int64) -> DiscoveredItem? {
        guard let link = entry.link, !link.isEmpty else { return nil }
        let html = StorableEntryHTML(summary: entry.summary, contentHTML: entry.contentHTML, entryURL: URL(string: link))
        return DiscoveredItem(
            sourceID: sourceID, guid: entry.id, url: link, canonicalURL: CanonicalURL.canonicalize(link),
            title: StoredText.line(entry.title), summary: html.summary, contentHTML: html.contentHTML,
            author: entry.author.map(StoredText.line), publishedAt: entry.published ?? entry.updated,
            imageURL: entry.imageURL, videoID: entry.videoID, commentsURL: entry.commentsURL,
            commentCount: entry.commentCount, score: entry.score)
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
        let reason = StoredText.lines(reason)
        health.lastError = reason
        health.itemsFound = 0
        health.itemsKept = 0
        health.newItems = 0
        health.consecutiveFailures += 1
        let backoff = min(source.interval * pow(2, Double(health.consecutiveFailures - 1)), Self.maximumBackoff)
        let serverAsked = retryAfter.map { Self.retryDelay($0, now: now) } ?? 0
        health.nextFetchAt = now.addingTimeInterval(max(backoff, min(serverAsked, Self.maximumBackoff)))
        logger.warning("source failed", metadata: ["source": "\(source.name)", "reason": "\(reason)"])
    }
}

/// Sources handed out one at a time to the lanes of a pass.
private final class PendingSources: Sendable {
    private let sources: Mutex<ArraySlice<Source>>

    init(_ sources: [Source]) { self.sources = Mutex(sources[...]) }

    func next() -> Source? { sources.withLock { $0.popFirst() } }
}

extension FetchResponse {
    /// The body as a feed, its links resolved against where it was finally found.
    func parsedFeed() throws(FeedParseError) -> ParsedFeed {
        try FeedParser.parse(body, baseURL: finalURL, contentType: contentType)
    }
}
