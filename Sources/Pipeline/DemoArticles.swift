import Foundation
import KawarabanCore
import Store

/// Synthetic published articles for trying the site without an LLM and for benchmarks
/// (`kawaraban demo`): word lists combined by a seeded generator, so the same count gives the same
/// database. The store marks the database as synthetic and the site says so on every page.
public enum DemoArticles {
    /// Days back the articles are spread over.
    static let days = 90
    /// Share of the articles that are videos from the YouTube channel.
    static let videoShare = 0.12
    /// Articles per batch handed to the store.
    static let batchSize = 2_000

    struct DemoSource {
        var url: String
        var name: String
    }

    /// Four feeds and one YouTube channel's feed; the last is the video source.
    static let sources = [
        DemoSource(url: "https://ai-wire.example/feed.xml", name: "デモ: AI Wire"),
        DemoSource(url: "https://lab-notes.example/atom.xml", name: "デモ: Lab Notes"),
        DemoSource(url: "https://tokyo-ai.example/rss", name: "デモ: Tokyo AI Journal"),
        DemoSource(url: "https://model-watch.example/feed", name: "デモ: Model Watch"),
        DemoSource(url: "https://www.youtube.com/feeds/videos.xml?channel_id=UCdemo0000000000000000", name: "デモ: AI Video Channel"),
    ]

    /// A name, its Japanese rendering, and how its share of the news moves over the 90 days:
    /// `trend` 1 keeps it level, above 1 it rises towards today, below 1 it falls.
    struct DemoEntity {
        var name: String
        var rendering: String
        var kind: EntityKind
        var weight: Double
        var trend: Double
    }

    static let entities = [
        DemoEntity(name: "OpenAI", rendering: "OpenAI", kind: .company, weight: 10, trend: 1),
        DemoEntity(name: "Anthropic", rendering: "Anthropic", kind: .company, weight: 7, trend: 2.5),
        DemoEntity(name: "Google", rendering: "グーグル", kind: .company, weight: 8, trend: 1.2),
        DemoEntity(name: "Microsoft", rendering: "マイクロソフト", kind: .company, weight: 6, trend: 0.8),
        DemoEntity(name: "Meta", rendering: "メタ", kind: .company, weight: 5, trend: 0.4),
        DemoEntity(name: "NVIDIA", rendering: "エヌビディア", kind: .company, weight: 7, trend: 1.5),
        DemoEntity(name: "Amazon", rendering: "アマゾン", kind: .company, weight: 4, trend: 1),
        DemoEntity(name: "Apple", rendering: "アップル", kind: .company, weight: 3, trend: 0.6),
        DemoEntity(name: "Mistral AI", rendering: "Mistral AI", kind: .company, weight: 3, trend: 0.5),
        DemoEntity(name: "DeepSeek", rendering: "DeepSeek", kind: .company, weight: 4, trend: 3),
        DemoEntity(name: "Sakana AI", rendering: "Sakana AI", kind: .company, weight: 2, trend: 2),
        DemoEntity(name: "Preferred Networks", rendering: "プリファードネットワークス", kind: .company, weight: 2, trend: 1),
        DemoEntity(name: "SoftBank", rendering: "ソフトバンク", kind: .company, weight: 3, trend: 1.8),
        DemoEntity(name: "Hugging Face", rendering: "Hugging Face", kind: .organisation, weight: 3, trend: 1),
        DemoEntity(name: "Stanford HAI", rendering: "スタンフォード大学HAI", kind: .organisation, weight: 1, trend: 0.7),
        DemoEntity(name: "ChatGPT", rendering: "ChatGPT", kind: .product, weight: 6, trend: 0.9),
        DemoEntity(name: "Claude", rendering: "Claude", kind: .model, weight: 5, trend: 2.5),
        DemoEntity(name: "Gemini", rendering: "Gemini", kind: .model, weight: 5, trend: 1.4),
        DemoEntity(name: "Llama", rendering: "Llama", kind: .model, weight: 3, trend: 0.4),
        DemoEntity(name: "Qwen", rendering: "Qwen", kind: .model, weight: 2, trend: 2.2),
        DemoEntity(name: "GitHub Copilot", rendering: "GitHub Copilot", kind: .tool, weight: 3, trend: 0.8),
        DemoEntity(name: "Cursor", rendering: "Cursor", kind: .tool, weight: 3, trend: 2.8),
        DemoEntity(name: "Stable Diffusion", rendering: "Stable Diffusion", kind: .model, weight: 2, trend: 0.3),
        DemoEntity(name: "Sora", rendering: "Sora", kind: .product, weight: 2, trend: 1.6),
        DemoEntity(name: "Ollama", rendering: "Ollama", kind: .tool, weight: 2, trend: 1.7),
        DemoEntity(name: "LangChain", rendering: "LangChain", kind: .tool, weight: 2, trend: 0.6),
        DemoEntity(name: "Sam Altman", rendering: "サム・アルトマン", kind: .person, weight: 3, trend: 1),
        DemoEntity(name: "Dario Amodei", rendering: "ダリオ・アモデイ", kind: .person, weight: 2, trend: 2),
        DemoEntity(name: "Jensen Huang", rendering: "ジェンスン・フアン", kind: .person, weight: 2, trend: 1.3),
        DemoEntity(name: "Demis Hassabis", rendering: "デミス・ハサビス", kind: .person, weight: 1, trend: 1),
    ]

    static let tags = [
        "生成AI", "大規模言語モデル", "画像生成", "動画生成", "音声認識", "音声合成", "マルチモーダル", "AIエージェント",
        "コーディング支援", "オープンソース", "半導体", "GPU", "データセンター", "クラウド", "資金調達", "買収",
        "規制", "著作権", "安全性", "倫理", "教育", "医療", "金融", "製造業", "ロボティクス", "自動運転",
        "研究論文", "ベンチマーク", "推論", "ファインチューニング", "RAG", "検索", "プライバシー", "セキュリティ",
        "日本市場", "スタートアップ", "雇用", "政策", "エッジAI", "評価",
    ]

    static let announcementsJapanese = [
        ("新しい推論モデル", "を発表"), ("企業向けプラン", "を開始"), ("開発者向けAPI", "を刷新"), ("研究成果", "を公開"),
        ("大型の資金調達", "を完了"), ("日本法人", "を設立"), ("安全性の報告書", "を公表"), ("料金体系", "を改定"),
        ("オープンソース版", "をリリース"), ("新たな提携", "を締結"), ("データセンター投資", "を拡大"), ("評価基準", "を提案"),
    ]
    static let announcementsEnglish = [
        "unveils a new reasoning model", "launches an enterprise plan", "overhauls its developer API", "publishes new research",
        "closes a major funding round", "opens a Japanese subsidiary", "releases a safety report", "revises its pricing",
        "releases an open-source version", "signs a new partnership", "expands data centre investment", "proposes a benchmark",
    ]
    static let sentencesJapanese = [
        "発表によると、処理速度は従来比で大幅に向上したという。", "利用者はすでに一部の地域で試すことができる。",
        "競合各社も同様の取り組みを進めており、市場の動きは速い。", "専門家は長期的な影響について慎重な見方を示している。",
        "日本の企業にとっても導入を検討する価値がある。", "詳細な技術資料は後日公開される予定だ。",
        "価格は用途に応じて段階的に設定される。", "安全性の検証には外部の研究者も参加した。",
    ]
    static let sentencesEnglish = [
        "According to the announcement, processing is considerably faster than before.",
        "Users in some regions can already try it.", "Competitors are pursuing similar efforts, and the market moves fast.",
        "Experts remain cautious about the long-term effects.", "Japanese companies may also want to consider adopting it.",
        "Detailed technical documents will follow later.", "Prices are tiered by use.", "Outside researchers took part in the safety review.",
    ]

    /// Articles per hour of the day in JST: quiet at night, busiest in the morning and evening,
    /// when American and Japanese news overlap with readers.
    static let hourlyWeights: [Double] = [
        3, 2, 1.5, 1, 1, 1.5, 3, 5, 7, 8, 7, 6, 5, 5, 4, 4, 4, 5, 6, 7, 8, 7, 6, 4,
    ]

    /// Adds the demo sources and `count` published articles shown over the last `days` days
    /// before `now`, in batches. `progress` hears how many are stored so far.
    public static func fill(_ store: Store, count: Int, now: Date, progress: (Int) -> Void) async throws -> Int {
        var sourceIDs: [Int64] = []
        for source in sources {
            sourceIDs.append(try await store.addSource(url: source.url, name: source.name, kind: .feed).id)
        }
        var generator = SeededGenerator(seed: UInt64(count))
        var stored = 0
        while stored < count {
            let batch = (stored..<min(stored + batchSize, count)).map { index in
                article(index, sourceIDs: sourceIDs, now: now, using: &generator)
            }
            stored += try await store.insertPublished(batch, synthetic: true, now: now)
            progress(stored)
        }
        return stored
    }

    static func article(_ index: Int, sourceIDs: [Int64], now: Date, using generator: inout SeededGenerator) -> BulkPublishedArticle {
        let shownAt = shownAt(now: now, using: &generator)
        let daysAgo = now.timeIntervalSince(shownAt) / 86_400
        let main = pick(entities.filter { $0.kind != .person }, using: &generator) { entity in
            // Linear in time: `trend` times the weight today, the weight itself `days` ago.
            entity.weight * (1 + (entity.trend - 1) * (1 - daysAgo / Double(days)))
        }
        let others = (0..<Int.random(in: 1...3, using: &generator)).map { _ in entities.randomElement(using: &generator)! }
            .filter { $0.name != main.name }
        let announcement = Int.random(in: 0..<announcementsJapanese.count, using: &generator)
        let (object, verb) = announcementsJapanese[announcement]
        let title = "\(main.rendering)、\(object)\(verb)"
        let originalTitle = "\(main.name) \(announcementsEnglish[announcement])"
        let isVideo = Double.random(in: 0..<1, using: &generator) < videoShare
        let sourceID = isVideo ? sourceIDs[sourceIDs.count - 1] : sourceIDs[Int.random(in: 0..<(sourceIDs.count - 1), using: &generator)]
        let videoID = isVideo ? String((0..<11).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_".randomElement(using: &generator)! }) : nil
        let japanese = { (count: Int, generator: inout SeededGenerator) in
            (0..<count).map { _ in sentencesJapanese.randomElement(using: &generator)! }.joined()
        }
        let english = { (count: Int, generator: inout SeededGenerator) in
            (0..<count).map { _ in sentencesEnglish.randomElement(using: &generator)! }.joined(separator: " ")
        }
        let scores = AxisScores(depth: Int.random(in: 1...5, using: &generator), relevance: Int.random(in: 2...5, using: &generator),
                                practicality: Int.random(in: 1...5, using: &generator), novelty: Int.random(in: 1...5, using: &generator))
        let articleTags = Array(Set((0..<Int.random(in: 2...4, using: &generator)).map { _ in tags.randomElement(using: &generator)! }))
        let analysis = Analysis(
            title: title, tldr: "\(main.rendering)が\(object)\(verb)した。\(japanese(1, &generator))",
            keyPoints: (1...3).map { number in KeyPoint(heading: "要点\(number)", body: japanese(2, &generator)) },
            impact: japanese(2, &generator), editorial: japanese(2, &generator),
            tags: articleTags.sorted(),
            entities: [Entity(name: main.name, kind: main.kind, rendering: main.rendering, main: true)]
                + others.map { Entity(name: $0.name, kind: $0.kind, rendering: $0.rendering, main: false) },
            scores: scores, analysedAt: shownAt.addingTimeInterval(600), model: "demo")
        let paragraphs = Int.random(in: 3...6, using: &generator)
        let original = (0..<paragraphs).map { _ in Block.paragraph([.text(english(3, &generator))]) }
        let translated = [Block.heading(level: 2, [.text("概要")])]
            + (0..<paragraphs).map { _ in Block.paragraph([.text(japanese(3, &generator))]) }
        let url = videoID.map { "https://www.youtube.com/watch?v=\($0)" } ?? "https://demo-\(sourceID).example/articles/\(index + 1)"
        return BulkPublishedArticle(
            sourceID: sourceID, url: url,
            title: originalTitle, author: "Demo Writer", shownAt: shownAt,
            imageURL: videoID.map { "https://i.ytimg.com/vi/\($0)/hqdefault.jpg" }, videoID: videoID,
            article: Article(title: originalTitle, author: "Demo Writer", publishedAt: shownAt, language: "en", blocks: original),
            analysis: analysis,
            translation: Translation(language: "ja", blocks: translated, translatedAt: shownAt.addingTimeInterval(900), model: "demo"))
    }

    /// A moment in the last `days` days: weekdays busier than weekends, hours by `hourlyWeights`.
    static func shownAt(now: Date, using generator: inout SeededGenerator) -> Date {
        let calendar = Calendar.gregorian(in: Edition.japanese.timeZone)
        let today = calendar.startOfDay(for: now)
        while true {
            let day = Int.random(in: 0..<days, using: &generator)
            guard let date = calendar.date(byAdding: .day, value: -day, to: today) else { continue }
            let weekday = calendar.component(.weekday, from: date)
            if (weekday == 1 || weekday == 7) && Bool.random(using: &generator) { continue }
            let hour = pick(Array(0..<24), using: &generator) { hourlyWeights[$0] }
            let moment = date.addingTimeInterval(Double(hour * 3600 + Int.random(in: 0..<3600, using: &generator)))
            if moment <= now { return moment }
        }
    }

    static func pick<Element>(_ elements: [Element], using generator: inout SeededGenerator, weight: (Element) -> Double) -> Element {
        let weights = elements.map { max(weight($0), 0.01) }
        var point = Double.random(in: 0..<weights.reduce(0, +), using: &generator)
        for (element, weight) in zip(elements, weights) {
            if point < weight { return element }
            point -= weight
        }
        return elements[elements.count - 1]
    }
}

/// SplitMix64: a small generator whose output depends only on its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
