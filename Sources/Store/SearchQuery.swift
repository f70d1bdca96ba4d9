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
        var folded = ""
        folded.reserveCapacity(text.utf8.count)
        for character in text { folded += fold(character) }
        return folded
    }

    public static func fold(_ character: Character) -> String {
        if character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first {
            switch scalar.properties.generalCategory {
            case .control: return " "
            case .format: return ""
            default: break
            }
        }
        return String(character).precomposedStringWithCompatibilityMapping.lowercased()
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
