import Foundation

/// What search compares: text folded the same way when it is stored and when it is asked for, in
/// Swift, so that SQLite and PostgreSQL only ever test whether one folded string contains another
/// and so find exactly the same items.
///
/// Folding works character by character (NFKC, then lowercase): full-width letters and digits
/// become ASCII, half-width katakana become full-width, `ＡＩ` and `ai` are the same term. Control
/// characters become spaces and invisible format characters disappear, so neither can hide a term.
/// Because each character folds on its own, the site can map a match in folded text back to the
/// characters a reader sees and highlight them.
public enum SearchFolding {
    public static func fold(_ text: String) -> String {
        var folded = String.UnicodeScalarView()
        for character in text {
            let scalars = character.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first, let unchanged = foldedAlone(scalar) {
                folded.append(unchanged)
            } else {
                folded.append(contentsOf: fold(character).unicodeScalars)
            }
        }
        return String(folded)
    }

    public static func fold(_ character: Character) -> String {
        let scalars = character.unicodeScalars
        if scalars.count == 1, let scalar = scalars.first {
            if let simple = foldedAlone(scalar) { return String(simple) }
            switch scalar.properties.generalCategory {
            case .control: return " "
            case .format: return ""
            default: break
            }
        }
        return String(character).precomposedStringWithCompatibilityMapping.lowercased()
    }

    /// The fold of a character that is one of these scalars, found without Foundation: most of an
    /// article's text is ASCII, kana or kanji, and normalising each of those alone would make
    /// indexing ten thousand articles take minutes. Nil for every other scalar.
    private static func foldedAlone(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x41...0x5A: return Unicode.Scalar(UInt8(scalar.value + 0x20))  // A-Z
        case 0x00...0x1F, 0x7F: return " "  // ASCII control characters
        case 0x20...0x7E,
             0x3001...0x3002,  // 、。
             0x3041...0x3096,  // hiragana (not the spacing voice marks, which NFKC changes)
             0x30A1...0x30FA, 0x30FC,  // katakana and ー (not ヿ, which NFKC spells out)
             0x4E00...0x9FFF:  // CJK unified ideographs (no compatibility mappings)
            return scalar
        default: return nil
        }
    }
}

/// A reader's query as search runs it: folded, split into terms at whitespace, each term once.
///
/// Every term must occur in the item as a substring. A term of at least
/// `minimumIndexedLength` characters is looked up through the trigram index in the titles, the
/// TL;DR and the body; a shorter one (one or two characters, common in Japanese: 推論, 量子) has no
/// trigram to look up, so it is matched in the titles and the TL;DR only, which are short.
public struct SearchQuery: Sendable, Hashable {
    /// Characters of a query read; the rest is ignored. Longer than any real query, short enough
    /// that folding and matching it cost nothing.
    public static let maximumLength = 200
    /// Terms used; more are ignored. Each term is a condition of the query, so this bounds its size.
    public static let maximumTerms = 8
    /// The trigram index finds terms of three characters or more.
    public static let minimumIndexedLength = 3

    /// Folded, distinct, in the order written.
    public let terms: [String]
    /// Whether part of what was sent was left out (past the length or the term count).
    public let wasShortened: Bool

    public init(_ text: String) {
        let scalars = text.unicodeScalars
        let kept = String(String.UnicodeScalarView(scalars.prefix(Self.maximumLength)))
        var terms: [String] = []
        var dropped = scalars.count > Self.maximumLength
        for word in SearchFolding.fold(kept).split(whereSeparator: \.isWhitespace) {
            let term = String(word)
            if terms.contains(term) { continue }
            if terms.count == Self.maximumTerms {
                dropped = true
                break
            }
            terms.append(term)
        }
        self.terms = terms
        self.wasShortened = dropped
    }

    public var isEmpty: Bool { terms.isEmpty }

    /// Whether `term` can be looked up through the trigram index.
    public static func isIndexed(_ term: String) -> Bool {
        term.unicodeScalars.count >= minimumIndexedLength
    }
}
