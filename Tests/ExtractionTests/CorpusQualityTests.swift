import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Extraction

/// Extraction quality on real pages from the shared Readability corpus, scored the way
/// shared/tools/extraction-score.py scores it, with a floor that catches regressions.
@Suite struct CorpusQualityTests {
    /// Measured at 0.985 over the 130 pages when written; the floor leaves room for small
    /// trade-offs, not for a broken content finder.
    static let minimumF1 = 0.975

    static let corpus = SharedCorpus.locate("readability", marker: "README.md")

    @Test(.enabled(if: corpus != nil, "the shared Readability corpus is not beside the repository"))
    func extractedTextAgreesWithReadabilitysOutput() throws {
        let corpus = try #require(Self.corpus)
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted().filter {
            FileManager.default.fileExists(atPath: corpus.appendingPathComponent("\($0)/expected.txt").path)
        }
        var scores: [ShingleScore] = []
        for name in names {
            let page = corpus.appendingPathComponent(name)
            let html = try Data(contentsOf: page.appendingPathComponent("source.html"))
            let expected = try String(contentsOf: page.appendingPathComponent("expected.txt"), encoding: .utf8)
            let extracted = (try? ArticleExtractor.extract(html: html, pageURL: nil, minimumCharacters: 0))?.readableText ?? ""
            let score = ShingleScore(expected: expected, extracted: extracted)
            scores.append(score)
            if score.f1 < 0.9 { print("corpus", name, String(format: "F1 %.3f", score.f1)) }
        }
        let summary = ShingleScore.summary(scores)
        print(String(format: "corpus F1 %.3f precision %.3f recall %.3f over %d pages", summary.f1, summary.precision, summary.recall, scores.count))
        #expect(scores.count >= 100)
        #expect(summary.f1 >= Self.minimumF1)
    }

    @Test func shinglesCountRepeatsAndReadUnspacedScriptsByCharacter() {
        let exact = ShingleScore(expected: "one two three four five", extracted: "one two three four five")
        #expect(exact.precision == 1 && exact.recall == 1)
        // Shingles of the expected text: (one two three four), (two three four five); the extracted
        // text shares the first and adds (two three four six).
        let half = ShingleScore(expected: "one two three four five", extracted: "one two three four six")
        #expect(half.precision == 0.5 && half.recall == 0.5)
        let japanese = ShingleScore(expected: "日本語の記事です", extracted: "日本語の記事")
        #expect(japanese.precision == 1)
        #expect(japanese.recall == 3.0 / 5.0)
    }
}

/// Agreement of two texts as bags of 4-token shingles: words are runs of letters, digits and
/// underscores; a text that is mostly Japanese, Chinese or Korean is read one character at a time.
struct ShingleScore {
    static let shingleLength = 4
    /// A text counts as unspaced when more than this share of its characters are CJK.
    static let unspacedShare = 0.3

    let truePositive: Double
    let falsePositive: Double
    let falseNegative: Double

    init(expected: String, extracted: String) {
        let unspaced = Double(expected.unicodeScalars.filter(Self.isUnspacedScript).count)
            > Self.unspacedShare * Double(max(1, expected.trimmingCharacters(in: .whitespacesAndNewlines).count))
        let expectedShingles = Self.shingles(expected, unspaced: unspaced)
        let extractedShingles = Self.shingles(extracted, unspaced: unspaced)
        var shared = 0.0, extra = 0.0, missing = 0.0
        for key in Set(expectedShingles.keys).union(extractedShingles.keys) {
            let wanted = Double(expectedShingles[key] ?? 0), got = Double(extractedShingles[key] ?? 0)
            shared += min(wanted, got)
            extra += max(0, got - wanted)
            missing += max(0, wanted - got)
        }
        let total = shared + extra + missing
        truePositive = total == 0 ? 0 : shared / total
        falsePositive = total == 0 ? 0 : extra / total
        falseNegative = total == 0 ? 0 : missing / total
    }

    var precision: Double {
        if falsePositive == 0 && falseNegative == 0 { return 1 }
        return truePositive + falsePositive == 0 ? 0 : truePositive / (truePositive + falsePositive)
    }

    var recall: Double {
        if falsePositive == 0 && falseNegative == 0 { return 1 }
        return truePositive + falseNegative == 0 ? 0 : truePositive / (truePositive + falseNegative)
    }

    var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    /// Precision averaged over pages that extracted something, recall over pages that expected
    /// something, and F1 from the two averages.
    static func summary(_ scores: [ShingleScore]) -> (f1: Double, precision: Double, recall: Double) {
        func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        let precision = mean(scores.filter { $0.truePositive + $0.falsePositive > 0 }.map(\.precision))
        let recall = mean(scores.filter { $0.truePositive + $0.falseNegative > 0 }.map(\.recall))
        return (precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall), precision, recall)
    }

    private static func shingles(_ text: String, unspaced: Bool) -> [[String]: Int] {
        let tokens = unspaced ? text.filter { !$0.isWhitespace }.map(String.init) : words(text)
        var counts: [[String]: Int] = [:]
        if tokens.count < shingleLength {
            if !tokens.isEmpty { counts[tokens, default: 0] += 1 }
            return counts
        }
        for start in 0...(tokens.count - shingleLength) { counts[Array(tokens[start..<start + shingleLength]), default: 0] += 1 }
        return counts
    }

    private static func words(_ text: String) -> [String] {
        var result: [String] = []
        var word = ""
        for character in text {
            if character.isLetter || character.isNumber || character == "_" || character.unicodeScalars.allSatisfy({ $0.properties.generalCategory == .nonspacingMark }) {
                word.append(character)
            } else if !word.isEmpty {
                result.append(word)
                word = ""
            }
        }
        if !word.isEmpty { result.append(word) }
        return result
    }

    private static func isUnspacedScript(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x9FFF, 0xAC00...0xD7AF: return true
        default: return false
        }
    }
}
