import Foundation
import Hummingbird
import KawarabanCore
import Store

// One article's page: the translation, the analysis and the original, crediting every source
// that carried the story.

extension SitePages {
    static func articlePath(_ id: Int64) -> String { "/articles/\(id)" }

    /// Related articles shown under an article: a screenful, like the seed's.
    static let relatedArticleLimit = 6

    /// `/articles/<id>-<slug>`, for published articles only. The id alone, or with any other
    /// slug, is moved permanently to the canonical address, so old and mistyped links keep working.
    func article(_ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let segment = context.parameters.get("id") else { throw HTTPError(.notFound) }
        let idText = segment.prefix { $0 != "-" }
        guard let id = URLNumber.parse(idText, in: URLNumber.articleIDs),
              let article = try await store.publishedArticle(id: id)
        else { throw HTTPError(.notFound) }
        let canonical = Self.articlePath(id: id, title: article.originalTitle)
        guard "/articles/\(segment)" == canonical else {
            return Response(status: .movedPermanently,
                            headers: [.location: canonical, .cacheControl: SiteApplication.pageCacheControl])
        }
        let carriedBy = try await store.digestSlots(carrying: id)
        return Self.htmlResponse(try renderer.articlePage(
            article, carriers: try await store.carriers(of: id),
            carriedBy: carriedBy, latestDaily: carriedBy.isEmpty ? try await store.latestDigestSlot(.daily) : nil,
            related: try await store.relatedArticles(of: id, limit: Self.relatedArticleLimit),
            neighbours: try await store.neighbours(of: article.headline),
            entities: try await store.entities(ofItem: id, kinds: EntitySection.listedKinds),
            story: try await store.storyContext(ofItem: id)))
    }
}

extension SiteRenderer {
    /// `carriers` are every source that carried the story; those other than the article's own
    /// are credited too. `entities` are the companies and tools it names, linked to their pages.
    /// `story` credits the other outlets' reports of the same event and lists the 続報 thread.
    /// `carriedBy` are the digests that carried it; until one does, `latestDaily` is offered.
    public func articlePage(_ published: PublishedArticle, carriers: [StoryCarrier] = [],
                            carriedBy: [DigestSlot] = [], latestDaily: DigestSlot? = nil,
                            related: [PublishedHeadline] = [], neighbours: ArticleNeighbours = ArticleNeighbours(),
                            entities: [StoredEntity] = [], story: StoryContext? = nil) throws -> String {
        var article = articleView(published)
        article.story = story.map { storyView($0, on: published.headline.id) }
        article.related = related.map(listEntry)
        article.todaySummary = todaySummary(carriedBy: carriedBy, latestDaily: latestDaily)
        article.entityLinks = entities.compactMap { entity in
            EntitySection.path(of: entity).map { EntityLink(name: entity.name, path: $0) }
        }
        if neighbours.older != nil || neighbours.newer != nil {
            article.neighbours = NeighbourLinks(older: neighbours.older.map(neighbourLink), newer: neighbours.newer.map(neighbourLink))
        }
        article.otherSources = carriers.filter { $0.sourceID != published.sourceID }.compactMap { carrier in
            BlockHTML.safeURL(carrier.url).map { OtherSourceView(name: carrier.sourceName, url: $0) }
        }
        let path = SitePages.articlePath(id: published.headline.id, title: published.originalTitle)
        var pageChrome = chrome(title: article.title, description: article.tldr, path: path)
        pageChrome.openGraphType = "article"
        pageChrome.imageURL = published.imageURL.flatMap { BlockHTML.safeURL($0, for: .resource) }
        pageChrome.structuredData = try StructuredData.script(newsArticle(published, canonicalURL: pageChrome.canonicalURL,
                                                                          imageURL: pageChrome.imageURL))
        return try render(ArticlePage(chrome: pageChrome, article: article), "article")
    }

    /// The article as schema.org's `NewsArticle`, for search engines' article results.
    private func newsArticle(_ published: PublishedArticle, canonicalURL: String, imageURL: String?) -> StructuredData.NewsArticle {
        let analysis = published.headline.analysis
        let publisher = StructuredData.Thing(type: "Organization", name: configuration.siteName,
                                             url: configuration.publicURL.absoluteString)
        let author = (published.article.author ?? published.author).map { StructuredData.Thing(type: "Person", name: $0) }
            ?? StructuredData.Thing(type: "Organization", name: published.headline.sourceName)
        return StructuredData.NewsArticle(
            headline: analysis.title, description: analysis.tldr,
            datePublished: configuration.edition.isoDateTime(published.headline.shownAt),
            dateModified: configuration.edition.isoDateTime(max(analysis.analysedAt, published.headline.shownAt)),
            author: [author], publisher: publisher,
            mainEntityOfPage: StructuredData.Thing(type: "WebPage", id: canonicalURL),
            inLanguage: configuration.edition.languageCode, image: imageURL.map { [$0] }, keywords: analysis.tags)
    }

    private func neighbourLink(_ headline: PublishedHeadline) -> NeighbourLink {
        NeighbourLink(path: SitePages.articlePath(id: headline.id, title: headline.originalTitle), title: headline.analysis.title)
    }

    private func articleView(_ published: PublishedArticle) -> ArticleView {
        let path = SitePages.articlePath(id: published.headline.id, title: published.originalTitle)
        let analysis = published.headline.analysis
        let translation = published.translation
        let date = displayed(published.headline.shownAt)
        let analysed = displayed(analysis.analysedAt)
        let translatedText = ([analysis.title] + translation.blocks.map(\.plainText)).joined(separator: "\n")
        let scores = analysis.scores.clamped
        return ArticleView(
            sourceName: published.headline.sourceName, sourceURL: BlockHTML.safeURL(published.headline.url) ?? "",
            publishedDisplay: date.display, publishedISO: date.iso,
            readingMinutes: ReadingTime.minutes(for: translatedText),
            title: analysis.title, originalTitle: published.originalTitle,
            tags: analysis.tags.map(TagView.init),
            tldr: analysis.tldr,
            analysedDisplay: analysed.display, analysedISO: analysed.iso,
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
            translationEndsEarly: translation.blocks.count < published.article.blocks.count,
            originalBodyHTML: BlockHTML.render(published.article.blocks),
            originalLanguage: published.article.language ?? "en",
            author: published.article.author ?? published.author,
            shareLinks: shareLinks(title: analysis.title, path: path),
            video: VideoID.checked(published.videoID).map { VideoEmbed(url: VideoID.embedURL($0), title: analysis.title) },
            permalink: absolute(path))
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

struct AxisView {
    var name: String
    var weight: String
    var score: Int
}

struct KeyPointView {
    var number: Int
    var heading: String
    var body: String
}

struct ShareLink {
    var name: String
    var url: String
}

struct ArticleView {
    var sourceName: String
    var sourceURL: String
    var publishedDisplay: String
    var publishedISO: String
    var readingMinutes: Int
    var title: String
    var originalTitle: String
    var tags: [TagView]
    var tldr: String
    var analysedDisplay: String
    var analysedISO: String
    var importance: Int
    var importanceLabel: String
    var weightedMean: String
    var axes: [AxisView]
    var keyPoints: [KeyPointView]
    var impact: String
    var editorial: String
    var translatedBodyHTML: String
    /// The article was longer than the translation cap: the translation is its beginning only.
    var translationEndsEarly: Bool
    var originalBodyHTML: String
    var originalLanguage: String
    var author: String?
    var shareLinks: [ShareLink]
    /// The player of a video item, from YouTube's privacy-enhanced domain.
    var video: VideoEmbed?
    /// The page's address, shown for copying by hand: no script copies it.
    var permalink: String
    var otherSources: [OtherSourceView] = []
    var related: [ListEntry] = []
    /// Nil for the only article published.
    var neighbours: NeighbourLinks?
    var entityLinks: [EntityLink] = []
    var story: StoryView?
    var todaySummary: TodaySummaryView?
}

/// A company or tool the article names, with its page.
struct EntityLink {
    var name: String
    var path: String
}

struct NeighbourLinks {
    var older: NeighbourLink?
    var newer: NeighbourLink?
}

struct VideoEmbed {
    var url: String
    var title: String
}

/// The article just before or after this one in the latest list.
struct NeighbourLink {
    var path: String
    var title: String
}

/// Another source that carried the same story.
struct OtherSourceView {
    var name: String
    var url: String
}

struct ArticlePage {
    var chrome: PageChrome
    var article: ArticleView
}
