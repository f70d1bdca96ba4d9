import Foundation

/// What every format reads the same way, given where the document came from: text constructs with
/// their language and base, links made absolute, people, dates.
struct FeedContext {
    /// The document's own URL, the base of everything relative in it.
    let documentURL: String?
    /// The HTTP Content-Language, the language of whatever declares none.
    let contentLanguage: String?
    /// The document's budget.
    let meter: BudgetMeter
    /// Bases already worked out, by element: every entry asks again for its feed's.
    private let bases = BaseCache()

    init(documentURL: String?, contentLanguage: String?, meter: BudgetMeter) {
        self.documentURL = documentURL
        self.contentLanguage = contentLanguage
        self.meter = meter
    }

    /// How many entries are read between two looks at the budget's clock.
    static let entriesBetweenBudgetChecks = 16

    /// Each entry read, the budget checked now and then.
    func entries<Entry>(_ elements: [XMLElement], _ read: (XMLElement) -> Entry) throws(FeedParseError) -> [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            if index % Self.entriesBetweenBudgetChecks == 0 { try meter.check() }
            entries.append(read(element))
        }
        return entries
    }

    private final class BaseCache {
        var byNode: [UnsafeMutableRawPointer: String?] = [:]
    }

    /// The base URL in force at `element`: every xml:base from the root down, each resolved against
    /// the one above it, starting from the document's own URL. A base that is not http(s) is
    /// ignored, so no `javascript:` or `data:` base can turn the feed's relative links into scripts.
    func base(at element: XMLElement) -> String? {
        let key = UnsafeMutableRawPointer(element.node)
        if let known = bases.byNode[key] { return known }
        let inherited = element.parent.map(base(at:)) ?? documentURL
        var base = inherited
        if let declared = element.declaredBase {
            let resolved = inherited.map { URLReference.resolve(declared, against: $0) } ?? FeedText.trim(declared)
            let scheme = URLReference.scheme(of: resolved)?.lowercased()
            if scheme == "http" || scheme == "https" { base = resolved }
        }
        bases.byNode[key] = base
        return base
    }

    /// A text construct: Atom 1.0's `type` ("text", "html", "xhtml" or a media type), Atom 0.3's
    /// `type` plus `mode` ("xml", "escaped", "base64"), or `defaultType` for an RSS element.
    func text(_ element: XMLElement, defaultType: String = TextConstruct.plainType) -> TextConstruct {
        let declared = element.attribute("type").map { FeedText.trim($0).lowercased() }
        var type: String
        switch declared {
        case nil, "": type = defaultType
        case "text": type = TextConstruct.plainType
        case "html": type = TextConstruct.htmlType
        case "xhtml": type = TextConstruct.xhtmlType
        case let mediaType?: type = mediaType
        }
        let value: String
        if element.attribute("mode") == "base64" || Self.isBinary(type) {
            value = Self.base64Text(element) ?? ""
        } else if type == TextConstruct.xhtmlType || type.hasSuffix("+xml") && element.hasElementChildren {
            // Atom 1.0 wraps XHTML in a div that is not part of the content; in 0.3 the div is content.
            let wrapper = element.isIn(FeedNamespace.atom) ? element.child("div", namespace: FeedNamespace.xhtml) : nil
            value = FeedText.trim((wrapper ?? element).innerXML)
        } else if type == TextConstruct.plainType && !element.hasElementChildren {
            value = FeedText.trim(element.text)
        } else {
            // Markup where plain text was declared is markup all the same.
            if type == TextConstruct.plainType { type = TextConstruct.htmlType }
            value = element.markupOrText
        }
        let base = base(at: element)
        let resolved = base.map { base in type == TextConstruct.plainType ? value : HTMLReferences.resolve(value, against: base) }
        return TextConstruct(value: resolved ?? value, type: type, language: language(at: element), base: base)
    }

    /// Atom 1.0, 4.1.3.3: content of a media type that is neither text nor XML comes in base64;
    /// decoded bytes that are UTF-8 text are kept.
    private static func isBinary(_ type: String) -> Bool {
        FeedText.contains(type, UInt8(ascii: "/")) && !type.hasPrefix("text/") && !type.hasSuffix("+xml") && !type.hasSuffix("/xml")
    }

    private static func base64Text(_ element: XMLElement) -> String? {
        let encoded = element.text.filter { !$0.isWhitespace }
        guard let bytes = Data(base64Encoded: encoded) else { return nil }
        return String(validating: bytes, as: UTF8.self).map(FeedText.trim)
    }

    /// xml:lang in force, as a language tag; an empty xml:lang means none; else the HTTP header's.
    func language(at element: XMLElement) -> String? {
        guard let declared = element.declaredLanguage else { return contentLanguage }
        return Self.languageTag(declared)
    }

    /// "en_US" as the tag it means, "en-US"; nil for an empty one.
    static func languageTag(_ text: String) -> String? {
        let trimmed = FeedText.trim(text)
        let tag = FeedText.contains(trimmed, UInt8(ascii: "_")) ? trimmed.replacingOccurrences(of: "_", with: "-") : trimmed
        return tag.isEmpty ? nil : tag
    }

    /// A reference made absolute against the base in force at `element`.
    func resolve(_ reference: String, at element: XMLElement) -> String {
        let trimmed = FeedText.trim(reference)
        guard URLReference.scheme(of: trimmed) == nil, let base = base(at: element) else { return trimmed }
        return URLReference.resolve(trimmed, against: base)
    }

    /// An Atom person: name, email and uri (0.3 calls it url or homepage).
    func person(_ element: XMLElement) -> FeedPerson {
        let uri = (element.child("uri") ?? element.child("url") ?? element.child("homepage"))?.trimmedText
        return FeedPerson(name: element.child("name")?.trimmedText.map(FeedText.collapse),
                          email: element.child("email")?.trimmedText,
                          uri: uri.map { resolve($0, at: element) })
    }

    /// An Atom link element.
    func link(_ element: XMLElement) -> FeedLink? {
        guard let href = element.attribute("href") else { return nil }
        return FeedLink(href: resolve(href, at: element),
                        rel: element.attribute("rel").map(FeedText.trim).flatMap { $0.isEmpty ? nil : $0 } ?? FeedLink.alternate,
                        type: element.attribute("type"), title: element.attribute("title"),
                        hreflang: element.attribute("hreflang"), length: element.attribute("length").flatMap(Self.integer))
    }

    static func integer(_ text: String) -> Int? { Int(FeedText.trim(text)) }

    static func date(_ element: XMLElement?) -> Date? {
        element.flatMap { FeedDate.parse($0.text) }
    }

    /// The link a reader follows: the first alternate link of an HTML type, else the first alternate.
    static func alternate(in links: [FeedLink]) -> String? {
        let alternates = links.filter { $0.rel == FeedLink.alternate }
        return (alternates.first { $0.type.map(isHTML) ?? true } ?? alternates.first)?.href
    }

    private static func isHTML(_ type: String) -> Bool {
        type.hasPrefix("text/html") || type.hasPrefix("application/xhtml")
    }

    /// Enclosures from links with rel="enclosure".
    static func enclosures(in links: [FeedLink]) -> [Enclosure] {
        links.filter { $0.rel == FeedLink.enclosure }.map { Enclosure(url: $0.href, type: $0.type, length: $0.length) }
    }

    /// The first enclosure that is a picture, for entries without a Media RSS one.
    static func imageURL(in enclosures: [Enclosure]) -> String? {
        enclosures.first { $0.type?.hasPrefix("image/") == true }?.url
    }

    /// A picture for the entry from Media RSS: a thumbnail (in a media:group or not), else image content.
    func mediaImage(in element: XMLElement) -> String? {
        let group = element.child("group", namespace: FeedNamespace.media)
        for scope in [group, element].compactMap({ $0 }) {
            if let thumbnail = scope.child("thumbnail", namespace: FeedNamespace.media), let url = thumbnail.attribute("url") {
                return resolve(url, at: thumbnail)
            }
        }
        for scope in [group, element].compactMap({ $0 }) {
            for content in scope.children("content", namespace: FeedNamespace.media)
            where content.attribute("medium") == "image" || content.attribute("type")?.hasPrefix("image/") == true {
                if let url = content.attribute("url") { return resolve(url, at: content) }
            }
        }
        return nil
    }

    /// Media RSS's description of the entry (YouTube puts a video's description there), as plain text.
    func mediaDescription(in element: XMLElement) -> TextConstruct? {
        let group = element.child("group", namespace: FeedNamespace.media)
        guard let description = (group ?? element).child("description", namespace: FeedNamespace.media) else { return nil }
        let construct = text(description)
        return construct.value.isEmpty ? nil : construct
    }
}

/// The namespaces the formats are written in.
enum FeedNamespace {
    static let atom = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let rss10 = "http://purl.org/rss/1.0/"
    static let rss090 = "http://my.netscape.com/rdf/simple/0.9/"
    static let rssVariants = [rss10, rss090, "http://backend.userland.com/rss2", "http://blogs.law.harvard.edu/tech/rss"]
    static let content = "http://purl.org/rss/1.0/modules/content/"
    static let dublinCore = "http://purl.org/dc/elements/1.1/"
    static let dublinCoreTerms = "http://purl.org/dc/terms/"
    static let xhtml = "http://www.w3.org/1999/xhtml"
    static let xml = "http://www.w3.org/XML/1998/namespace"
    static let media = "http://search.yahoo.com/mrss/"
    static let youtube = "http://www.youtube.com/xml/schemas/2015"
    static let slash = "http://purl.org/rss/1.0/modules/slash/"
    static let itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd"
}
