import Foundation
import KawarabanCore

/// What the matcher reads of an article, normalised so that outlets' spelling habits do not
/// count: NFKC (full-width digits and letters become their plain forms) and case folded.
struct StoryText: Sendable {
    /// The start of title and text that is read: enough for the lead of any report, and it
    /// bounds the work per article whatever arrives.
    static let maximumCharactersRead = 3_000
    /// Characters per shingle: four letters are word-sized in Japanese and span word boundaries
    /// in English, so a shared shingle means shared wording, not just a shared common word.
    static let shingleLength = 4
    /// Entities read per article, and characters read per entity name.
    static let maximumEntities = 30
    static let maximumEntityNameCharacters = 80

    let normalised: String

    init(_ evidence: StoryEvidence) {
        let limit = Self.maximumCharactersRead
        let read = String((evidence.title.prefix(limit) + "\n" + evidence.text.prefix(limit)).prefix(limit))
        normalised = Self.normalised(read)
    }

    static func normalised(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.lowercased()
    }

    /// The hashes of every run of `shingleLength` letters and digits, punctuation and spacing left out.
    var shingleHashes: Set<UInt64> {
        let scalars = normalised.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }
        guard scalars.count >= Self.shingleLength else {
            return scalars.isEmpty ? [] : [FNV1a.hash(String(String.UnicodeScalarView(scalars)))]
        }
        var hashes = Set<UInt64>()
        hashes.reserveCapacity(scalars.count)
        let values = scalars.map(\.value)
        for start in 0...(values.count - Self.shingleLength) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for value in values[start..<start + Self.shingleLength] {
                hash ^= UInt64(value)
                hash = hash &* 0x100_0000_01b3
            }
            hashes.insert(hash)
        }
        return hashes
    }

    /// Tokens that name one event rather than a topic: numbers and names with digits ("gpt-4o",
    /// "h100", "40%" as "40") outside the years that every article of a season shares, and amounts
    /// of money in one scale whatever the language ("$6.6 billion" and "66億ドル" are both
    /// "amount:6600000000").
    var distinctiveTokens: Set<String> {
        var tokens = Set<String>()
        let withoutThousands = normalised.replacingOccurrences(of: ",", with: "")
        let pieces = withoutThousands.split(whereSeparator: { character in
            !(character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-"))
        })
        for piece in pieces {
            let token = piece.trimmingCharacters(in: CharacterSet(charactersIn: ".-"))
            guard token.count >= 2, token.contains(where: \.isNumber), !Self.isYear(token) else { continue }
            tokens.insert(token)
        }
        let range = NSRange(withoutThousands.startIndex..., in: withoutThousands)
        for match in Self.amount.matches(in: withoutThousands, range: range) {
            guard let number = Range(match.range(at: 1), in: withoutThousands),
                  let unit = Range(match.range(at: 2), in: withoutThousands),
                  let value = Double(withoutThousands[number]), let scale = Self.scales[String(withoutThousands[unit])],
                  value * scale < Self.largestAmount
            else { continue }
            tokens.insert("amount:\(Int64((value * scale).rounded()))")
        }
        return tokens
    }

    /// Phrases by which a report points back at an earlier event of its story ("days after it
    /// launched", "the suit filed last month", "final approval"), matched as whole words; the
    /// matcher counts them only between articles that share a main entity. Words as common as
    /// "again" or "after" are left out: they name the same company's every other event too.
    static let backReferencePhrases = [
        "last week", "last month", "earlier this week", "earlier this month", "earlier this year",
        "earlier in the week", "earlier in the month", "a day after", "days after", "weeks after", "months after",
        "days later", "weeks later", "months later", "following", "final approval",
    ]
    /// The same in Japanese, matched anywhere, since Japanese does not space its words: last week,
    /// last month, the other day, the week and month before, early this month, in response to,
    /// following on, a follow-up report, final approval.
    static let backReferenceMarks = ["先週", "先月", "先日", "前週", "前月", "今月初め", "を受けて", "に続き", "続報", "最終承認"]

    /// Whether the article points back at an earlier event in one of `backReferencePhrases` or `backReferenceMarks`.
    var refersBack: Bool {
        let words = " " + normalised.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).joined(separator: " ") + " "
        return Self.backReferencePhrases.contains { words.contains(" \($0) ") }
            || Self.backReferenceMarks.contains { normalised.contains($0) }
    }

    static let amount = try! NSRegularExpression(pattern: "([0-9]+(?:\\.[0-9]+)?)\\s*(trillion|billion|million|bn|兆|億|万)")
    /// Amounts beyond any real one (and beyond what an Int64 holds) are not amounts but hostile input.
    static let largestAmount = 1e16
    static let scales: [String: Double] = [
        "trillion": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "兆": 1e12, "億": 1e8, "万": 1e4,
    ]

    static func isYear(_ token: String) -> Bool {
        token.count == 4 && token.allSatisfy(\.isNumber) && (token.hasPrefix("19") || token.hasPrefix("20"))
    }

    /// An entity name as a key: normalised, letters and digits only, so "Open AI" and "OpenAI"
    /// are one name. Empty for a name with neither.
    static func entityKey(_ name: String) -> String {
        let normalised = Self.normalised(String(name.prefix(maximumEntityNameCharacters)))
        return String(String.UnicodeScalarView(normalised.unicodeScalars.filter {
            $0.properties.isAlphabetic || $0.properties.numericType != nil
        }))
    }

    static func entityKeys(_ names: [String]) -> Set<String> {
        Set(names.prefix(maximumEntities).map(entityKey).filter { !$0.isEmpty })
    }
}
