import Foundation
import KawarabanCore
import Store

/// A published article as the store reads it for the site, for rendering tests.
enum SampleItems {
    static let analysedAt = Date(timeIntervalSince1970: 1_778_256_240)  // 2026-05-09 01:04 JST
    static let published = Date(timeIntervalSince1970: 1_778_253_900)   // 2026-05-09 00:25 JST

    static let analysis = Analysis(
        title: "マイクロソフト、OpenAIの移籍を懸念", tldr: "裁判記録により、提携初期の懸念が明らかになった。",
        keyPoints: [
            KeyPoint(heading: "裁判記録による開示", body: "経営陣間の通信が初めて公になった。"),
            KeyPoint(heading: "AWSへの移行懸念", body: "OpenAIがAWSへ移る可能性を懸念していた。"),
            KeyPoint(heading: "防御的な投資", body: "投資には流出を防ぐ側面もあった。"),
        ],
        impact: "クラウドの支配力が提携の成否を左右することを示す。",
        editorial: "技術提携が地政学的な要素を含むことを示す事例だ。",
        tags: ["クラウド戦略", "OpenAI", "Microsoft Azure"],
        scores: AxisScores(depth: 5, relevance: 5, practicality: 3, novelty: 2),
        analysedAt: analysedAt, model: "test-model")

    static let article = Article(title: "Microsoft feared OpenAI would move to Amazon", author: "Tom Writer", language: "en", blocks: [
        .paragraph([.text("When OpenAI was busy with "), .emphasis([.text("Dota 2")]), .text(" bots…")]),
        .code(language: "swift", text: "let x = 1 < 2"),
    ])

    static let translatedBlocks: [Block] = [
        .heading(level: 2, [.text("背景")]),
        .paragraph([.text("OpenAIが"), .emphasis([.text("Dota 2")]), .text("のボットに取り組んでいた頃、"),
                    .link(href: "https://news.example/trial", [.text("裁判記録")]), .text("が示す通り…")]),
        .list(ordered: false, items: [[.text("一つ目")], [.text("二つ目")]]),
        .quote([.text("彼らは影響力を持つだろう")]),
        .code(language: "swift", text: "let x = 1 < 2"),
    ]

    static func translation(_ blocks: [Block] = translatedBlocks) -> Translation {
        Translation(language: "ja", blocks: blocks, translatedAt: analysedAt, model: "test-model")
    }

    static func headline(id: Int64 = 7, title: String = analysis.title, url: String? = nil) -> PublishedHeadline {
        var analysis = analysis
        analysis.title = title
        return PublishedHeadline(id: id, sourceName: "The Example AI", url: url ?? "https://news.example/story-\(id)",
                                 shownAt: published, analysis: analysis)
    }

    static func published(id: Int64 = 7, title: String = analysis.title, body: [Block]? = nil) -> PublishedArticle {
        PublishedArticle(headline: headline(id: id, title: title), sourceID: 1, originalTitle: article.title,
                         author: "Tom Writer", article: article, translation: translation(body ?? translatedBlocks))
    }
}
