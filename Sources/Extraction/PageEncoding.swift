import Foundation
import KawarabanCore

/// The charset to read a page's bytes in, when no HTTP header said.
///
/// Valid UTF-8 that uses multibyte sequences is UTF-8 whatever the page declares, since pages are
/// often re-saved as UTF-8 with their old declaration left in. Otherwise the declaration counts;
/// a page that declares nothing and is not UTF-8 is tried as the two Japanese legacy charsets,
/// whose byte patterns are strict enough to tell apart, and failing those read as Latin-1, which
/// accepts any byte, so that garbage still parses into something.
enum PageEncoding {
    static let utf8 = "UTF-8"
    static let latin1 = "ISO-8859-1"
    static let eucJP = "EUC-JP"
    static let shiftJIS = "Shift_JIS"

    /// A legacy guess needs this share of its non-ASCII bytes in valid multibyte sequences.
    static let minimumValidShare = 0.98

    static func detect(_ data: Data) -> String {
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { return utf8 }
        if data.starts(with: [0xFF, 0xFE]) { return "UTF-16LE" }
        if data.starts(with: [0xFE, 0xFF]) { return "UTF-16BE" }
        let (valid, hasMultibyte) = data.withUnsafeBytes(validateUTF8)
        if valid && hasMultibyte { return utf8 }
        // Plain 7-bit text follows its declaration, which matters for ISO-2022-JP.
        if let declared = CharsetDeclaration.find(in: data) { return declared }
        if valid { return utf8 }
        return japaneseGuess(data) ?? latin1
    }

    /// Whether the bytes are well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF),
    /// and whether any sequence is longer than one byte. Checked in place: pages can be megabytes.
    static func validateUTF8(_ bytes: UnsafeRawBufferPointer) -> (valid: Bool, hasMultibyte: Bool) {
        var index = 0
        var hasMultibyte = false
        let count = bytes.count
        while index < count {
            // Eight ASCII bytes at a time: most of a page is markup.
            if index + 8 <= count, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            hasMultibyte = true
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return (false, hasMultibyte)
            }
            guard index + length <= count, (lower...upper).contains(bytes[index + 1]) else { return (false, hasMultibyte) }
            for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[index + offset]) { return (false, hasMultibyte) }
            index += length
        }
        return (true, hasMultibyte)
    }

    /// EUC-JP or Shift_JIS when one of them explains nearly all the non-ASCII bytes.
    static func japaneseGuess(_ data: Data) -> String? {
        let euc = validShare(data, lead: isEUCLead, trail: { (0xA1...0xFE).contains($0) })
        let sjis = validShare(data, lead: isShiftJISLead, trail: { (0x40...0x7E).contains($0) || (0x80...0xFC).contains($0) })
        let best = euc >= sjis ? (eucJP, euc) : (shiftJIS, sjis)
        return best.1 >= minimumValidShare ? best.0 : nil
    }

    private static func isEUCLead(_ byte: UInt8) -> Bool { (0xA1...0xFE).contains(byte) || byte == 0x8E }
    private static func isShiftJISLead(_ byte: UInt8) -> Bool { (0x81...0x9F).contains(byte) || (0xE0...0xFC).contains(byte) }

    /// The share of non-ASCII bytes that sit in lead-trail pairs of the charset.
    private static func validShare(_ data: Data, lead: (UInt8) -> Bool, trail: (UInt8) -> Bool) -> Double {
        var valid = 0
        var invalid = 0
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte < 0x80 {
                    index += 1
                } else if lead(byte), index + 1 < bytes.count, trail(bytes[index + 1]) {
                    valid += 2
                    index += 2
                } else if (0xA1...0xDF).contains(byte) && !lead(byte) {
                    // Shift_JIS half-width katakana stand alone.
                    valid += 1
                    index += 1
                } else {
                    invalid += 1
                    index += 1
                }
            }
        }
        return valid + invalid == 0 ? 0 : Double(valid) / Double(valid + invalid)
    }
}
