import Foundation
import KawarabanCore

/// Words the reader sees for each importance level.
enum ImportanceLabel {
    static func japanese(_ importance: Importance) -> String {
        switch importance.value {
        case 5...: return "最重要"
        case 4: return "重要"
        case 3: return "注目"
        case 2: return "参考"
        default: return "軽微"
        }
    }
}

struct PageChrome {
    var siteName: String
    var tagline: String
    var pageTitle: String
    var description: String
    var canonicalURL: String
    var languageCode: String
    var year: Int
}

struct ListEntry {
    var path: String
    var title: String
    var sourceName: String
    var publishedDisplay: String
    var publishedISO: String
    var importance: Int
    var importanceLabel: String
    var tldr: String
}

struct LatestPage {
    var chrome: PageChrome
    var entries: [ListEntry]
    var isEmpty: Bool
    var newerPath: String?
    var olderPath: String?
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

struct TagView {
    var name: String
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
    var otherSources: [OtherSourceView] = []
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

struct NotFoundPage {
    var chrome: PageChrome
}
