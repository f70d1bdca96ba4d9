import Foundation
import KawarabanCore
import Store

/// Digests of the demo's synthetic articles (`kawaraban demo`), so that AI日報, Hacker日報 and 週報
/// have pages to try: AI日報 and 週報 composed as without a model, and Hacker日報 from the day's
/// most important articles with invented points, comment counts and thread summaries. Every lead
/// says the digest is synthetic, as the site says of every page.
public enum DemoDigests {
    /// Days back, from yesterday, that get an AI日報 and a Hacker日報.
    static let days = 14
    /// Finished weeks, from last week, that get a 週報.
    static let weeks = 4
    /// Stories in a demo Hacker日報, and how many of them have a thread summary.
    static let hackerStories = 6
    static let summarisedThreads = 2

    static let threadOverviews = [
        "性能の伸びを評価する声と、検証方法を疑う声に分かれた。", "実務での使い道をめぐって具体的な報告が多く寄せられた。",
        "価格と提供条件への不満が議論の中心になった。",
    ]
    static let stances: [(String, ThreadPosition.Reception)] = [
        ("公開されたベンチマークは実際の作業での性能を反映していない", .divided), ("手元で試すと以前のモデルより明らかに速い", .agreed),
        ("オープンな重みで公開しない限り検証できない", .disputed), ("小さな開発者にとっては料金の改定が最も大きな変化だ", .agreed),
        ("安全性の評価手順がもっと詳しく公開されるべきだ", .divided),
    ]

    /// Writes the demo's digests for the days and weeks before `now`; returns how many.
    public static func write(_ store: Store, edition: Edition, now: Date) async throws -> Int {
        let desk = DigestDesk(store: store, editor: nil, edition: edition)
        let today = DigestSlot(kind: .daily, containing: now, timeZone: edition.timeZone)
        var generator = SeededGenerator(seed: UInt64(days))
        var written = 0
        var day = today
        for _ in 0..<days {
            day = day.previous(in: edition.timeZone)
            var daily = try await DailyDigestComposer(desk: desk).compose(day, now: now)
            daily.lead = daily.isEmpty ? nil : "【デモ】この日に公開された合成記事\(daily.itemIDs.count)件を、タグごとにまとめた日報です。"
            try await store.writeDigest(daily, now: now)
            try await store.writeDigest(hackerDigest(from: daily, using: &generator), now: now)
            written += 2
        }
        var week = DigestSlot(kind: .weekly, containing: now, timeZone: edition.timeZone)
        for _ in 0..<weeks {
            week = week.previous(in: edition.timeZone)
            var weekly = try await WeeklyDigestComposer(desk: desk).compose(week, now: now)
            weekly.lead = weekly.isEmpty ? nil : "【デモ】この週の合成記事から、重要度の高いものと記事数の伸びた話題を挙げた週報です。"
            try await store.writeDigest(weekly, now: now)
            written += 1
        }
        return written
    }

    /// The day's most important stories as if Hacker News had discussed them.
    static func hackerDigest(from daily: Digest, using generator: inout SeededGenerator) -> Digest {
        let stories = daily.sections.flatMap(\.entries).sorted { $0.importance > $1.importance }.prefix(hackerStories)
        let entries = stories.enumerated().map { rank, entry in
            var discussed = entry
            let summary = rank < summarisedThreads
                ? ThreadSummary(overview: threadOverviews.randomElement(using: &generator)!,
                                positions: stances.shuffled(using: &generator).prefix(3).map { ThreadPosition(stance: $0.0, reception: $0.1) },
                                commentsRead: Int.random(in: 80...300, using: &generator))
                : nil
            discussed.discussion = HackerNewsDiscussion(
                storyID: Int.random(in: 40_000_000...46_000_000, using: &generator), points: Int.random(in: 100...1_500, using: &generator),
                commentCount: Int.random(in: 40...900, using: &generator), summary: summary)
            return discussed
        }
        var slot = daily.slot
        slot.kind = .hacker
        return Digest(slot: slot, title: daily.title.replacingOccurrences(of: "AI日報", with: "Hacker日報"),
                      lead: entries.isEmpty ? nil : "【デモ】合成記事に、架空のHacker Newsの反応を添えた日報です。",
                      sections: entries.isEmpty ? [] : [DigestSection(theme: "Hacker Newsで話題のAIニュース", entries: Array(entries))],
                      tags: daily.tags, model: nil, writtenAt: daily.writtenAt)
    }
}
