import Foundation
import KawarabanCore

/// A published item as the pipeline would leave it, for rendering tests.
enum SampleItems {
    static let analysedAt = Date(timeIntervalSince1970: 1_778_256_240)  // 2026-05-09 01:04 JST
    static let published = Date(timeIntervalSince1970: 1_778_253_900)   // 2026-05-09 00:25 JST

    static func published(id: Int64 = 7, title: String = "マイクロソフト、OpenAIの移籍を懸念",
                          body: [Block]? = nil) -> Item {
        let entry = DiscoveredItem(
            sourceID: 1, guid: "g-\(id)", url: "https://news.example/story-\(id)",
            canonicalURL: "https://news.example/story-\(id)", title: "Microsoft feared OpenAI would move to Amazon",
            author: "Tom Writer", publishedAt: published)
        let original: [Block] = [
            .paragraph([.text("When OpenAI was busy with "), .emphasis([.text("Dota 2")]), .text(" bots…")]),
            .code(language: "swift", text: "let x = 1 < 2"),
        ]
        let translated: [Block] = body ?? [
            .heading(level: 2, [.text("背景")]),
            .paragraph([.text("OpenAIが"), .emphasis([.text("Dota 2")]), .text("のボットに取り組んでいた頃、"),
                        .link(href: "https://news.example/trial", [.text("裁判記録")]), .text("が示す通り…")]),
            .list(ordered: false, items: [[.text("一つ目")], [.text("二つ目")]]),
            .quote([.text("彼らは影響力を持つだろう")]),
            .code(language: "swift", text: "let x = 1 < 2"),
        ]
        return Item(
            id: id, feedEntry: entry, sourceName: "The Example AI", discoveredAt: published, stage: .published,
            article: Article(title: entry.title, author: "Tom Writer", language: "en", blocks: original),
            analysis: Analysis(
                title: title, tldr: "裁判記録により、提携初期の懸念が明らかになった。",
                keyPoints: [
                    KeyPoint(heading: "裁判記録による開示", body: "経営陣間の通信が初めて公になった。"),
                    KeyPoint(heading: "AWSへの移行懸念", body: "OpenAIがAWSへ移る可能性を懸念していた。"),
                    KeyPoint(heading: "防御的な投資", body: "投資には流出を防ぐ側面もあった。"),
                ],
                impact: "クラウドの支配力が提携の成否を左右することを示す。",
                editorial: "技術提携が地政学的な要素を含むことを示す事例だ。",
                tags: ["クラウド戦略", "OpenAI", "Microsoft Azure"],
                scores: AxisScores(depth: 5, relevance: 5, practicality: 3, novelty: 2),
                analysedAt: analysedAt, model: "test-model"),
            translation: Translation(language: "ja", blocks: translated, translatedAt: analysedAt, model: "test-model"),
            publishedAt: analysedAt)
    }
}
