import Foundation

/// The site's three editorial products beside the article stream.
public enum DigestKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// AI日報: the previous day's published stories, by theme.
    case daily
    /// Hacker日報: the day's AI stories on Hacker News and how their threads argued.
    case hacker
    /// 週報: the previous week, Monday to Sunday.
    case weekly
}

/// Which period one digest covers: a day or an ISO week in the edition's time zone, named by the
/// key its address carries (`2026-11-29`, `2026-W48`). A slot is written at most once; its key is
/// the row's key in `digests`.
public struct DigestSlot: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: DigestKind
    /// `YYYY-MM-DD` for daily and hacker slots, `YYYY-Www` (ISO 8601 week) for weekly ones.
    public var key: String

    /// The first year a slot may name: older addresses are no page of this site.
    public static let earliestYear = 2000
    public static let latestYear = 9999

    /// A slot from an address's or a command's key; nil unless the key is exactly the kind's form
    /// and names a real day or week.
    public init?(kind: DigestKind, key: String) {
        let utf8 = Array(key.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= utf8.count, range.allSatisfy({ (0x30...0x39).contains(utf8[$0]) }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(utf8[$1] - 0x30) }
        }
        guard let year = number(0..<4), (Self.earliestYear...Self.latestYear).contains(year) else { return nil }
        switch kind {
        case .daily, .hacker:
            guard utf8.count == 10, utf8[4] == 0x2D, utf8[7] == 0x2D, let month = number(5..<7), let day = number(8..<10),
                  (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year) else { return nil }
        case .weekly:
            guard utf8.count == 8, utf8[4] == 0x2D, utf8[5] == 0x57, let week = number(6..<8),
                  week >= 1, week <= Self.isoWeeks(inYear: year) else { return nil }
        }
        self.kind = kind
        self.key = key
    }

    /// The slot covering the edition's day (or, for weekly, the ISO week) that holds `date`.
    public init(kind: DigestKind, containing date: Date, timeZone: TimeZone) {
        let calendar = Calendar.gregorian(in: timeZone)
        self.kind = kind
        switch kind {
        case .daily, .hacker:
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            key = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        case .weekly:
            let iso = Calendar.iso8601Weeks(in: timeZone)
            let parts = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            key = String(format: "%04d-W%02d", parts.yearForWeekOfYear ?? 0, parts.weekOfYear ?? 0)
        }
    }

    /// The period covered, from its first instant up to (not including) the next period's first.
    public func interval(in timeZone: TimeZone) -> DateInterval {
        let start: Date
        let calendar: Calendar
        switch kind {
        case .daily, .hacker:
            calendar = .gregorian(in: timeZone)
            let parts = key.split(separator: "-").compactMap { Int($0) }
            start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))!
            return DateInterval(start: start, end: calendar.date(byAdding: .day, value: 1, to: start)!)
        case .weekly:
            calendar = .iso8601Weeks(in: timeZone)
            let year = Int(key.prefix(4))!, week = Int(key.suffix(2))!
            start = calendar.date(from: DateComponents(weekday: 2, weekOfYear: week, yearForWeekOfYear: year))!
            return DateInterval(start: start, end: calendar.date(byAdding: .day, value: 7, to: start)!)
        }
    }

    /// The slot before this one: the day before, or the week before.
    public func previous(in timeZone: TimeZone) -> DigestSlot {
        DigestSlot(kind: kind, containing: interval(in: timeZone).start.addingTimeInterval(-1), timeZone: timeZone)
    }

    public var description: String { "\(kind.rawValue) \(key)" }

    /// How a Japanese page names the period: "2026年11月29日（日）", or for a week
    /// "2026年第48週（11月23日〜11月29日）"; without the year for lists within one month or year.
    public func japaneseName(in timeZone: TimeZone, withYear: Bool = true) -> String {
        let calendar = Calendar.gregorian(in: timeZone)
        let interval = interval(in: timeZone)
        let year = withYear ? "\(key.prefix(4))年" : ""
        func monthDay(_ date: Date) -> String {
            let parts = calendar.dateComponents([.month, .day], from: date)
            return "\(parts.month ?? 0)月\(parts.day ?? 0)日"
        }
        switch kind {
        case .daily, .hacker:
            let weekday = calendar.component(.weekday, from: interval.start)
            return "\(year)\(monthDay(interval.start))（\(Self.japaneseWeekdays[(weekday - 1) % 7])）"
        case .weekly:
            return "\(year)第\(Int(key.suffix(2)) ?? 0)週（\(monthDay(interval.start))〜\(monthDay(interval.end.addingTimeInterval(-1)))）"
        }
    }

    private static let japaneseWeekdays = ["日", "月", "火", "水", "木", "金", "土"]

    private static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// 53 when the year begins on a Thursday, or is a leap year beginning on a Wednesday; else 52.
    private static func isoWeeks(inYear year: Int) -> Int {
        func weekdayOfJanuaryFirst(_ year: Int) -> Int {
            // 0 = Monday; Gauss's rule for the Gregorian calendar.
            let y = year - 1
            return (y + y / 4 - y / 100 + y / 400) % 7
        }
        let first = weekdayOfJanuaryFirst(year)
        return first == 3 || (first == 2 && isLeap(year)) ? 53 : 52
    }
}

extension Calendar {
    /// ISO 8601 weeks: Monday first, week 1 holds the year's first Thursday.
    static func iso8601Weeks(in timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        return calendar
    }
}

/// One written digest, as stored in `digests.content_json` and rendered by the site. Every text
/// in it is plain text (the site escapes it); an empty digest has no sections and no lead, and
/// the page says there was nothing, rather than the model inventing something.
public struct Digest: Sendable, Hashable, Codable {
    public var slot: DigestSlot
    /// The page's heading, e.g. "AI日報 2026年11月29日（日）".
    public var title: String
    /// The model's paragraph on the day or week (the weekly editorial overview); nil when empty.
    public var lead: String?
    /// Themes, the most important first; each entry one story.
    public var sections: [DigestSection]
    /// The period's most frequent tags and companies, most frequent first.
    public var tags: [DigestFacet]
    public var companies: [DigestFacet]
    /// Weekly only: what rose this week against the week before, with a count per day for the charts.
    public var trends: [DigestTrend]
    /// The model that wrote the prose, when one did.
    public var model: String?
    public var writtenAt: Date

    public init(slot: DigestSlot, title: String, lead: String?, sections: [DigestSection], tags: [DigestFacet] = [],
                companies: [DigestFacet] = [], trends: [DigestTrend] = [], model: String?, writtenAt: Date) {
        self.slot = slot
        self.title = title
        self.lead = lead
        self.sections = sections
        self.tags = tags
        self.companies = companies
        self.trends = trends
        self.model = model
        self.writtenAt = writtenAt
    }

    /// Every article the digest carries, in the order shown: the rows of `digest_items`.
    public var itemIDs: [Int64] { sections.flatMap { $0.entries.map(\.itemID) } }

    public var isEmpty: Bool { sections.allSatisfy { $0.entries.isEmpty } }
}

/// A theme of a digest and its stories, the most important first.
public struct DigestSection: Sendable, Hashable, Codable {
    public var theme: String
    public var entries: [DigestEntry]

    public init(theme: String, entries: [DigestEntry]) {
        self.theme = theme
        self.entries = entries
    }
}

/// One story in a digest: its article (the story's lead), a one-line summary and, in Hacker日報,
/// the discussion on Hacker News.
public struct DigestEntry: Sendable, Hashable, Codable {
    public var itemID: Int64
    /// The article's Japanese title.
    public var title: String
    /// One line in the edition's language.
    public var summary: String
    public var importance: Int
    public var sourceName: String
    /// The other outlets that carried the story.
    public var otherSources: [String]
    public var discussion: HackerNewsDiscussion?

    public init(itemID: Int64, title: String, summary: String, importance: Int, sourceName: String,
                otherSources: [String] = [], discussion: HackerNewsDiscussion? = nil) {
        self.itemID = itemID
        self.title = title
        self.summary = summary
        self.importance = importance
        self.sourceName = sourceName
        self.otherSources = otherSources
        self.discussion = discussion
    }
}

/// A story's thread on Hacker News as Hacker日報 shows it.
public struct HackerNewsDiscussion: Sendable, Hashable, Codable {
    public var storyID: Int
    public var points: Int
    public var commentCount: Int
    /// The thread's summary, for the top stories only.
    public var summary: ThreadSummary?

    public init(storyID: Int, points: Int, commentCount: Int, summary: ThreadSummary?) {
        self.storyID = storyID
        self.points = points
        self.commentCount = commentCount
        self.summary = summary
    }

    /// The thread on news.ycombinator.com.
    public var threadURL: String { "https://news.ycombinator.com/item?id=\(storyID)" }
}

/// How a comment thread went: its main positions, quoting nobody by name.
public struct ThreadSummary: Sendable, Hashable, Codable {
    /// A sentence or two on the debate as a whole.
    public var overview: String
    public var positions: [ThreadPosition]
    /// Comments read for the summary, which the limits may have kept under the thread's count.
    public var commentsRead: Int

    public init(overview: String, positions: [ThreadPosition], commentsRead: Int) {
        self.overview = overview
        self.positions = positions
        self.commentsRead = commentsRead
    }
}

/// One position taken in a thread, and how the thread received it.
public struct ThreadPosition: Sendable, Hashable, Codable {
    public enum Reception: String, Sendable, Hashable, Codable {
        /// Most who answered agreed.
        case agreed
        /// Answers were divided.
        case divided
        /// Most who answered disagreed.
        case disputed
    }

    public var stance: String
    public var reception: Reception

    public init(stance: String, reception: Reception) {
        self.stance = stance
        self.reception = reception
    }
}

/// A tag or company of the period and how many stories named it.
public struct DigestFacet: Sendable, Hashable, Codable {
    public var name: String
    /// The company's entity id, for its page; nil for a tag.
    public var entityID: Int64?
    public var count: Int

    public init(name: String, entityID: Int64? = nil, count: Int) {
        self.name = name
        self.entityID = entityID
        self.count = count
    }
}

/// A subject that rose over the week: its stories per day, Monday first, and the week before's total.
public struct DigestTrend: Sendable, Hashable, Codable {
    public var name: String
    public var entityID: Int64?
    public var dailyCounts: [Int]
    public var previousWeekCount: Int

    public init(name: String, entityID: Int64? = nil, dailyCounts: [Int], previousWeekCount: Int) {
        self.name = name
        self.entityID = entityID
        self.dailyCounts = dailyCounts
        self.previousWeekCount = previousWeekCount
    }
}
