import Foundation
import Hummingbird
import KawarabanCore
import Store

// トレンド: the entities and tags whose articles rose or fell over the last 7 and 30 days
// against the period before, each with a chart of both periods.

extension SitePages {
    /// The periods compared, in days, each ending today.
    static let trendPeriodDays = [7, 30]
    /// A subject needs three articles in its busier period, and changes rank by
    /// (busier + 5) / (quieter + 5), so that a subject first named three times ranks below one
    /// that doubled from ten: see `TrendRule`.
    static let trendRule = TrendRule(minimumCount: 3, smoothing: 5)
    /// Entries per list (rising or falling, entities or tags, per period).
    static let trendListLength = 10

    /// `/trends`.
    func trends(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let today = renderer.today()
        var windows: [TrendWindowContent] = []
        for days in Self.trendPeriodDays {
            let periods = TrendPeriods(days: days, lastDayStart: today)
            var entities: [TrendDirection: [TrendChange<StoredEntity>]] = [:]
            var tags: [TrendDirection: [TrendChange<String>]] = [:]
            for direction in [TrendDirection.rising, .falling] {
                entities[direction] = try await store.entityTrends(
                    kinds: EntitySection.listedKinds, direction, over: periods, rule: Self.trendRule, limit: Self.trendListLength)
                tags[direction] = try await store.tagTrends(direction, over: periods, rule: Self.trendRule, limit: Self.trendListLength)
            }
            let entityCounts = try await store.dailyCounts(
                ofEntities: entities.values.flatMap { $0.map(\.subject.id) }, in: periods.chart)
            let tagCounts = try await store.dailyCounts(ofTags: tags.values.flatMap { $0.map(\.subject) }, in: periods.chart)
            windows.append(TrendWindowContent(
                days: periods.days,
                entities: entities.mapValues { $0.map { ($0, entityCounts[$0.subject.id] ?? []) } },
                tags: tags.mapValues { $0.map { ($0, tagCounts[$0.subject] ?? []) } }))
        }
        return Self.htmlResponse(try renderer.trendsPage(windows))
    }
}

/// One period's changes, with each subject's daily counts over both periods.
struct TrendWindowContent {
    var days: Int
    var entities: [TrendDirection: [(TrendChange<StoredEntity>, [Int])]]
    var tags: [TrendDirection: [(TrendChange<String>, [Int])]]
}

extension SiteRenderer {
    func trendsPage(_ windows: [TrendWindowContent]) throws -> String {
        let rule = SitePages.trendRule
        let view = TrendsPage(
            chrome: chrome(title: "トレンド", description: "記事数が伸びている・減っている企業、AIツール、タグ。", path: "/trends"),
            ruleNote: "直近の期間とその前の同じ長さの期間で、掲載記事の数を比べています。"
                + "多い方の期間に\(rule.minimumCount)件以上あるものだけを挙げ、"
                + "(多い方の件数+\(rule.smoothing))÷(少ない方の件数+\(rule.smoothing))の大きい順に並べています。",
            windows: windows.map { window in
                let entityLists = [TrendDirection.rising, .falling].map { direction in
                    TrendList(heading: "\(direction == .rising ? "伸びている" : "減っている")企業・AIツール",
                              entries: (window.entities[direction] ?? []).map { change, counts in
                                  trendEntry(name: change.subject.name, path: EntitySection.path(of: change.subject),
                                             change: change, counts: counts, days: window.days)
                              })
                }
                let tagLists = [TrendDirection.rising, .falling].map { direction in
                    TrendList(heading: "\(direction == .rising ? "伸びている" : "減っている")タグ",
                              entries: (window.tags[direction] ?? []).map { change, counts in
                                  trendEntry(name: "#\(change.subject)", path: SitePages.tagPath(change.subject),
                                             change: change, counts: counts, days: window.days)
                              })
                }
                return TrendWindowView(heading: "\(window.days)日間", id: "days-\(window.days)", days: window.days,
                                       lists: entityLists + tagLists)
            })
        return try render(view, "trends")
    }

    private func trendEntry<Subject>(name: String, path: String?, change: TrendChange<Subject>, counts: [Int], days: Int) -> TrendEntry {
        let difference = change.current - change.previous
        return TrendEntry(
            name: name, path: path, current: change.current, previous: change.previous,
            change: difference > 0 ? "+\(difference)" : "−\(-difference)",
            chartSVG: DailyChart(counts: counts, earlierDays: days, size: .sparkline, subject: "\(name)の記事数").svg())
    }
}

struct TrendEntry {
    var name: String
    var path: String?
    var current: Int
    var previous: Int
    var change: String
    var chartSVG: String
}

struct TrendList {
    var heading: String
    var entries: [TrendEntry]
}

struct TrendWindowView {
    var heading: String
    var id: String
    var days: Int
    var lists: [TrendList]
}

struct TrendsPage {
    var chrome: PageChrome
    var ruleNote: String
    var windows: [TrendWindowView]
}
