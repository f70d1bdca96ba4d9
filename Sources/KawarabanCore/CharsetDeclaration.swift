import Foundation

/// The charset a document declares about itself near its top: an XML declaration's encoding,
/// else a `<meta charset>` or an `http-equiv` content type. Read from the bytes directly, so it
/// costs next to nothing per document.
public enum CharsetDeclaration {
    /// How far into a document the declaration is looked for.
    public static let window = 4096

    /// The declared name, lower-case, or nil when there is none. A name we cannot decode with
    /// is passed over, as if it were not there.
    public static func find(in data: Data) -> String? {
        let head = Array(data.prefix(window))
        return xmlDeclarationEncoding(head).flatMap { TextDecoding.isKnown($0) ? $0 : nil } ?? metaCharset(head)
    }

    /// `<?xml version="1.0" encoding="shift_jis"?>`, which may only stand at the very start.
    static func xmlDeclarationEncoding(_ head: [UInt8]) -> String? {
        let start = head.firstIndex { !isSpace($0) } ?? head.endIndex
        guard head[start...].starts(with: Array("<?xml".utf8)) else { return nil }
        let declaration = Array(head[..<(firstIndex(of: Array("?>".utf8), in: head, from: start) ?? head.endIndex)])
        guard let keyword = firstIndex(of: Array("encoding".utf8), in: declaration, from: start) else { return nil }
        return value(after: keyword + 8, in: declaration)
    }

    /// `charset=` anywhere in the window: `<meta charset="…">` and `content="text/html; charset=…"`.
    static func metaCharset(_ head: [UInt8]) -> String? {
        let lowered = head.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        var from = 0
        while let keyword = firstIndex(of: Array("charset".utf8), in: lowered, from: from) {
            if let name = value(after: keyword + 7, in: lowered), TextDecoding.isKnown(name) { return name }
            from = keyword + 7
        }
        return nil
    }

    /// The name after `=`, quoted or not.
    private static func value(after index: Int, in bytes: [UInt8]) -> String? {
        var cursor = index
        while cursor < bytes.count, isSpace(bytes[cursor]) { cursor += 1 }
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else { return nil }
        cursor += 1
        while cursor < bytes.count, isSpace(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'") {
            cursor += 1
        }
        let start = cursor
        while cursor < bytes.count, isNameByte(bytes[cursor]) { cursor += 1 }
        guard cursor > start else { return nil }
        return String(decoding: bytes[start..<cursor], as: UTF8.self).lowercased()
    }

    private static func firstIndex(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        var index = max(start, 0)
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0] && bytes[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
    }
}
