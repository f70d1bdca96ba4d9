import Foundation
import Testing
import TestSupport
@testable import Feeds

/// Runs feedparser's own conformance cases (shared/corpus/feedparser) through our parser, scoring
/// only the checks that name a field our model has. The floors are what we measured, so a drop fails;
/// raising them is the job of the conformance work, not of this test.
@Suite struct ConformanceTests {
    static let corpus = SharedCorpus.locate("feedparser", marker: "expectations.jsonl")

    @Test(.enabled(if: corpus != nil, "the feedparser corpus is not beside the repository"),
          arguments: [("rss", 0.8), ("atom10", 0.75)])
    func wellformedCategory(category: String, floor: Double) throws {
        let corpus = try #require(Self.corpus)
        let score = try Self.score(category: "wellformed/\(category)/", corpus: corpus)
        print("\(category): \(score.passed)/\(score.applicable)")
        for failure in score.failures { print("  \(failure)") }
        #expect(score.applicable > 0)
        #expect(Double(score.passed) >= floor * Double(score.applicable))
    }

    struct Score {
        var passed = 0
        var applicable = 0
        var failures: [String] = []
    }

    static func score(category prefix: String, corpus: URL) throws -> Score {
        var score = Score()
        let lines = try String(contentsOf: corpus.appendingPathComponent("expectations.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        for line in lines {
            guard let expectation = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let file = expectation["file"] as? String, file.hasPrefix(prefix),
                  let checks = expectation["checks"] as? [[String: Any]]
            else { continue }
            let data = try Data(contentsOf: corpus.appendingPathComponent("cases").appendingPathComponent(file))
            let feed = try? FeedParser.parse(data, baseURL: nil)
            for check in checks {
                guard let path = check["path"] as? [Any], let field = ourField(path) else { continue }
                score.applicable += 1
                let expected = check["equals"] as? String
                let actual = feed.flatMap(field)
                if actual == expected {
                    score.passed += 1
                } else {
                    score.failures.append("\(file) \(path): expected \(expected.debugDescription), got \(actual.debugDescription)")
                }
            }
        }
        return score
    }

    /// The field of ours that a feedparser path names, or nil when our model has no such field.
    static func ourField(_ path: [Any]) -> ((ParsedFeed) -> String?)? {
        let names = path.map { $0 as? String }
        let indices = path.map { $0 as? Int }
        switch names.count {
        case 2 where names[0] == "feed" && names[1] == "title": return { $0.title }
        case 2 where names[0] == "feed" && names[1] == "link": return { $0.link }
        case 3 where names[0] == "entries":
            guard let index = indices[1], let name = names[2] else { return nil }
            let field: (ParsedItem) -> String?
            switch name {
            case "title": field = { $0.title }
            case "link": field = { $0.link }
            case "id": field = { $0.id }
            // feedparser gives an RSS description under both names.
            case "summary", "description": field = { $0.summary }
            case "author": field = { $0.author }
            default: return nil
            }
            return { feed in index < feed.items.count ? field(feed.items[index]) : nil }
        case 5 where names[0] == "entries" && names[2] == "content" && indices[3] == 0 && names[4] == "value":
            guard let index = indices[1] else { return nil }
            return { feed in index < feed.items.count ? feed.items[index].contentHTML : nil }
        default:
            return nil
        }
    }
}
