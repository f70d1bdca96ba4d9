import Foundation

/// Whether text is written in the edition's language. Only Japanese is checked so far: other
/// editions pass until they have a check of their own.
enum LanguageCheck {
    /// Share of Japanese characters among letters that a long Japanese text reaches even when it
    /// names many products in Latin script.
    static let minimumJapaneseShare = 0.3
    /// Below this many letters a text may be mostly a name ("NVIDIA、Blackwellを発表"): one
    /// Japanese character is enough.
    static let shortTextLetters = 40

    static func isJapanese(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x309F, 0x30A0...0x30FF, 0x4E00...0x9FFF, 0x3400...0x4DBF, 0xFF66...0xFF9F: return true
        default: return false
        }
    }

    /// The share of `text`'s letters written in the script of `languageCode`; nil when the text
    /// has no letters or the language has no check.
    static func share(of text: String, languageCode: String) -> Double? {
        guard languageCode == "ja" else { return nil }
        let (japanese, letters) = letterCounts(text)
        return letters == 0 ? nil : Double(japanese) / Double(letters)
    }

    /// Japanese characters, and letters of any script (Japanese ones included).
    private static func letterCounts(_ text: String) -> (japanese: Int, letters: Int) {
        var japanese = 0
        var letters = 0
        for scalar in text.unicodeScalars {
            if isJapanese(scalar) {
                japanese += 1
                letters += 1
            } else if scalar.properties.isAlphabetic {
                letters += 1
            }
        }
        return (japanese, letters)
    }

    /// Nil when the text is in `languageCode`, else the reason. With `shortTextMayBeLatin`, a short
    /// text with no Japanese at all passes too: a translated list of product names or a reference
    /// rightly stays in Latin script.
    static func problem(in text: String, languageCode: String, shortTextMayBeLatin: Bool = false) -> String? {
        guard languageCode == "ja" else { return nil }
        let (japanese, letters) = letterCounts(text)
        if shortTextMayBeLatin && letters <= shortTextLetters { return nil }
        if japanese == 0 { return "it is not written in Japanese" }
        if letters > shortTextLetters && Double(japanese) / Double(letters) < minimumJapaneseShare {
            return "it is mostly not Japanese (\(japanese) of \(letters) letters)"
        }
        return nil
    }
}
