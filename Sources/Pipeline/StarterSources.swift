import Foundation
import KawarabanCore
import Store

/// A feed of the starter list: well-known AI news in English and Japanese, for a first run that
/// has something to show.
public struct StarterSource: Sendable, Hashable {
    public var language: String
    public var topic: SourceTopic?
    public var name: String
    public var url: String

    public init(language: String, topic: SourceTopic?, name: String, url: String) {
        self.language = language
        self.topic = topic
        self.name = name
        self.url = url
    }

    static let shippedResource = "Resources/starter-sources.tsv"
    /// What the TOPIC column holds for a feed whose items are triaged.
    static let noTopic = "-"

    /// The list shipped with Kawaraban.
    public static func shipped() throws -> [StarterSource] {
        guard let url = Bundle.module.url(forResource: shippedResource, withExtension: nil) else {
            throw StarterListError(line: 0, reason: "\(shippedResource) is missing from the build")
        }
        return try parseList(String(contentsOf: url, encoding: .utf8))
    }

    /// Lines `LANGUAGE<TAB>TOPIC<TAB>NAME<TAB>URL`; blank lines and lines starting with `#` are
    /// skipped. The first malformed line stops the read: a list half read would add feeds the
    /// operator did not mean.
    public static func parseList(_ text: String) throws(StarterListError) -> [StarterSource] {
        var sources: [StarterSource] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: "\t", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 4, !fields[0].isEmpty, !fields[2].isEmpty else {
                throw StarterListError(line: index + 1, reason: "expected LANGUAGE<TAB>TOPIC<TAB>NAME<TAB>URL")
            }
            let topic: SourceTopic?
            if fields[1] == noTopic {
                topic = nil
            } else if let named = SourceTopic(rawValue: fields[1]) {
                topic = named
            } else {
                throw StarterListError(line: index + 1, reason: "unknown topic \(fields[1]) (\(noTopic) or ai)")
            }
            guard SourceCatalog.httpHost(fields[3]) != nil else {
                throw StarterListError(line: index + 1, reason: "\(fields[3]) is not an http(s) URL")
            }
            sources.append(StarterSource(language: fields[0], topic: topic, name: fields[2], url: fields[3]))
        }
        return sources
    }
}

public struct StarterListError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var reason: String

    public var description: String { "starter list line \(line): \(reason)" }
}

/// What adding one starter feed did.
public enum StarterOutcome: Sendable {
    case added(Source)
    case alreadyPresent
    case failed(reason: String)
}

extension SourceCatalog {
    /// Adds each feed of `list` the store does not have, fetched and parsed first as `add` does;
    /// a feed that fails is reported and the rest are still added.
    public func addStarter(_ list: [StarterSource]) async throws -> [(feed: StarterSource, outcome: StarterOutcome)] {
        var known = Set(try await store.sources().map(\.url))
        var outcomes: [(feed: StarterSource, outcome: StarterOutcome)] = []
        for feed in list {
            guard !known.contains(feed.url) else {
                outcomes.append((feed, .alreadyPresent))
                continue
            }
            do {
                let added = try await add(url: feed.url, name: feed.name, kind: .feed, topic: feed.topic)
                known.insert(added.source.url)
                outcomes.append((feed, .added(added.source)))
            } catch StoreError.duplicateSource {
                // The URL led to a feed that is already a source.
                outcomes.append((feed, .alreadyPresent))
            } catch {
                outcomes.append((feed, .failed(reason: "\(error)")))
            }
        }
        return outcomes
    }
}
