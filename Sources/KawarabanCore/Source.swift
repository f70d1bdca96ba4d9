import Foundation

public enum SourceKind: String, Sendable, Codable, CaseIterable {
    /// RSS, RDF, Atom or JSON Feed, told apart by the parser.
    case feed
    /// Hacker News's top stories through its official API; the source's URL is the API's base.
    case hackerNews = "hackernews"
}

/// What every item of a source is about, when the operator says so: such a source skips triage.
public enum SourceTopic: String, Sendable, Codable, CaseIterable {
    case ai
}

/// What the last collection of a source found, for operators.
public struct SourceHealth: Sendable, Hashable, Codable {
    public var lastFetchAt: Date?
    public var lastStatus: Int?
    /// Entries the feed held at the last fetch.
    public var itemsFound: Int
    /// Of those, the newest ones kept (at most the per-fetch cap).
    public var itemsKept: Int
    public var newItems: Int
    public var lastError: String?
    public var consecutiveFailures: Int
    public var nextFetchAt: Date?
    public var etag: String?
    public var lastModified: String?

    public init(
        lastFetchAt: Date? = nil, lastStatus: Int? = nil, itemsFound: Int = 0, itemsKept: Int = 0, newItems: Int = 0,
        lastError: String? = nil, consecutiveFailures: Int = 0, nextFetchAt: Date? = nil,
        etag: String? = nil, lastModified: String? = nil
    ) {
        self.lastFetchAt = lastFetchAt
        self.lastStatus = lastStatus
        self.itemsFound = itemsFound
        self.itemsKept = itemsKept
        self.newItems = newItems
        self.lastError = lastError
        self.consecutiveFailures = consecutiveFailures
        self.nextFetchAt = nextFetchAt
        self.etag = etag
        self.lastModified = lastModified
    }

    public var isHealthy: Bool { lastError == nil }
}

public struct Source: Sendable, Hashable, Codable, Identifiable {
    public static let defaultInterval: TimeInterval = 3600

    public var id: Int64
    public var url: String
    public var name: String
    public var kind: SourceKind
    public var interval: TimeInterval
    public var health: SourceHealth
    /// Nil: the source carries all kinds of news, and its items are triaged.
    public var topic: SourceTopic?

    public init(id: Int64, url: String, name: String, kind: SourceKind = .feed,
                interval: TimeInterval = Source.defaultInterval, health: SourceHealth = SourceHealth(),
                topic: SourceTopic? = nil) {
        self.id = id
        self.url = url
        self.name = name
        self.kind = kind
        self.interval = interval
        self.health = health
        self.topic = topic
    }
}
