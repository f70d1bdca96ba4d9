import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Extraction

/// A quick look at extraction quality on real pages from the shared Readability corpus: token
/// overlap with Readability's own output, printed per page, with a floor that catches regressions.
@Suite struct CorpusQualityTests {
    /// A mix of news, blogs, reference and Chinese pages, from short to long.
    static let pages = ["ars-1", "bbc-1", "gmw", "heise", "herald-sun-1", "lemonde-1", "medium-1", "mozilla-1", "nytimes-1", "wikipedia"]
    /// Measured at 0.998 recall and 0.952 precision on average when written; the floor leaves room for
    /// small trade-offs, not for a broken content finder.
    static let minimumMeanRecall = 0.95
    static let minimumMeanPrecision = 0.92

    static let corpus = SharedCorpus.locate("readability", marker: "README.md")

    @Test(.enabled(if: corpus != nil, "the shared Readability corpus is not beside the repository"))
    func extractedTextOverlapsReadabilitysOutput() throws {
        let corpus = try #require(Self.corpus)
        var recalls: [Double] = []
        var precisions: [Double] = []
        for name in Self.pages {
            let page = corpus.appendingPathComponent(name)
            let html = try Data(contentsOf: page.appendingPathComponent("source.html"))
            let expected = try String(contentsOf: page.appendingPathComponent("expected.txt"), encoding: .utf8)
            let extracted = (try? ArticleExtractor.extract(html: html, pageURL: URL(string: "http://fakehost/test/page.html")))?.plainText ?? ""
            let overlap = TokenOverlap(expected: expected, extracted: extracted)
            recalls.append(overlap.recall)
            precisions.append(overlap.precision)
            print("corpus", name.padding(toLength: 14, withPad: " ", startingAt: 0),
                  String(format: "recall %.3f precision %.3f", overlap.recall, overlap.precision))
        }
        let meanRecall = recalls.reduce(0, +) / Double(recalls.count)
        let meanPrecision = precisions.reduce(0, +) / Double(precisions.count)
        print(String(format: "corpus mean recall %.3f precision %.3f over %d pages", meanRecall, meanPrecision, recalls.count))
        #expect(meanRecall >= Self.minimumMeanRecall)
        #expect(meanPrecision >= Self.minimumMeanPrecision)
    }

    @Test func tokenOverlapCountsRepeatedWordsAndHanCharacters() {
        let overlap = TokenOverlap(expected: "the cat, the hat 日本語", extracted: "The cat sat 日本")
        #expect(overlap.recall == 4.0 / 7.0)
        #expect(overlap.precision == 4.0 / 5.0)
    }
}

/// Bag-of-tokens agreement between two texts. Words are lower-cased runs of letters and digits;
/// Han, kana and hangul characters count one each, since those scripts do not separate words.
struct TokenOverlap {
    let recall: Double
    let precision: Double

    init(expected: String, extracted: String) {
        let expectedTokens = Self.counts(expected)
        let extractedTokens = Self.counts(extracted)
        let shared = expectedTokens.reduce(0) { $0 + min($1.value, extractedTokens[$1.key] ?? 0) }
        let expectedTotal = expectedTokens.values.reduce(0, +)
        let extractedTotal = extractedTokens.values.reduce(0, +)
        recall = expectedTotal == 0 ? 1 : Double(shared) / Double(expectedTotal)
        precision = extractedTotal == 0 ? (expectedTotal == 0 ? 1 : 0) : Double(shared) / Double(extractedTotal)
    }

    private static func counts(_ text: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        var word = ""
        func endWord() {
            if !word.isEmpty { counts[word, default: 0] += 1 }
            word = ""
        }
        for character in text.lowercased() {
            if isUnspacedScript(character) {
                endWord()
                counts[String(character), default: 0] += 1
            } else if character.isLetter || character.isNumber {
                word.append(character)
            } else {
                endWord()
            }
        }
        endWord()
        return counts
    }

    private static func isUnspacedScript(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF: return true
        default: return false
        }
    }
}
