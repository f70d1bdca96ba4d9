import Feeds
import Fetching
import Foundation
import Logging

/// Why Hacker News's API could not be read.
public enum HackerNewsError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedTopStories(String)
    case malformedItem(id: Int, reason: String)

    public var description: String {
        switch self {
        case .malformedTopStories(let reason): return "the Hacker News top-stories list is unreadable: \(reason)"
        case .malformedItem(let id, let reason): return "Hacker News item \(id) is unreadable: \(reason)"
        }
    }
}

/// Hacker News's top stories through its official API (a list of ids, then one JSON document
/// per item), as entries like any feed's. Every request goes through the `Fetcher`, so the
/// address guard, size and time limits hold here as for feeds.
public struct HackerNews: Sendable {
    public static let officialAPIBase = "https://hacker-news.firebaseio.com/v0/"
    public static let defaultStoryCount = 30
    public static let defaultItemConcurrency = 8
    static let discussionPrefix = "https://news.ycombinator.com/item?id="
    static let jsonAccept = "application/json"
    /// Items that are not stories (jobs, deleted or dead items) are left out, not counted as broken.
    static let storyTypes: Set<String> = ["story", "poll"]

    /// The bar a story clears before it is stored: the front page turns over fast, and a story
    /// few people vote for or discuss is rarely worth a triage share, let alone a translation.
    public static let defaultMinimumScore = 50
    public static let defaultMinimumComments = 10

    /// How many of the top stories one collection reads.
    public var storyCount: Int
    /// How many item documents are in flight at once.
    public var itemConcurrency: Int
    /// Points and comments a story needs to be kept; a story under the bar may clear it at a
    /// later collection, while it is still among the top stories.
    public var minimumScore: Int
    public var minimumComments: Int

    public init(storyCount: Int = HackerNews.defaultStoryCount,
                itemConcurrency: Int = HackerNews.defaultItemConcurrency,
                minimumScore: Int = HackerNews.defaultMinimumScore,
                minimumComments: Int = HackerNews.defaultMinimumComments) {
        self.storyCount = max(1, storyCount)
        self.itemConcurrency = max(1, itemConcurrency)
        self.minimumScore = max(0, minimumScore)
        self.minimumComments = max(0, minimumComments)
    }

    /// Whether a story has the points and comments to be stored; one without a count has none.
    func clearsBar(_ story: ParsedItem) -> Bool {
        (story.score ?? 0) >= minimumScore && (story.commentCount ?? 0) >= minimumComments
    }

    /// Rounds of item fetches one collection takes, `itemConcurrency` at a time.
    var storyRounds: Int { (storyCount + itemConcurrency - 1) / itemConcurrency }

    /// The top list's address under the API base a source names.
    public static func topStoriesURL(base: String) -> String { directory(base) + "topstories.json" }

    static func itemURL(base: String, id: Int) -> String { directory(base) + "item/\(id).json" }

    static func discussionURL(id: Int) -> String { discussionPrefix + String(id) }

    private static func directory(_ base: String) -> String { base.hasSuffix("/") ? base : base + "/" }

    /// The story ids of the top list, best first.
    public static func topStoryIDs(_ data: Data) throws(HackerNewsError) -> [Int] {
        do {
            return try JSONDecoder().decode([Int].self, from: data)
        } catch {
            throw .malformedTopStories("expected a JSON array of item ids (\(Self.reason(error)))")
        }
    }

    /// The first `storyCount` of `ids` that clear the bar, as entries in the list's order, each
    /// document read on the CPU pool. A broken item is logged and left out; the others carry on.
    func stories(ids: [Int], base: String, fetcher: Fetcher, pool: CPUPool, logger: Logger) async -> [ParsedItem] {
        let stories = await inOrder(Array(ids.prefix(storyCount)), width: itemConcurrency) { id in
            await story(id: id, base: base, fetcher: fetcher, pool: pool, logger: logger)
        }.compactMap { $0 }
        let kept = stories.filter(clearsBar)
        if kept.count < stories.count {
            logger.debug("hacker news stories under the bar left out", metadata: [
                "left_out": "\(stories.count - kept.count)", "minimum_score": "\(minimumScore)",
                "minimum_comments": "\(minimumComments)",
            ])
        }
        return kept
    }

    private func story(id: Int, base: String, fetcher: Fetcher, pool: CPUPool, logger: Logger) async -> ParsedItem? {
        do {
            let response = try await fetcher.fetch(FetchRequest(url: Self.itemURL(base: base, id: id), accept: Self.jsonAccept))
            guard response.isSuccess else {
                throw HackerNewsError.malformedItem(id: id, reason: FetchError.httpStatus(response.status).description)
            }
            let entry = try await pool.run { try Self.entry(from: response.body, id: id) }
            if entry == nil { logger.debug("hacker news item is not a live story", metadata: ["item": "\(id)"]) }
            return entry
        } catch {
            logger.warning("hacker news item skipped", metadata: ["item": "\(id)", "reason": "\(error)"])
            return nil
        }
    }

    /// An item document as an entry; nil for items that are not live stories.
    static func entry(from data: Data, id: Int) throws(HackerNewsError) -> ParsedItem? {
        let item: HackerNewsItem?
        do {
            item = try JSONDecoder().decode(HackerNewsItem?.self, from: data)
        } catch {
            throw .malformedItem(id: id, reason: reason(error))
        }
        guard let item else { throw .malformedItem(id: id, reason: "the API has no such item") }
        guard item.id == id else { throw .malformedItem(id: id, reason: "the document describes item \(item.id)") }
        guard item.deleted != true, item.dead != true, storyTypes.contains(item.type ?? "") else { return nil }
        guard let title = item.title?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty else {
            throw .malformedItem(id: id, reason: "the story has no title")
        }
        let discussion = discussionURL(id: id)
        let link: String
        var contentHTML: String?
        if let url = item.url?.trimmingCharacters(in: .whitespacesAndNewlines), !url.isEmpty {
            guard let scheme = URL(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
                throw .malformedItem(id: id, reason: "its link \(url) is not an http(s) URL")
            }
            link = url
        } else {
            // A text post (Ask HN): the thread is the story and the post's text its content.
            link = discussion
            contentHTML = item.text.flatMap { $0.isEmpty ? nil : $0 }
        }
        let published = item.time.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        return ParsedItem(
            id: discussion, title: title, link: link, published: published, updated: nil, author: item.by,
            summary: nil, contentHTML: contentHTML, categories: [], commentsURL: discussion,
            commentCount: item.descendants, score: item.score)
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _): return "\(key.stringValue) is missing"
        default: return String(describing: error)
        }
    }

}

/// The fields of an item document (https://github.com/HackerNews/API) that the collector's
/// stories and Hacker日報's comment threads read: one type for one API.
struct HackerNewsItem: Decodable, Sendable {
    var id: Int
    /// "story", "comment", "job", "poll"…
    var type: String?
    var by: String?
    /// Unix seconds.
    var time: Int?
    var title: String?
    var url: String?
    /// HTML.
    var text: String?
    /// Direct replies, in the site's ranking order.
    var kids: [Int]?
    var score: Int?
    /// Comments in the whole thread.
    var descendants: Int?
    var deleted: Bool?
    var dead: Bool?
}

/// `work` over every input, at most `width` at once, the outputs in the inputs' order.
func inOrder<Input: Sendable, Output: Sendable>(_ inputs: [Input], width: Int,
                                               _ work: @escaping @Sendable (Input) async -> Output) async -> [Output] {
    await withTaskGroup(of: (Int, Output).self) { group in
        var pending = inputs.enumerated().makeIterator()
        func startNext() {
            guard let (index, input) = pending.next() else { return }
            group.addTask { (index, await work(input)) }
        }
        for _ in 0..<max(1, width) { startNext() }
        var outputs: [(Int, Output)] = []
        while let output = await group.next() {
            outputs.append(output)
            startNext()
        }
        return outputs.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
