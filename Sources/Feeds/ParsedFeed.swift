import Foundation

public enum FeedFormat: String, Sendable, Codable {
    case rss
    case rdf
    case atom
    case json
}

/// One feed, whatever its format, in one shape.
public struct ParsedFeed: Sendable, Hashable, Codable {
    public var format: FeedFormat
    public var title: String
    public var link: String?
    public var items: [ParsedItem]

    public init(format: FeedFormat, title: String, link: String?, items: [ParsedItem]) {
        self.format = format
        self.title = title
        self.link = link
        self.items = items
    }
}

public struct ParsedItem: Sendable, Hashable, Codable {
    /// Stable across fetches: the entry's guid or id, else a hash of its link, else of title and date.
    public var id: String
    /// Plain text.
    public var title: String
    /// Absolute.
    public var link: String?
    public var published: Date?
    public var updated: Date?
    public var author: String?
    /// As the feed gave it; may be HTML.
    public var summary: String?
    public var contentHTML: String?
    public var categories: [String]
    public var enclosures: [Enclosure]
    /// A picture that stands for the entry: a video's thumbnail, media:thumbnail, an image enclosure.
    public var imageURL: String?
    /// YouTube's id of the video the entry is about.
    public var videoID: String?
    /// Where readers discuss the entry (RSS comments, a Hacker News thread).
    public var commentsURL: String?
    public var commentCount: Int?
    /// Votes where the source has them (Hacker News points).
    public var score: Int?

    public init(id: String, title: String, link: String?, published: Date?, updated: Date?, author: String?,
                summary: String?, contentHTML: String?, categories: [String], enclosures: [Enclosure] = [],
                imageURL: String? = nil, videoID: String? = nil, commentsURL: String? = nil,
                commentCount: Int? = nil, score: Int? = nil) {
        self.id = id
        self.title = title
        self.link = link
        self.published = published
        self.updated = updated
        self.author = author
        self.summary = summary
        self.contentHTML = contentHTML
        self.categories = categories
        self.enclosures = enclosures
        self.imageURL = imageURL
        self.videoID = videoID
        self.commentsURL = commentsURL
        self.commentCount = commentCount
        self.score = score
    }
}

/// A file attached to an entry: a podcast's audio, a video, an image.
public struct Enclosure: Sendable, Hashable, Codable {
    /// Absolute.
    public var url: String
    public var type: String?
    public var length: Int?

    public init(url: String, type: String? = nil, length: Int? = nil) {
        self.url = url
        self.type = type
        self.length = length
    }
}

public enum FeedParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyDocument
    case malformed(String)
    case notAFeed(root: String)

    public var description: String {
        switch self {
        case .emptyDocument: return "the document is empty"
        case .malformed(let reason): return "the XML is malformed: \(reason)"
        case .notAFeed(let root):
            return root.lowercased() == "html"
                ? "this is an HTML page, not a feed; give the feed's own URL"
                : "the root element <\(root)> is not RSS, RDF or Atom"
        }
    }
}
