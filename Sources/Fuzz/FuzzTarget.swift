import Extraction
import Foundation
import Sanitizer

/// The code a fuzzing run or a replay feeds with hostile bytes. Either way the only acceptable
/// outcomes are a result or a typed error; a crash, a hang or a sanitizer report is a bug.
enum FuzzTarget: String, CaseIterable {
    case extractor
    case sanitizer

    /// Stands in for the page's address so that relative URLs are resolved as in real use.
    static let pageURL = URL(string: "https://fuzz.example/section/article.html?id=1")!

    func run(_ input: Data) {
        switch self {
        case .extractor:
            _ = try? ArticleExtractor.extract(html: input, pageURL: Self.pageURL)
        case .sanitizer:
            _ = HTMLSanitizer.sanitize(String(decoding: input, as: UTF8.self), base: Self.pageURL)
        }
    }

    static var choices: String { allCases.map(\.rawValue).joined(separator: "|") }
}
