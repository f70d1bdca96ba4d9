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
    /// Plain text.
    public var title: String
    /// Absolute: the feed's site.
    public var link: String?
    public var items: [ParsedItem]
    /// The title as the feed gave it, with its type, language and base.
    public var titleDetail: TextConstruct?
    /// Atom's subtitle (0.3's tagline) or the RSS channel's description.
    public var subtitle: TextConstruct?
    public var rights: TextConstruct?
    /// Atom's feed id.
    public var id: String?
    /// The feed's language: RSS <language>, dc:language, xml:lang on the root, else HTTP Content-Language.
    public var language: String?
    public var published: Date?
    public var updated: Date?
    public var authors: [FeedPerson]
    public var links: [FeedLink]
    public var categories: [String]
    /// The feed's logo (Atom logo, RSS image).
    public var imageURL: String?
    public var iconURL: String?
    /// The character set the bytes were read in, lower-case ("utf-8", "shift_jis", "euc-jp"…).
    public var charset: String

    public init(format: FeedFormat, title: String, link: String?, items: [ParsedItem], titleDetail: TextConstruct? = nil,
                subtitle: TextConstruct? = nil, rights: TextConstruct? = nil, id: String? = nil, language: String? = nil,
                published: Date? = nil, updated: Date? = nil, authors: [FeedPerson] = [], links: [FeedLink] = [],
                categories: [String] = [], imageURL: String? = nil, iconURL: String? = nil, charset: String = "utf-8") {
        self.format = format
        self.title = title
        self.link = link
        self.items = items
        self.titleDetail = titleDetail
        self.subtitle = subtitle
        self.rights = rights
        self.id = id
        self.language = language
        self.published = published
        self.updated = updated
        self.authors = authors
        self.links = links
        self.categories = categories
        self.imageURL = imageURL
        self.iconURL = iconURL
        self.charset = charset
    }
}

/// Text as a feed gave it (Atom's text construct; RSS fields read the same way): the value in its
/// own type, the language and base URL in force where it stood.
public struct TextConstruct: Sendable, Hashable, Codable {
    public static let plainType = "text/plain"
    public static let htmlType = "text/html"
    public static let xhtmlType = "application/xhtml+xml"

    /// Plain text for text/plain; markup for HTML and XHTML (XHTML without its wrapping div).
    public var value: String
    /// A media type: text/plain, text/html, application/xhtml+xml, or what Atom content declared.
    public var type: String
    /// xml:lang in force, as a language tag ("en-US"), or nil.
    public var language: String?
    /// xml:base in force, else the document's URL.
    public var base: String?

    public init(value: String, type: String, language: String? = nil, base: String? = nil) {
        self.value = value
        self.type = type
        self.language = language
        self.base = base
    }

    /// The value as HTML: plain text escaped, markup as it is.
    public var html: String {
        type == Self.plainType ? FeedText.escape(value) : value
    }

    /// The value as plain text: markup stripped, entities decoded, white space collapsed.
    public var plainText: String {
        type == Self.plainType ? FeedText.collapse(value) : FeedText.plain(value)
    }
}

/// An author or contributor.
public struct FeedPerson: Sendable, Hashable, Codable {
    public var name: String?
    public var email: String?
    /// Absolute.
    public var uri: String?

    public init(name: String? = nil, email: String? = nil, uri: String? = nil) {
        self.name = name
        self.email = email
        self.uri = uri
    }

    /// How a byline shows the person: the name, else the address.
    public var displayName: String? { name ?? email }
}

/// An Atom link (RSS enclosures and comments appear here too, as Atom would write them).
public struct FeedLink: Sendable, Hashable, Codable {
    public static let alternate = "alternate"
    public static let enclosure = "enclosure"

    /// Absolute.
    public var href: String
    public var rel: String
    public var type: String?
    public var title: String?
    public var hreflang: String?
    public var length: Int?

    public init(href: String, rel: String = FeedLink.alternate, type: String? = nil, title: String? = nil,
                hreflang: String? = nil, length: Int? = nil) {
        self.href = href
        self.rel = rel
        self.type = type
        self.title = title
        self.hreflang = hreflang
        self.length = length
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
    /// The title, summary and content as the feed gave them, with type, language and base.
    public var titleDetail: TextConstruct?
    public var summaryDetail: TextConstruct?
    public var content: TextConstruct?
    /// Everyone named as an author; `author` is the first one's display name.
    public var authors: [FeedPerson]
    public var links: [FeedLink]

    public init(id: String, title: String, link: String?, published: Date?, updated: Date?, author: String?,
                summary: String?, contentHTML: String?, categories: [String], enclosures: [Enclosure] = [],
                imageURL: String? = nil, videoID: String? = nil, commentsURL: String? = nil,
                commentCount: Int? = nil, score: Int? = nil, titleDetail: TextConstruct? = nil,
                summaryDetail: TextConstruct? = nil, content: TextConstruct? = nil, authors: [FeedPerson] = [],
                links: [FeedLink] = []) {
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
        self.titleDetail = titleDetail
        self.summaryDetail = summaryDetail
        self.content = content
        self.authors = authors
        self.links = links
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
    case tooManyAttributes(limit: Int, line: Int)
    case tagTooLong(limit: Int, line: Int)
    case tooDeep(limit: Int, line: Int)
    case overBudget(limit: Duration)

    public var description: String {
        switch self {
        case .emptyDocument: return "the document is empty"
        case .malformed(let reason): return "the XML is malformed: \(reason)"
        case .tooManyAttributes(let limit, let line):
            return "an element on line \(line) has more than \(limit) attributes; no feed needs that many, so the document is refused"
        case .tagTooLong(let limit, let line): return "a tag on line \(line) is longer than \(limit) bytes, so the document is refused"
        case .tooDeep(let limit, let line): return "elements are nested more than \(limit) deep (line \(line)), so the document is refused"
        case .overBudget(let limit):
            return "reading the document took more than its budget of \(limit) of processor time; it is too large or too complex"
        case .notAFeed(let root):
            return root.lowercased() == "html"
                ? "this is an HTML page, not a feed; give the feed's own URL"
                : "the root element <\(root)> is not RSS, RDF or Atom"
        }
    }
}
