import Foundation
import KawarabanCore
import Mustache

public enum SiteError: Error, CustomStringConvertible {
    case templatesMissing(String)
    case templateFailed(String)

    public var description: String {
        switch self {
        case .templatesMissing(let path): return "the site templates are missing at \(path)"
        case .templateFailed(let name): return "the template \(name) did not render"
        }
    }
}

/// Turns stored items into the site's pages. Templates load once, at start.
public struct SiteRenderer: Sendable {
    public let configuration: SiteConfiguration
    private let library: MustacheLibrary

    public init(configuration: SiteConfiguration) async throws {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw SiteError.templatesMissing(Bundle.module.bundlePath)
        }
        self.configuration = configuration
        self.library = try await MustacheLibrary(directory: directory.path)
    }

    public func latestPage(items: [Item], page: Int, hasOlder: Bool) throws -> String {
        let entries = items.compactMap(listEntry)
        let view = LatestPage(
            chrome: chrome(title: page > 1 ? "最新ニュース(\(page)ページ目)" : nil,
                           description: configuration.tagline, path: page > 1 ? "/?page=\(page)" : "/"),
            entries: entries, isEmpty: entries.isEmpty,
            newerPath: page > 1 ? (page == 2 ? "/" : "/?page=\(page - 1)") : nil,
            olderPath: hasOlder ? "/?page=\(page + 1)" : nil)
        return try render(view, "latest")
    }

    /// The article page, or nil when the item is not fit to show (not yet analysed and translated).
    /// `carriers` are every source that carried the story; those other than the item's own are
    /// credited too.
    public func articlePage(item: Item, carriers: [StoryCarrier] = []) throws -> String? {
        guard var article = articleView(item) else { return nil }
        article.otherSources = carriers.filter { $0.sourceID != item.feedEntry.sourceID }.compactMap { carrier in
            BlockHTML.safeURL(carrier.url).map { OtherSourceView(name: carrier.sourceName, url: $0) }
        }
        let view = ArticlePage(
            chrome: chrome(title: article.title, description: article.tldr, path: Self.path(of: item)),
            article: article)
        return try render(view, "article")
    }

    public func notFoundPage() throws -> String {
        try render(NotFoundPage(chrome: chrome(title: "ページが見つかりません", description: configuration.tagline, path: "/")),
                   "not-found")
    }

    public static func path(of item: Item) -> String { "/articles/\(item.id)" }

    private func render(_ view: Any, _ template: String) throws -> String {
        guard let html = library.render(view, withTemplate: template) else { throw SiteError.templateFailed(template) }
        return html
    }

    private func chrome(title: String?, description: String, path: String) -> PageChrome {
        let now = Calendar(identifier: .gregorian).dateComponents(in: configuration.edition.timeZone, from: Date())
        return PageChrome(
            siteName: configuration.siteName, tagline: configuration.tagline,
            pageTitle: title.map { "\($0) | \(configuration.siteName)" } ?? configuration.siteName,
            description: description, canonicalURL: absolute(path),
            languageCode: configuration.edition.languageCode, year: now.year ?? 0)
    }

    private func absolute(_ path: String) -> String {
        URL(string: path, relativeTo: configuration.publicURL)?.absoluteString ?? path
    }

    private func displayDate(of item: Item) -> Date {
        item.feedEntry.publishedAt ?? item.publishedAt ?? item.discoveredAt
    }

    private func listEntry(_ item: Item) -> ListEntry? {
        guard let analysis = item.analysis else { return nil }
        let date = displayDate(of: item)
        return ListEntry(
            path: Self.path(of: item), title: analysis.title, sourceName: item.sourceName,
            publishedDisplay: configuration.edition.displayDateTime(date),
            publishedISO: configuration.edition.isoDateTime(date),
            importance: analysis.importance.value, importanceLabel: ImportanceLabel.japanese(analysis.importance),
            tldr: analysis.tldr)
    }

    private func articleView(_ item: Item) -> ArticleView? {
        guard let analysis = item.analysis, let translation = item.translation, let article = item.article else {
            return nil
        }
        let date = displayDate(of: item)
        let translatedText = ([analysis.title] + translation.blocks.map(\.plainText)).joined(separator: "\n")
        let scores = analysis.scores.clamped
        return ArticleView(
            sourceName: item.sourceName, sourceURL: BlockHTML.safeURL(item.feedEntry.url) ?? "",
            publishedDisplay: configuration.edition.displayDateTime(date),
            publishedISO: configuration.edition.isoDateTime(date),
            readingMinutes: ReadingTime.minutes(for: translatedText),
            title: analysis.title, originalTitle: item.feedEntry.title,
            tags: analysis.tags.map(TagView.init),
            tldr: analysis.tldr,
            analysedDisplay: configuration.edition.displayDateTime(analysis.analysedAt),
            analysedISO: configuration.edition.isoDateTime(analysis.analysedAt),
            importance: analysis.importance.value, importanceLabel: ImportanceLabel.japanese(analysis.importance),
            weightedMean: String(format: "%.1f", Importance.weightedMean(scores)),
            axes: [
                AxisView(name: "深度", weight: "\(Importance.depthWeight * 10)%", score: scores.depth),
                AxisView(name: "関連度", weight: "\(Importance.relevanceWeight * 10)%", score: scores.relevance),
                AxisView(name: "実用性", weight: "\(Importance.practicalityWeight * 10)%", score: scores.practicality),
                AxisView(name: "革新性", weight: "\(Importance.noveltyWeight * 10)%", score: scores.novelty),
            ],
            keyPoints: analysis.keyPoints.enumerated().map {
                KeyPointView(number: $0.offset + 1, heading: $0.element.heading, body: $0.element.body)
            },
            impact: analysis.impact, editorial: analysis.editorial,
            translatedBodyHTML: BlockHTML.render(translation.blocks),
            translationEndsEarly: translation.blocks.count < article.blocks.count,
            originalBodyHTML: BlockHTML.render(article.blocks),
            originalLanguage: article.language ?? "en",
            author: article.author ?? item.feedEntry.author,
            shareLinks: shareLinks(title: analysis.title, path: Self.path(of: item)))
    }

    private func shareLinks(title: String, path: String) -> [ShareLink] {
        let url = absolute(path)
        func encoded(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        }
        return [
            ShareLink(name: "X", url: "https://x.com/intent/post?text=\(encoded(title))&url=\(encoded(url))"),
            ShareLink(name: "はてなブックマーク", url: "https://b.hatena.ne.jp/entry/panel/?url=\(encoded(url))"),
            ShareLink(name: "LINE", url: "https://social-plugins.line.me/lineit/share?url=\(encoded(url))"),
            ShareLink(name: "Facebook", url: "https://www.facebook.com/sharer/sharer.php?u=\(encoded(url))"),
        ]
    }
}
