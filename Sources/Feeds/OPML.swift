import CLibXML2
import Foundation
import KawarabanCore

/// One feed an OPML file lists.
public struct OPMLEntry: Sendable, Hashable {
    /// The feed itself (`xmlUrl`).
    public var feedURL: String
    /// The site the feed belongs to (`htmlUrl`).
    public var siteURL: String?
    /// `title`, else `text`.
    public var title: String?
    /// The outline's `type`: "rss" for feeds; other readers' and our own kinds pass through.
    public var type: String?
    /// OPML 2.0's `category`: comma-separated, slash-delimited categories.
    public var category: String?

    public init(feedURL: String, siteURL: String? = nil, title: String? = nil, type: String? = nil, category: String? = nil) {
        self.feedURL = feedURL
        self.siteURL = siteURL
        self.title = title
        self.type = type
        self.category = category
    }
}

/// A subscription list, as feed readers exchange them.
public struct OPMLDocument: Sendable, Hashable {
    public var title: String?
    /// In document order, folders flattened.
    public var entries: [OPMLEntry]
    /// Outlines without children that name no feed (`xmlUrl`): notes, links, empty folders.
    public var ignoredOutlines: Int

    public init(title: String?, entries: [OPMLEntry], ignoredOutlines: Int = 0) {
        self.title = title
        self.entries = entries
        self.ignoredOutlines = ignoredOutlines
    }
}

public enum OPMLError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(limit: Int)
    case unreadable(FeedParseError)
    case notOPML(root: String)
    case missingBody
    case tooDeep(limit: Int)
    case tooManyOutlines(limit: Int)

    public var description: String {
        switch self {
        case .tooLarge(let limit): return "the OPML file is larger than \(limit) bytes"
        case .unreadable(let error): return "the OPML file cannot be read: \(error)"
        case .notOPML(let root): return "the root element <\(root)> is not <opml>"
        case .missingBody: return "the OPML file has no <body>"
        case .tooDeep(let limit): return "outlines are nested more than \(limit) levels deep"
        case .tooManyOutlines(let limit): return "the OPML file has more than \(limit) outlines"
        }
    }
}

/// OPML 1.0 and 2.0 subscription lists: read through libxml2 without external entities or
/// network access, and written as OPML 2.0.
public enum OPML {
    /// Subscription lists are a few hundred kilobytes at most; anything far larger is not one.
    public static let maximumBytes = 8 * 1024 * 1024
    /// Readers nest folders two or three deep.
    public static let maximumDepth = 32
    public static let maximumOutlines = 50_000

    /// Read the way feeds are (`XMLTree`): entities a list declares for itself are never expanded.
    public static func parse(_ data: Data, budget: ParseBudget = .standard) throws(OPMLError) -> OPMLDocument {
        guard data.count <= maximumBytes else { throw .tooLarge(limit: maximumBytes) }
        let meter = BudgetMeter(budget)
        let tree: XMLTree
        do {
            tree = try XMLTree(utf8: TextDecoding.utf8Bytes(data, contentType: nil).bytes, meter: meter)
        } catch {
            throw .unreadable(error)
        }
        let root = tree.root
        guard root.name.lowercased() == "opml" else { throw .notOPML(root: root.name) }
        guard let body = root.child("body") else { throw .missingBody }
        var reader = OutlineReader(meter: meter)
        try reader.read(body.children("outline"), depth: 1)
        let title = root.child("head")?.child("title")?.trimmedText
        return OPMLDocument(title: title, entries: reader.entries, ignoredOutlines: reader.ignored)
    }

    /// An OPML 2.0 document listing `entries` under `title`.
    public static func document(title: String, entries: [OPMLEntry]) -> String {
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<opml version="2.0">"#,
            "  <head>",
            "    <title>\(XMLEscaping.escape(title))</title>",
            "  </head>",
            "  <body>",
        ]
        for entry in entries {
            var attributes = [("type", entry.type ?? "rss")]
            if let title = entry.title {
                attributes.append(("text", title))
                attributes.append(("title", title))
            } else {
                attributes.append(("text", entry.feedURL))
            }
            attributes.append(("xmlUrl", entry.feedURL))
            if let siteURL = entry.siteURL { attributes.append(("htmlUrl", siteURL)) }
            if let category = entry.category { attributes.append(("category", category)) }
            let rendered = attributes.map { #"\#($0.0)="\#(XMLEscaping.escape($0.1))""# }.joined(separator: " ")
            lines.append("    <outline \(rendered)/>")
        }
        lines += ["  </body>", "</opml>", ""]
        return lines.joined(separator: "\n")
    }
}

/// Walks nested outlines depth-first, so entries keep the file's order.
private struct OutlineReader {
    let meter: BudgetMeter
    var entries: [OPMLEntry] = []
    var ignored = 0
    private var seen = 0

    init(meter: BudgetMeter) {
        self.meter = meter
    }

    mutating func read(_ outlines: [XMLElement], depth: Int) throws(OPMLError) {
        guard depth <= OPML.maximumDepth else { throw .tooDeep(limit: OPML.maximumDepth) }
        for outline in outlines {
            seen += 1
            guard seen <= OPML.maximumOutlines else { throw .tooManyOutlines(limit: OPML.maximumOutlines) }
            do { try meter.check() } catch { throw .unreadable(error) }
            let nested = outline.children("outline")
            if let feedURL = Self.value(outline, "xmlUrl") {
                entries.append(OPMLEntry(
                    feedURL: feedURL, siteURL: Self.value(outline, "htmlUrl"),
                    title: Self.value(outline, "title") ?? Self.value(outline, "text"),
                    type: Self.value(outline, "type"), category: Self.value(outline, "category")))
            } else if nested.isEmpty {
                ignored += 1
            }
            try read(nested, depth: depth + 1)
        }
    }

    /// An attribute's trimmed value; some exporters write xmlURL or xmlurl, so case is ignored.
    private static func value(_ outline: XMLElement, _ name: String) -> String? {
        var attribute = outline.node.pointee.properties
        while let current = attribute {
            if String(cString: current.pointee.name).caseInsensitiveCompare(name) == .orderedSame,
               let raw = xmlNodeListGetString(outline.node.pointee.doc, current.pointee.children, 1) {
                defer { kawaraban_xml_free(raw) }
                let trimmed = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
                return trimmed.isEmpty ? nil : trimmed
            }
            attribute = current.pointee.next
        }
        return nil
    }
}
