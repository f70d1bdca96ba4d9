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
        let declared = CharsetDeclaration.find(in: data)
        let hasHighBytes = data.contains { $0 >= 0x80 }
        if String(validating: data, as: UTF8.self) != nil, declared == nil || hasHighBytes { return utf8 }
        if let declared { return declared }
        return japaneseGuess(data) ?? latin1
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
