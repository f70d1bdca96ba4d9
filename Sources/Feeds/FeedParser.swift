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
    public static func parse(_ data: Data, baseURL: URL?, contentType: String? = nil,
                             contentLanguage: String? = nil) throws(FeedParseError) -> ParsedFeed {
        let (utf8, charset) = TextDecoding.utf8Bytes(data, contentType: contentType)
        guard let first = utf8.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else {
            throw .emptyDocument
        }
        let context = FeedContext(documentURL: baseURL?.absoluteString,
                                  contentLanguage: contentLanguage.flatMap(FeedContext.languageTag))
        var feed: ParsedFeed
        if first == UInt8(ascii: "{") {
            feed = try JSONFeed.parse(utf8, context: context)
        } else {
            let tree = try XMLTree(utf8: utf8)
            let root = tree.root
            switch (root.name, root.namespace) {
            case ("rss", _):
                feed = RSS.parse(root, format: .rss, context: context)
            case ("RDF", FeedNamespace.rdf?):
                feed = RSS.parse(root, format: .rdf, context: context)
            // Atom 0.3 feeds appear under invented namespaces too; the root's name is what counts.
            case ("feed", _):
                feed = Atom.parse(root, context: context)
            default:
                throw .notAFeed(root: root.name)
            }
        }
        feed.charset = charset
        return feed
    }
}

/// The same text rules for every format.
enum FeedText {
    /// Plain text from a title that may carry markup or escaped entities: tags stripped,
    /// entities decoded, white space collapsed. A "<" that cannot open a tag ("1 < 2") is text.
    static func plain(_ text: String) -> String {
        var stripped = ""
        stripped.reserveCapacity(text.utf8.count)
        var remaining = Substring(text)
        while let open = remaining.firstIndex(of: "<") {
            stripped += remaining[..<open]
            let afterOpen = remaining.index(after: open)
            guard afterOpen < remaining.endIndex, opensTag(remaining[afterOpen]),
                  let close = remaining[afterOpen...].firstIndex(of: ">")
            else {
                stripped.append("<")
                remaining = remaining[afterOpen...]
                continue
            }
            remaining = remaining[remaining.index(after: close)...]
        }
        stripped += remaining
        return collapse(HTMLEntities.decode(stripped))
    }

    private static func opensTag(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character == "/" || character == "!" || character == "?")
    }

    /// Runs of white space (no-break spaces too) as one space, ends trimmed: a title on one line.
    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Whether text declared plain holds markup after all (RSS titles often carry escaped HTML):
    /// a closing tag, a line break or image tag, or a character reference.
    static func looksLikeHTML(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") {
            let rest = bytes[(index + 1)...].prefix(12)
            if byte == UInt8(ascii: "<") {
                if rest.first == UInt8(ascii: "/"), let letter = rest.dropFirst().first, isLetter(letter) { return true }
                if rest.starts(with: Array("br".utf8)) || rest.starts(with: Array("img".utf8)) { return true }
            } else if let semicolon = rest.firstIndex(of: UInt8(ascii: ";")), semicolon > rest.startIndex,
                      rest[..<semicolon].allSatisfy({ isLetter($0) || $0 == UInt8(ascii: "#") || (0x30...0x39).contains($0) }) {
                return true
            }
        }
        return false
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }

    /// Characters U+0080–U+009F are C1 controls that no feed means; they come from numeric references
    /// like `&#146;` written by windows-1252 tools, so they are read as windows-1252, as browsers do.
    static func replacingC1Controls(_ text: String) -> String {
        let bytes = text.utf8
        guard bytes.contains(0xC2), text.unicodeScalars.contains(where: { (0x80...0x9F).contains($0.value) }) else { return text }
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

    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") })
        else { return text }
        return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func escapeAttribute(_ text: String) -> String {
        escape(text).replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A stable id for an entry that has none: FNV-1a over its link, else over its title and date.
    static func hashID(link: String?, title: String, date: Date?) -> String {
        let parts = link.map { [$0] } ?? [title, date?.description ?? ""]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in parts.joined(separator: "\u{1F}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "urn:kawaraban:" + String(hash, radix: 16)
    }
}

/// Decodes the HTML character references that survive XML parsing in escaped titles.
enum HTMLEntities {
    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "&", let semicolon = text[index...].prefix(12).firstIndex(of: ";") else {
                result.append(character)
                index = text.index(after: index)
                continue
            }
            let name = text[text.index(after: index)..<semicolon]
            if let decoded = decodeReference(name) {
                result += decoded
                index = text.index(after: semicolon)
            } else {
                result.append(character)
                index = text.index(after: index)
            }
        }
        return result
    }

    private static func decodeReference(_ name: Substring) -> String? {
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
        }
        if name.hasPrefix("#") {
            return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
        }
        if name == "apos" { return "'" }
        // libxml2's HTML table covers every name HTML 4 defines.
        guard let description = htmlEntityLookup(String(name)) else { return nil }
        return Unicode.Scalar(description.pointee.value).map { String($0) }
    }
}
