import Foundation

/// Inline content of a block: the marks a reader sees inside a paragraph.
public indirect enum Inline: Sendable, Hashable, Codable {
    case text(String)
    case emphasis([Inline])
    case strong([Inline])
    case code(String)
    case link(href: String, [Inline])
    case lineBreak

    /// The visible text, marks dropped.
    public var plainText: String {
        switch self {
        case .text(let text), .code(let text): return text
        case .emphasis(let children), .strong(let children), .link(_, let children):
            return children.plainText
        case .lineBreak: return "\n"
        }
    }
}

extension Array where Element == Inline {
    public var plainText: String { map(\.plainText).joined() }
}

/// One block of an article body: the unit the translator works on.
public enum Block: Sendable, Hashable, Codable {
    case heading(level: Int, [Inline])
    case paragraph([Inline])
    case list(ordered: Bool, items: [[Inline]])
    case quote([Inline])
    case code(language: String?, text: String)
    case figure(src: String, alt: String, caption: [Inline])

    public var plainText: String {
        switch self {
        case .heading(_, let inlines), .paragraph(let inlines), .quote(let inlines):
            return inlines.plainText
        case .list(_, let items):
            return items.map(\.plainText).joined(separator: "\n")
        case .code(_, let text):
            return text
        case .figure(_, let alt, let caption):
            let captionText = caption.plainText
            return captionText.isEmpty ? alt : captionText
        }
    }
}

/// Where the article text came from: the page itself, or the feed when the page yielded too little.
public enum ExtractionPath: String, Sendable, Codable {
    case page
    case feedContent = "feed-content"
}

/// The readable article extracted from a page, with its metadata.
public struct Article: Sendable, Hashable, Codable {
    public var title: String
    public var author: String?
    public var publishedAt: Date?
    public var siteName: String?
    public var language: String?
    public var leadImage: String?
    public var canonicalURL: String?
    public var description: String?
    public var blocks: [Block]
    public var path: ExtractionPath

    public init(
        title: String, author: String? = nil, publishedAt: Date? = nil, siteName: String? = nil,
        language: String? = nil, leadImage: String? = nil, canonicalURL: String? = nil,
        description: String? = nil, blocks: [Block], path: ExtractionPath = .page
    ) {
        self.title = title
        self.author = author
        self.publishedAt = publishedAt
        self.siteName = siteName
        self.language = language
        self.leadImage = leadImage
        self.canonicalURL = canonicalURL
        self.description = description
        self.blocks = blocks
        self.path = path
    }

    /// Plain text of the body, one block per line, for scoring and prompts.
    public var plainText: String { blocks.map(\.plainText).joined(separator: "\n") }
}
