import CLibXML2
import Foundation
import KawarabanCore

/// Turns feed bytes into a `ParsedFeed`, whichever format they are in: RSS 0.9x/2.0, RSS 1.0 (RDF),
/// Atom 0.3/1.0 (YouTube's channel feeds included) or JSON Feed 1.0/1.1.
public enum FeedParser {
    /// - Parameters:
    ///   - baseURL: where the document came from (after redirects, or its Content-Location), the base
    ///     of every relative link in it.
    ///   - contentType: the HTTP Content-Type, whose charset outranks the document's own declaration.
    ///   - contentLanguage: the HTTP Content-Language, the language of a feed that declares none.
    ///   - budget: the processor time the document may cost before it is refused.
    public static func parse(_ data: Data, baseURL: URL?, contentType: String? = nil, contentLanguage: String? = nil,
                             budget: ParseBudget = .standard) throws(FeedParseError) -> ParsedFeed {
        let meter = BudgetMeter(budget)
        let (utf8, charset) = TextDecoding.utf8Bytes(data, contentType: contentType)
        guard let first = utf8.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else {
            throw .emptyDocument
        }
        let context = FeedContext(documentURL: baseURL?.absoluteString,
                                  contentLanguage: contentLanguage.flatMap(FeedContext.languageTag), meter: meter)
        var feed: ParsedFeed
        if first == UInt8(ascii: "{") {
            feed = try JSONFeed.parse(utf8, context: context)
        } else {
            let tree = try XMLTree(utf8: utf8, meter: meter)
            let root = tree.root
            switch (root.name, root.namespace) {
            case ("rss", _):
                feed = try RSS.parse(root, format: .rss, context: context)
            case ("RDF", FeedNamespace.rdf?):
                feed = try RSS.parse(root, format: .rdf, context: context)
            // Atom 0.3 feeds appear under invented namespaces too; the root's name is what counts.
            case ("feed", _):
                feed = try Atom.parse(root, context: context)
            default:
                throw .notAFeed(root: root.name)
            }
        }
        feed.charset = charset
        return feed
    }
}

/// The same text rules for every format. They work on UTF-8 bytes: feeds are mostly ASCII markup,
/// and walking Characters would cost grapheme breaking on every byte.
enum FeedText {
    /// Plain text from a title that may carry markup or escaped entities: tags stripped,
    /// entities decoded, white space collapsed. A "<" that cannot open a tag ("1 < 2") is text.
    static func plain(_ text: String) -> String {
        guard contains(text, UInt8(ascii: "<")) else { return collapse(HTMLEntities.decode(text)) }
        let bytes = Array(text.utf8)
        // A "<" after the last ">" closes nothing; knowing where that is keeps the scan linear.
        let lastClose = bytes.lastIndex(of: UInt8(ascii: ">")) ?? -1
        var stripped: [UInt8] = []
        stripped.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<"), index < lastClose, opensTag(bytes[index + 1]),
               let close = bytes[(index + 1)...lastClose].firstIndex(of: UInt8(ascii: ">")) {
                index = close + 1
                continue
            }
            stripped.append(byte)
            index += 1
        }
        return collapse(HTMLEntities.decode(String(decoding: stripped, as: UTF8.self)))
    }

    private static func opensTag(_ byte: UInt8) -> Bool {
        isLetter(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?")
    }

    /// Whether the text holds this byte, found with memchr.
    static func contains(_ text: String, _ byte: UInt8) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let start = bytes.baseAddress else { return false }
            return memchr(start, Int32(byte), bytes.count) != nil
        }
    }

    /// Runs of white space (no-break and ideographic spaces too) as one space, ends trimmed: a title on one line.
    static func collapse(_ text: String) -> String {
        let scalars = text.unicodeScalars
        var previousWasSpace = true
        var needsWork = false
        for scalar in scalars {
            let space = isWhitespace(scalar)
            if space && (previousWasSpace || scalar != " ") { needsWork = true; break }
            previousWasSpace = space
        }
        if !needsWork && !previousWasSpace { return text }
        return scalars.split(whereSeparator: isWhitespace).map { String($0) }.joined(separator: " ")
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Whether text declared plain holds markup after all (RSS titles often carry escaped HTML):
    /// a tag, or a character reference. Anything that reads as a tag is taken for one, so a stray
    /// `<script>` in a title is dropped as markup rather than kept as text.
    static func looksLikeHTML(_ text: String) -> Bool {
        guard contains(text, UInt8(ascii: "<")) || contains(text, UInt8(ascii: "&")) else { return false }
        let bytes = Array(text.utf8)
        let lastClose = bytes.lastIndex(of: UInt8(ascii: ">")) ?? -1
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") {
            let rest = bytes[(index + 1)...].prefix(HTMLEntities.longestReference)
            if byte == UInt8(ascii: "<") {
                if let first = rest.first, opensTag(first), index < lastClose { return true }
            } else if let semicolon = rest.firstIndex(of: UInt8(ascii: ";")), semicolon > rest.startIndex,
                      rest[..<semicolon].allSatisfy({ isLetter($0) || $0 == UInt8(ascii: "#") || (0x30...0x39).contains($0) }) {
                return true
            }
        }
        return false
    }

    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }

    /// Characters U+0080–U+009F are C1 controls that no feed means; they come from numeric references
    /// like `&#146;` written by windows-1252 tools, so they are read as windows-1252, as browsers do.
    static func replacingC1Controls(_ text: String) -> String {
        // In UTF-8 every one of them starts with the byte 0xC2.
        guard contains(text, 0xC2), text.unicodeScalars.contains(where: { (0x80...0x9F).contains($0.value) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (0x80...0x9F).contains(scalar.value), let mapped = windows1252[Int(scalar.value - 0x80)] {
                scalars.append(mapped)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// windows-1252's characters for bytes 0x80–0x9F; nil where it leaves a byte undefined.
    private static let windows1252: [Unicode.Scalar?] = [
        "\u{20AC}", nil, "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
        "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", nil, "\u{017D}", nil,
        nil, "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
        "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", nil, "\u{017E}", "\u{0178}",
    ]

    /// ASCII white space trimmed from both ends.
    static func trim(_ text: String) -> String {
        let bytes = text.utf8
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        if first == bytes.startIndex && last == bytes.index(before: bytes.endIndex) { return text }
        return String(text[first...last])
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

    /// Text as HTML: &, < and > escaped.
    static func escape(_ text: String) -> String { escaping(text, quotes: false) }

    /// Text as an HTML attribute value in double quotes.
    static func escapeAttribute(_ text: String) -> String { escaping(text, quotes: true) }

    private static func escaping(_ text: String, quotes: Bool) -> String {
        let needsEscape = contains(text, UInt8(ascii: "&")) || contains(text, UInt8(ascii: "<")) || contains(text, UInt8(ascii: ">"))
            || quotes && contains(text, UInt8(ascii: "\""))
        guard needsEscape else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): output += Array("&amp;".utf8)
            case UInt8(ascii: "<"): output += Array("&lt;".utf8)
            case UInt8(ascii: ">"): output += Array("&gt;".utf8)
            case UInt8(ascii: "\"") where quotes: output += Array("&quot;".utf8)
            default: output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A stable id for an entry that has none: FNV-1a over its link, else over its title and date.
    static func hashID(link: String?, title: String, date: Date?) -> String {
        let parts = link.map { [$0] } ?? [title, date?.description ?? ""]
        return "urn:kawaraban:" + String(FNV1a.hash(parts.joined(separator: "\u{1F}")), radix: 16)
    }
}

/// Decodes the HTML character references that survive XML parsing in escaped titles.
enum HTMLEntities {
    /// The longest reference worth reading, `&thetasym;` and `&#x10FFFF;` included.
    static let longestReference = 12

    static func decode(_ text: String) -> String {
        guard FeedText.contains(text, UInt8(ascii: "&")) else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "&"),
               let semicolon = bytes[(index + 1)...].prefix(longestReference).firstIndex(of: UInt8(ascii: ";")),
               let scalar = decodeReference(bytes[(index + 1)..<semicolon]) {
                output += Array(String(scalar).utf8)
                index = semicolon + 1
            } else {
                output.append(byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func decodeReference(_ name: ArraySlice<UInt8>) -> Unicode.Scalar? {
        let text = String(decoding: name, as: UTF8.self)
        if text.hasPrefix("#x") || text.hasPrefix("#X") { return UInt32(text.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
        if text.hasPrefix("#") { return UInt32(text.dropFirst()).flatMap(Unicode.Scalar.init) }
        return HTMLEntityTable.scalar(named: name).flatMap(Unicode.Scalar.init)
    }
}
