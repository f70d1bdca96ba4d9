import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Bytes from the web as text, for pages and feeds alike. The charset is chosen in this order of
/// trust: a byte-order mark, the HTTP Content-Type charset, the XML declaration, a `<meta charset>`,
/// and, when nothing is declared, what the bytes look like (UTF-8, Shift_JIS, EUC-JP, else
/// windows-1252; 7-bit text with ISO-2022-JP's escapes is ISO-2022-JP). A label we cannot decode
/// (`euc_jp`, `iso2022_jp`, a typo) counts as no declaration, so the next one, or sniffing,
/// decides. One exception overrides every label: bytes that are valid UTF-8 and hold multibyte
/// sequences are UTF-8, since servers mislabel far more often than UTF-8 happens by chance.
/// Undecodable bytes become U+FFFD; nothing here fails.
public enum TextDecoding {
    public static let utf8 = "utf-8"

    /// The text, with the charset chosen as above.
    public static func decode(_ data: Data, contentType: String?) -> String {
        String(decoding: utf8Bytes(data, contentType: contentType).bytes, as: UTF8.self)
    }

    /// The document re-encoded as valid UTF-8 (without a byte-order mark), and the charset it was
    /// read in, lower-case. Valid UTF-8 comes back as the same bytes, without a copy.
    public static func utf8Bytes(_ data: Data, contentType: String?) -> (bytes: Data, charset: String) {
        if let (bom, charset) = byteOrderMark(data) {
            let body = data.dropFirst(bom)
            return charset == utf8 ? (validUTF8(Data(body)), utf8) : (convert(Data(body), from: charset), charset)
        }
        let label = contentType.flatMap(charset(inHeader:)).flatMap { isKnown($0) ? $0 : nil } ?? CharsetDeclaration.find(in: data)
        let content = classify(data)
        if content == .ascii && label == nil && hasISO2022JPEscape(data) { return (convert(data, from: iso2022JP), iso2022JP) }
        if content == .multibyte || content == .ascii && !(label.map { isSevenBitEncoding($0, of: data) } ?? false) {
            return (data, label.flatMap { content == .ascii ? canonical($0) : nil } ?? utf8)
        }
        let charset = label.map(canonical) ?? detectJapaneseOrWestern(data)
        if charset == utf8 { return (validUTF8(data), utf8) }
        return (convert(data, from: charset), charset)
    }

    /// The charset parameter of a Content-Type header value, without quotes, lower-case.
    public static func charset(inHeader value: String) -> String? {
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "charset" {
                let name = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"' ")).lowercased()
                return name.isEmpty ? nil : name
            }
        }
        return nil
    }

    /// Whether text in this charset can be read: a label we name ourselves, or one iconv knows.
    public static func isKnown(_ label: String) -> Bool {
        let name = canonical(label)
        if name == utf8 || windows1252Aliases.contains(name) { return true }
        let converter = iconv_open("UTF-8", name)
        guard converter != iconv_t(bitPattern: -1) else { return false }
        iconv_close(converter)
        return true
    }

    static let iso2022JP = "iso-2022-jp"

    /// ISO-2022-JP switches to JIS X 0208 with ESC $ B (or the older ESC $ @); 7-bit text in any
    /// other charset has no reason to hold either.
    private static func hasISO2022JPEscape(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard let base = bytes.baseAddress else { return false }
            var index = 0
            while index + 2 < bytes.count, let escape = memchr(base + index, 0x1B, bytes.count - index) {
                index = UnsafePointer<UInt8>(escape.assumingMemoryBound(to: UInt8.self)) - base
                if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "$"),
                   bytes[index + 2] == UInt8(ascii: "B") || bytes[index + 2] == UInt8(ascii: "@") { return true }
                index += 1
            }
            return false
        }
    }

    /// Labels by the name we decode with: GB2312 is read as its superset GB18030, and the
    /// usual spellings of UTF-8 and Shift_JIS are one name each.
    static func canonical(_ label: String) -> String {
        switch label.lowercased() {
        case "utf8", "utf-8", "unicode-1-1-utf-8": return utf8
        case "gb2312", "gbk", "x-gbk", "gb_2312-80": return "gb18030"
        case "sjis", "shift-jis", "x-sjis", "ms_kanji", "csshiftjis": return "shift_jis"
        case "x-euc-jp", "eucjp": return "euc-jp"
        case let other: return other
        }
    }

    /// Whether 7-bit bytes under this label are not ASCII: ISO-2022-JP and its kind escape into
    /// other sets, and UTF-16 without a byte-order mark is 7-bit with NULs between. Any other label
    /// reads 7-bit bytes as ASCII, so they need no conversion.
    private static func isSevenBitEncoding(_ label: String, of data: Data) -> Bool {
        let lowered = label.lowercased()
        if lowered.hasPrefix("iso-2022") || lowered.hasPrefix("utf-7") || lowered.hasPrefix("hz") { return true }
        return (lowered.hasPrefix("utf-16") || lowered.hasPrefix("utf-32")) && data.prefix(CharsetDeclaration.window).contains(0)
    }

    /// A byte-order mark, or UTF-16 without one that starts the way XML must ("<?").
    private static func byteOrderMark(_ data: Data) -> (length: Int, charset: String)? {
        let head = Array(data.prefix(4))
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { return (3, utf8) }
        if head.starts(with: [0xFF, 0xFE]) { return (2, "utf-16le") }
        if head.starts(with: [0xFE, 0xFF]) { return (2, "utf-16be") }
        if head == [0x3C, 0x00, 0x3F, 0x00] { return (0, "utf-16le") }
        if head == [0x00, 0x3C, 0x00, 0x3F] { return (0, "utf-16be") }
        return nil
    }

    private enum UTF8Content { case ascii, multibyte, invalid }

    /// Whether the bytes are 7-bit, valid UTF-8 with multibyte sequences, or not UTF-8 at all.
    private static func classify(_ data: Data) -> UTF8Content {
        data.withUnsafeBytes { raw -> UTF8Content in
            let bytes = raw.bindMemory(to: UInt8.self)
            var index = 0
            var sawMultibyte = false
            let count = bytes.count
            while index < count {
                // Eight ASCII bytes at a time: the common case in markup.
                if index + 8 <= count, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
                let lead = bytes[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                // The second byte's range depends on the lead (no overlong forms, surrogates or
                // scalars past U+10FFFF); any further byte is a plain continuation byte.
                let length: Int
                var secondRange: ClosedRange<UInt8> = 0x80...0xBF
                switch lead {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; secondRange = 0xA0...0xBF
                case 0xED: length = 3; secondRange = 0x80...0x9F
                case 0xE1...0xEF: length = 3
                case 0xF0: length = 4; secondRange = 0x90...0xBF
                case 0xF4: length = 4; secondRange = 0x80...0x8F
                case 0xF1...0xF3: length = 4
                default: return .invalid
                }
                guard index + length <= count, secondRange.contains(bytes[index + 1]) else { return .invalid }
                if length > 2 && bytes[index + 2] & 0xC0 != 0x80 || length > 3 && bytes[index + 3] & 0xC0 != 0x80 {
                    return .invalid
                }
                sawMultibyte = true
                index += length
            }
            return sawMultibyte ? .multibyte : .ascii
        }
    }

    /// UTF-8 with any invalid sequence replaced by U+FFFD.
    private static func validUTF8(_ data: Data) -> Data {
        classify(data) == .invalid ? Data(String(decoding: data, as: UTF8.self).utf8) : data
    }

    /// Japanese legacy text has a shape: EUC-JP uses only bytes from 0xA1 up (and 0x8E/0x8F
    /// prefixes) in pairs, Shift_JIS leads with 0x81–0x9F or 0xE0–0xFC, and Japanese prose is never
    /// without kana (EUC-JP pairs led by 0xA4/0xA5, Shift_JIS by 0x82/0x83), which keeps a stray
    /// windows-1252 quote from passing for a kanji. What is neither is taken for windows-1252, the
    /// usual charset of undeclared Western text.
    static func detectJapaneseOrWestern(_ data: Data) -> String {
        if isValidEUCJP(data) { return "euc-jp" }
        if isValidShiftJIS(data) { return "shift_jis" }
        return "windows-1252"
    }

    private static func isValidEUCJP(_ data: Data) -> Bool {
        var iterator = data.makeIterator()
        var sawKana = false
        while let byte = iterator.next() {
            switch byte {
            case 0x00..<0x80: continue
            case 0x8E:
                guard let trail = iterator.next(), (0xA1...0xDF).contains(trail) else { return false }
            case 0x8F:
                guard let first = iterator.next(), let second = iterator.next(),
                      (0xA1...0xFE).contains(first), (0xA1...0xFE).contains(second) else { return false }
            case 0xA1...0xFE:
                guard let trail = iterator.next(), (0xA1...0xFE).contains(trail) else { return false }
                sawKana = sawKana || byte == 0xA4 || byte == 0xA5
            default: return false
            }
        }
        return sawKana
    }

    private static func isValidShiftJIS(_ data: Data) -> Bool {
        var iterator = data.makeIterator()
        var sawKana = false
        while let byte = iterator.next() {
            switch byte {
            case 0x00..<0x80, 0xA1...0xDF: continue
            case 0x81...0x9F, 0xE0...0xFC:
                guard let trail = iterator.next(), (0x40...0x7E).contains(trail) || (0x80...0xFC).contains(trail)
                else { return false }
                sawKana = sawKana || byte == 0x82 || byte == 0x83
            default: return false
            }
        }
        return sawKana
    }

    private static let windows1252Aliases: Set<String> = ["iso-8859-1", "latin1", "us-ascii", "ascii", "iso_8859-1"]

    /// iconv knows every charset the web uses, EUC-JP included, which Foundation on Linux does not.
    /// ISO-8859-1 and US-ASCII are read as windows-1252, which agrees with them on every byte they
    /// define and gives the curly quotes servers send under those labels their meaning (as browsers do).
    static func convert(_ data: Data, from charset: String) -> Data {
        let source = windows1252Aliases.contains(charset) ? "windows-1252" : charset
        let converter = iconv_open("UTF-8", source)
        guard converter != iconv_t(bitPattern: -1) else { return validUTF8(data) }
        defer { iconv_close(converter) }
        var input = data.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: data.count * 4 + 16)
        var result = Data()
        input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer = inputBuffer.baseAddress
                var inLeft = inputBuffer.count
                while inLeft > 0 {
                    var outPointer = outputBuffer.baseAddress
                    var outLeft = outputBuffer.count
                    let status = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                    let produced = outputBuffer.count - outLeft
                    result.append(UnsafeRawBufferPointer(start: outputBuffer.baseAddress, count: produced).bindMemory(to: UInt8.self))
                    if status == -1 {
                        if errno == E2BIG { continue }
                        // An invalid byte: mark it and go on, so one bad byte never loses the page.
                        guard errno == EILSEQ || errno == EINVAL, inLeft > 0 else { break }
                        result.append(contentsOf: Array("\u{FFFD}".utf8))
                        inPointer = inPointer?.advanced(by: 1)
                        inLeft -= 1
                    }
                }
            }
        }
        return result
    }
}
