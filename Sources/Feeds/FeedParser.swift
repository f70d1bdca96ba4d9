import CLibXML2
import Foundation

/// Turns feed bytes into a `ParsedFeed`, whichever format they are in: RSS, RDF, Atom or JSON Feed.
public enum FeedParser {
    static let atomNamespace = "http://www.w3.org/2005/Atom"
    static let atom03Namespace = "http://purl.org/atom/ns#"
    static let rdfNamespace = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let contentNamespace = "http://purl.org/rss/1.0/modules/content/"
    static let dublinCoreNamespace = "http://purl.org/dc/elements/1.1/"
    static let xhtmlNamespace = "http://www.w3.org/1999/xhtml"

    public static func parse(_ data: Data, baseURL: URL?) throws(FeedParseError) -> ParsedFeed {
        guard let first = data.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else {
            throw .emptyDocument
        }
        if first == UInt8(ascii: "{") { return try JSONFeed.parse(data, baseURL: baseURL) }
        let tree = try XMLTree(data, baseURL: baseURL)
        let root = tree.root
        switch (root.name, root.namespace) {
        case ("rss", _):
            return RSS.parse(root, format: .rss)
        case ("RDF", rdfNamespace?):
            return RSS.parse(root, format: .rdf)
        case ("feed", atomNamespace?), ("feed", atom03Namespace?), ("feed", nil):
            return Atom.parse(root)
        default:
            throw .notAFeed(root: root.name)
        }
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

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A stable id for an entry that has none: FNV-1a over the given parts.
    static func hashID(_ parts: [String]) -> String {
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
