import Foundation

/// Atom 1.0 (and the 0.3 drafts, which name the same elements).
enum Atom {
    static func parse(_ feed: XMLElement) -> ParsedFeed {
        ParsedFeed(
            format: .atom,
            title: feed.child("title").map(plainText) ?? "",
            link: alternateLink(feed),
            items: feed.children("entry").map(entry))
    }

    static func entry(_ element: XMLElement) -> ParsedItem {
        let link = alternateLink(element)
        let title = element.child("title").map(plainText) ?? ""
        let published = (element.child("published") ?? element.child("issued")).flatMap { FeedDate.parse($0.text) }
        let updated = (element.child("updated") ?? element.child("modified")).flatMap { FeedDate.parse($0.text) }
        return ParsedItem(
            id: element.child("id")?.trimmedText
                ?? FeedText.hashID(link.map { [$0] } ?? [title, (published ?? updated)?.description ?? ""]),
            title: title, link: link, published: published ?? updated, updated: updated,
            author: element.child("author")?.child("name")?.trimmedText,
            summary: element.child("summary").flatMap(markup),
            contentHTML: element.child("content").flatMap(markup),
            categories: element.children("category").compactMap { $0.attribute("term") ?? $0.trimmedText })
    }

    /// The rel="alternate" link (or the first link without a rel), resolved against xml:base.
    static func alternateLink(_ element: XMLElement) -> String? {
        let links = element.children("link")
        let chosen = links.first { ($0.attribute("rel") ?? "alternate") == "alternate" && $0.attribute("type").map(isHTML) != false }
            ?? links.first { ($0.attribute("rel") ?? "alternate") == "alternate" }
        return chosen?.attribute("href").map { chosen!.resolve($0) }
    }

    private static func isHTML(_ type: String) -> Bool {
        type.hasPrefix("text/html") || type.hasPrefix("application/xhtml")
    }

    /// A text construct or content as HTML: xhtml serialised, html as given, text escaped, and
    /// base64 (any other media type, or Atom 0.3's mode="base64") decoded when it is UTF-8 text.
    static func markup(_ element: XMLElement) -> String? {
        switch TextKind(element) {
        case .xhtml:
            let div = element.child("div") ?? element
            let inner = div.innerXML.trimmingCharacters(in: .whitespacesAndNewlines)
            return inner.isEmpty ? nil : inner
        case .html: return element.trimmedText
        case .base64: return base64Text(element)
        case .text: return element.trimmedText.map(escape)
        }
    }

    static func plainText(_ element: XMLElement) -> String {
        switch TextKind(element) {
        case .xhtml: return FeedText.plain(element.innerXML)
        case .html: return FeedText.plain(element.text)
        case .base64: return base64Text(element).map(FeedText.plain) ?? ""
        case .text: return FeedText.collapse(element.text)
        }
    }

    private enum TextKind {
        case text, html, xhtml, base64

        init(_ element: XMLElement) {
            let type = element.attribute("type") ?? "text"
            switch type {
            case "xhtml", "application/xhtml+xml": self = .xhtml
            case _ where element.attribute("mode") == "base64": self = .base64
            case "html", "text/html": self = .html
            // Atom 1.0 4.1.3.3: a media type that is neither text nor XML is carried in base64.
            case _ where type.contains("/") && !type.hasPrefix("text/") && !type.hasSuffix("+xml")
                && !type.hasSuffix("/xml"): self = .base64
            default: self = .text
            }
        }
    }

    private static func base64Text(_ element: XMLElement) -> String? {
        let encoded = element.text.filter { !$0.isWhitespace }
        guard let bytes = Data(base64Encoded: encoded) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
