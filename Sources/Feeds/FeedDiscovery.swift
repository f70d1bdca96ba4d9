import CLibXML2
import Foundation
import KawarabanCore

/// A feed a web page points to.
public struct AnnouncedFeed: Sendable, Hashable {
    /// Absolute when the page's URL or a base made it so.
    public var url: String
    public var title: String?
    /// The media type the page declared, lower-cased, without parameters.
    public var type: String

    public init(url: String, title: String?, type: String) {
        self.url = url
        self.title = title
        self.type = type
    }
}

/// Finds the feeds a site's page announces with `<link rel="alternate" type="…">`, the way
/// browsers and feed readers do; YouTube channel pages announce their RSS feed this way too.
public enum FeedDiscovery {
    public static let feedTypes: Set<String> = [
        "application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
    ]
    /// Deeper markup is not read: real pages keep their links in the head or near the top,
    /// hostile pages nest forever. Below libxml2's own limit (256), so that this one is ours.
    public static let maximumDepth = 128

    private static let htmlOptions = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue
                                           | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue
                                           | HTML_PARSE_IGNORE_ENC.rawValue)
    private static let initialised: Void = { xmlInitParser() }()

    /// The page's feed links in document order, each URL once, resolved against the page's
    /// URL, its `<base href>` and any `xml:base` on the way down. A page is read up to its first
    /// tag over the prescan's limits (`MarkupPrescan`): feed links stand near the top, and libxml2's
    /// HTML parser checks attributes against each other in quadratic time. HTML's parser reads
    /// no entity declarations, so nothing a page declares is ever expanded.
    public static func feeds(inPage data: Data, url pageURL: URL?) -> [AnnouncedFeed] {
        _ = initialised
        // Decoded the way feeds and articles are; libxml2 is then told UTF-8 and ignores the page's <meta charset>.
        let utf8 = TextDecoding.utf8Bytes(data, contentType: nil).bytes
        let readable = MarkupPrescan.htmlPrefixWithinLimits(utf8)
        guard readable > 0, readable <= Int32.max else { return [] }
        let parsed: htmlDocPtr? = utf8.withUnsafeBytes { bytes in
            htmlReadMemory(bytes.bindMemory(to: CChar.self).baseAddress, Int32(readable), pageURL?.absoluteString,
                           "UTF-8", htmlOptions)
        }
        guard let document = parsed else { return [] }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return [] }

        var documentBase = pageURL
        if let base = firstElement(named: "base", withAttribute: "href", under: root) {
            documentBase = URL(string: resolve(base, against: pageURL))
        }
        var links: [AnnouncedFeed] = []
        var seen: Set<String> = []
        // libxml2's HTML parser folds tag names to lower case.
        walk(root, base: documentBase) { element, base in
            if XMLElement(node: element).name == "link", let link = feedLink(element, base: base),
               seen.insert(link.url).inserted {
                links.append(link)
            }
            return true
        }
        return links
    }

    private static func feedLink(_ element: xmlNodePtr, base: URL?) -> AnnouncedFeed? {
        guard let rel = attribute(element, "rel"),
              rel.lowercased().split(whereSeparator: \.isWhitespace).contains("alternate"),
              let declared = attribute(element, "type"),
              let href = attribute(element, "href")
        else { return nil }
        let type = declared.split(separator: ";", maxSplits: 1).first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard feedTypes.contains(type) else { return nil }
        let title = attribute(element, "title")
        return AnnouncedFeed(url: resolve(href, against: base), title: title, type: type)
    }

    /// Elements in document order, each with the base URL in force inside it, until `visit` answers false.
    private static func walk(_ root: xmlNodePtr, base: URL?, visit: (xmlNodePtr, URL?) -> Bool) {
        var stack: [(node: xmlNodePtr, base: URL?, depth: Int)] = [(root, base, 1)]
        while let (node, inheritedBase, depth) = stack.popLast() {
            var base = inheritedBase
            if let xmlBase = attribute(node, "xml:base") {
                base = URL(string: resolve(xmlBase, against: inheritedBase))
            }
            guard visit(node, base) else { return }
            guard depth < maximumDepth else { continue }
            for child in XMLElement(node: node).elements.reversed() { stack.append((child.node, base, depth + 1)) }
        }
    }

    private static func firstElement(named name: String, withAttribute attributeName: String,
                                     under root: xmlNodePtr) -> String? {
        var found: String?
        walk(root, base: nil) { element, _ in
            guard XMLElement(node: element).name == name else { return true }
            found = attribute(element, attributeName)
            return found == nil
        }
        return found
    }

    /// A trimmed, non-empty attribute value.
    private static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let value = XMLElement(node: node).attribute(name) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    private static func resolve(_ reference: String, against base: URL?) -> String {
        guard let base, let url = URL(string: reference, relativeTo: base) else { return reference }
        return url.absoluteString
    }
}
