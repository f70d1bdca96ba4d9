import Extraction
import Feeds
import Foundation
import Sanitizer

/// The code a fuzzing run or a replay feeds with hostile bytes. Either way the only acceptable
/// outcomes are a result or a typed error; a crash, a hang or a sanitizer report is a bug.
enum FuzzTarget: String, CaseIterable {
    case extractor
    case sanitizer
    /// RSS, RDF, Atom and JSON Feed, whichever the bytes are, through the prescan and libxml2.
    case feed
    case opml

    /// Stands in for the page's address so that relative URLs are resolved as in real use.
    static let pageURL = URL(string: "https://fuzz.example/section/article.html?id=1")!
    static let feedURL = URL(string: "https://fuzz.example/feeds/all.xml")!

    func run(_ input: Data) {
        switch self {
        case .extractor:
            _ = try? ArticleExtractor.extract(html: input, pageURL: Self.pageURL)
        case .sanitizer:
            _ = HTMLSanitizer.sanitize(String(decoding: input, as: UTF8.self), base: Self.pageURL)
        case .feed:
            _ = try? FeedParser.parse(input, baseURL: Self.feedURL)
        case .opml:
            _ = try? OPML.parse(input)
        }
    }

    static var choices: String { allCases.map(\.rawValue).joined(separator: "|") }
}
