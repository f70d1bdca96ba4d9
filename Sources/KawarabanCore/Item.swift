import Foundation

/// An entry as a feed announced it, before anything else is known.
public struct DiscoveredItem: Sendable, Hashable, Codable {
    public var sourceID: Int64
    public var guid: String
    public var url: String
    public var canonicalURL: String
    public var title: String
    public var summary: String?
    public var contentHTML: String?
    public var author: String?
    public var publishedAt: Date?
    /// A video's thumbnail or the entry's own picture.
    public var imageURL: String?
    /// YouTube's id, for entries of video feeds.
    public var videoID: String?
    /// Where readers discuss it, and how many comments and points it has there (Hacker News).
    public var commentsURL: String?
    public var commentCount: Int?
    public var score: Int?

    public init(sourceID: Int64, guid: String, url: String, canonicalURL: String, title: String,
                summary: String? = nil, contentHTML: String? = nil, author: String? = nil,
                publishedAt: Date? = nil, imageURL: String? = nil, videoID: String? = nil,
                commentsURL: String? = nil, commentCount: Int? = nil, score: Int? = nil) {
        self.sourceID = sourceID
        self.guid = guid
        self.url = url
        self.canonicalURL = canonicalURL
        self.title = title
        self.summary = summary
        self.contentHTML = contentHTML
        self.author = author
        self.publishedAt = publishedAt
        self.imageURL = imageURL
        self.videoID = videoID
        self.commentsURL = commentsURL
        self.commentCount = commentCount
        self.score = score
    }
}

/// A source that carried a story, with the URL it gave for it.
public struct StoryCarrier: Sendable, Hashable, Codable {
    public var sourceID: Int64
    public var sourceName: String
    public var url: String

    public init(sourceID: Int64, sourceName: String, url: String) {
        self.sourceID = sourceID
        self.sourceName = sourceName
        self.url = url
    }
}

/// An item with everything the pipeline has learnt about it so far.
public struct Item: Sendable, Hashable, Codable, Identifiable {
    public var id: Int64
    public var feedEntry: DiscoveredItem
    public var sourceName: String
    /// The address of the source that found it (a feed's, the Hacker News API's).
    public var sourceURL: String?
    public var discoveredAt: Date
    public var stage: Stage
    public var attempts: Int
    public var lastError: String?
    /// The page as fetched, kept until extraction has run.
    public var pageHTML: String?
    public var article: Article?
    public var analysis: Analysis?
    public var translation: Translation?
    public var publishedAt: Date?
    /// What triage thought of it; nil when it was not triaged (no LLM, an all-AI source).
    public var triage: TriageVerdict?

    public init(id: Int64, feedEntry: DiscoveredItem, sourceName: String, sourceURL: String? = nil, discoveredAt: Date,
                stage: Stage, attempts: Int = 0, lastError: String? = nil, pageHTML: String? = nil,
                article: Article? = nil, analysis: Analysis? = nil, translation: Translation? = nil,
                publishedAt: Date? = nil, triage: TriageVerdict? = nil) {
        self.id = id
        self.feedEntry = feedEntry
        self.sourceName = sourceName
        self.sourceURL = sourceURL
        self.discoveredAt = discoveredAt
        self.stage = stage
        self.attempts = attempts
        self.lastError = lastError
        self.pageHTML = pageHTML
        self.article = article
        self.analysis = analysis
        self.translation = translation
        self.publishedAt = publishedAt
        self.triage = triage
    }
}
