import Foundation

/// Finds known names in text in one pass, leftmost-longest, without regular expressions: names
/// come from the glossary and from model answers, so none is ever compiled into a pattern.
///
/// The names are kept in a trie of characters. At each position where a name may start, the trie
/// is walked along the text for at most `maximumNameCharacters`, so a text costs at most that
/// many steps per character however many names are known (10,000 as cheaply as 10). Matching is
/// case-aware: "Meta" is not "meta", "Apple" is not "apple". A name must not continue a word of
/// its own script: Latin letters and digits ("Gemini" is not found in "Geminis") and katakana
/// ("メタ" is not found in "メタデータ"); across scripts, as Japanese writes without spaces, no
/// boundary is needed ("OpenAIが" names OpenAI).
struct NameMatcher<Value: Sendable>: Sendable {
    /// Longer names are not indexed: no real name is this long, and the bound keeps the pass linear.
    static var maximumNameCharacters: Int { 100 }

    struct Match {
        var range: Range<Int>
        var value: Value
    }

    private var children: [[Character: Int]] = [[:]]
    private var values: [Int: Value] = [:]

    /// The first value given for a name wins; empty and overlong names are left out.
    init(_ names: [(name: String, value: Value)]) {
        for (name, value) in names where !name.isEmpty && name.count <= Self.maximumNameCharacters {
            var node = 0
            for character in name {
                if let next = children[node][character] {
                    node = next
                } else {
                    children.append([:])
                    children[node][character] = children.count - 1
                    node = children.count - 1
                }
            }
            if values[node] == nil { values[node] = value }
        }
    }

    var isEmpty: Bool { values.isEmpty }

    /// Every match, left to right, none overlapping; at each start the longest name wins.
    func matches(in text: [Character]) -> [Match] {
        guard !isEmpty else { return [] }
        var found: [Match] = []
        var start = 0
        while start < text.count {
            guard Self.isBoundary(text, at: start) else {
                start += 1
                continue
            }
            var node = 0
            var longest: Match?
            var end = start
            while end < text.count, end - start < Self.maximumNameCharacters, let next = children[node][text[end]] {
                node = next
                end += 1
                if let value = values[node], Self.isBoundary(text, at: end) {
                    longest = Match(range: start..<end, value: value)
                }
            }
            if let longest {
                found.append(longest)
                start = longest.range.upperBound
            } else {
                start += 1
            }
        }
        return found
    }

    /// `text` with every match replaced by what `replacement` makes of it.
    func replacing(in text: String, _ replacement: (Value) -> String) -> String {
        let characters = Array(text)
        let found = matches(in: characters)
        guard !found.isEmpty else { return text }
        var result = ""
        var cursor = 0
        for match in found {
            result += String(characters[cursor..<match.range.lowerBound])
            result += replacement(match.value)
            cursor = match.range.upperBound
        }
        result += String(characters[cursor...])
        return result
    }

    /// A name may start or end at `index` unless a Latin or a katakana word runs across it.
    static func isBoundary(_ text: [Character], at index: Int) -> Bool {
        guard index > 0, index < text.count, let before = script(of: text[index - 1]) else { return true }
        return script(of: text[index]) != before
    }

    /// The scripts whose words run on without spaces between their characters.
    enum WordScript { case latin, katakana }

    static func script(of character: Character) -> WordScript? {
        guard let scalar = character.unicodeScalars.first else { return nil }
        switch scalar.value {
        // The katakana blocks, with ー and ・, and half-width katakana.
        case 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: return .katakana
        case 0...0x024F, 0x1E00...0x1EFF: return character.isLetter || character.isNumber ? .latin : nil
        default: return nil
        }
    }
}
