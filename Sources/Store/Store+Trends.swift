import Foundation
import KawarabanCore
import SQLKit

/// Consecutive whole days, the first starting at `start` (midnight in the edition's time zone),
/// over which published items are counted day by day. Days are 24 hours from `start`: exact for
/// the Japanese edition's time zone, which has no daylight saving time.
public struct DayWindow: Sendable, Hashable {
    public static let secondsPerDay = 86_400
    /// The longest window counted: bounds the rows a daily count returns per subject.
    public static let maximumDays = 400

    public let start: Date
    public let days: Int

    /// The `days` days (1…`maximumDays`) whose last one begins at `lastDayStart`.
    public init(days: Int, lastDayStart: Date) {
        self.days = min(max(days, 1), Self.maximumDays)
        self.start = lastDayStart.addingTimeInterval(-Double((self.days - 1) * Self.secondsPerDay))
    }

    public var end: Date { dayStart(days) }

    /// The start of day `index` (0 is the first).
    public func dayStart(_ index: Int) -> Date {
        start.addingTimeInterval(Double(index * Self.secondsPerDay))
    }
}

/// Two periods of equal length, one right after the other, compared by the trends: the current
/// one ends with the last day of `chart`, the previous one fills the first half of it.
public struct TrendPeriods: Sendable, Hashable {
    /// The days of each period.
    public let days: Int
    /// Both periods, the previous one first: the days a trend's chart draws.
    public let chart: DayWindow

    public init(days: Int, lastDayStart: Date) {
        self.days = min(max(days, 1), DayWindow.maximumDays / 2)
        self.chart = DayWindow(days: self.days * 2, lastDayStart: lastDayStart)
    }

    /// The start of the current period.
    public var currentStart: Date { chart.dayStart(days) }
}

/// When a count has risen or fallen enough to be shown, and how changes rank. Small counts move a
/// lot by chance (one article to three is +200%), so a subject needs `minimumCount` items in the
/// busier period, and changes rank by the smoothed ratio (busier + `smoothing`) / (quieter +
/// `smoothing`), which damps changes between small counts more than between large ones: with a
/// smoothing of 5, 0 → 3 (1.6) ranks below 10 → 20 (1.67).
public struct TrendRule: Sendable, Hashable {
    public var minimumCount: Int
    public var smoothing: Int

    public init(minimumCount: Int, smoothing: Int) {
        self.minimumCount = max(minimumCount, 1)
        self.smoothing = max(smoothing, 1)
    }
}

public enum TrendDirection: Sendable, Hashable {
    case rising, falling
}

/// A subject (an entity, a tag) with its counts of published items in the current period and the
/// one before.
public struct TrendChange<Subject: Sendable & Hashable>: Sendable, Hashable {
    public var subject: Subject
    public var current: Int
    public var previous: Int
}

/// Counts of published items by day and by subject, for the pages about companies and tools and
/// for the trends: what is counted is a published item naming an entity (`item_entities`) or
/// carrying a tag (`item_tags`), on the day of its `shown_at`. Every count is done in SQL, reading
/// items through the listing index's range on (stage, shown_at), and every answer is bounded by
/// its limit or by its subjects times its days.
extension Store {
    /// The most subjects one daily count reads: more than any page draws charts for.
    public static let maximumCountedSubjects = 100

    /// The entity with this id when it is of one of `kinds`.
    public func entity(id: Int64, kinds: [EntityKind]) async throws(StoreError) -> StoredEntity? {
        guard !kinds.isEmpty else { return nil }
        return try await translatingErrors("reading entity \(id)") {
            try await database.raw("""
                SELECT id, name, kind, name_key FROM entities
                WHERE id = \(bind: id) AND kind IN (\(literals: kinds.map(\.rawValue), joinedBy: ", "))
                """).first().map(Self.storedEntity)
        }
    }

    /// Entities of `kinds` with the number of published items naming each, most first (ties by
    /// name, then id); entities no published item names are left out.
    public func entityMentions(kinds: [EntityKind], limit: Int, offset: Int) async throws(StoreError) -> [EntityMentions] {
        guard !kinds.isEmpty, limit > 0, offset >= 0 else { return [] }
        return try await translatingErrors("counting the articles about each entity") {
            try await database.raw("""
                SELECT entities.id, entities.name, entities.kind, entities.name_key, counted.mentions
                FROM (
                    SELECT item_entities.entity_id, COUNT(*) AS mentions
                    FROM item_entities JOIN items ON items.id = item_entities.item_id
                    WHERE \(Self.listable)
                    GROUP BY item_entities.entity_id
                ) AS counted
                JOIN entities ON entities.id = counted.entity_id
                WHERE entities.kind IN (\(literals: kinds.map(\.rawValue), joinedBy: ", "))
                ORDER BY counted.mentions DESC, \(unsafeRaw: dialect.bytewise("entities.name")), entities.id
                LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all().map(Self.entityMentions)
        }
    }

    /// The number of published items naming entity `id`.
    public func mentionCount(ofEntity id: Int64) async throws(StoreError) -> Int {
        try await translatingErrors("counting the articles about entity \(id)") {
            try await database.raw("""
                SELECT COUNT(*) AS mentions FROM item_entities JOIN items ON items.id = item_entities.item_id
                WHERE item_entities.entity_id = \(bind: id) AND \(Self.listable)
                """).first()?.decode(column: "mentions", as: Int.self) ?? 0
        }
    }

    /// The entities of `kinds` that item `itemID` names, those it is mainly about first (then by
    /// name, then id).
    public func entities(ofItem itemID: Int64, kinds: [EntityKind]) async throws(StoreError) -> [StoredEntity] {
        guard !kinds.isEmpty else { return [] }
        return try await translatingErrors("listing the entities of item \(itemID)") {
            try await database.raw("""
                SELECT entities.id, entities.name, entities.kind, entities.name_key
                FROM item_entities JOIN entities ON entities.id = item_entities.entity_id
                WHERE item_entities.item_id = \(bind: itemID) AND entities.kind IN (\(literals: kinds.map(\.rawValue), joinedBy: ", "))
                ORDER BY item_entities.main DESC, \(unsafeRaw: dialect.bytewise("entities.name")), entities.id
                """).all().map(Self.storedEntity)
        }
    }

    /// Published items naming entity `id`, newest first by `shownAt`.
    public func headlines(aboutEntityID id: Int64, limit: Int, offset: Int) async throws(StoreError) -> [PublishedHeadline] {
        try await headlines(where: "items.id IN (SELECT item_id FROM item_entities WHERE entity_id = \(bind: id))",
                            limit: limit, offset: offset, doing: "listing the articles about entity \(id)")
    }

    /// Entities of `kinds` named together with entity `id` in published items, by the number of
    /// such items, most first (ties by name, then id).
    public func coMentionedEntities(of id: Int64, kinds: [EntityKind], limit: Int) async throws(StoreError) -> [EntityMentions] {
        guard !kinds.isEmpty, limit > 0 else { return [] }
        return try await translatingErrors("listing the entities named with entity \(id)") {
            try await database.raw("""
                SELECT entities.id, entities.name, entities.kind, entities.name_key, COUNT(*) AS mentions
                FROM item_entities AS mine
                JOIN items ON items.id = mine.item_id
                JOIN item_entities AS theirs ON theirs.item_id = mine.item_id AND theirs.entity_id <> mine.entity_id
                JOIN entities ON entities.id = theirs.entity_id
                WHERE mine.entity_id = \(bind: id) AND \(Self.listable)
                    AND entities.kind IN (\(literals: kinds.map(\.rawValue), joinedBy: ", "))
                GROUP BY entities.id, entities.name, entities.kind, entities.name_key
                ORDER BY mentions DESC, \(unsafeRaw: dialect.bytewise("entities.name")), entities.id
                LIMIT \(bind: limit)
                """).all().map(Self.entityMentions)
        }
    }

    /// For each entity among `ids` (the first `maximumCountedSubjects`), the published items naming
    /// it on each day of `window`, oldest day first; an entity no item names has only zeros.
    public func dailyCounts(ofEntities ids: [Int64], in window: DayWindow) async throws(StoreError) -> [Int64: [Int]] {
        try await dailyCounts(of: .entities, ids, in: window, doing: "counting the entities' articles by day")
    }

    /// For each tag among `tags` (the first `maximumCountedSubjects`), the published items carrying
    /// it on each day of `window`, oldest day first.
    public func dailyCounts(ofTags tags: [String], in window: DayWindow) async throws(StoreError) -> [String: [Int]] {
        try await dailyCounts(of: .tags, tags, in: window, doing: "counting the tags' articles by day")
    }

    /// Entities of `kinds` whose published items rose (or fell) from the previous period to the
    /// current one under `rule`, the largest change first (ties: the larger count, then name, id).
    public func entityTrends(kinds: [EntityKind], _ direction: TrendDirection, over periods: TrendPeriods,
                             rule: TrendRule, limit: Int) async throws(StoreError) -> [TrendChange<StoredEntity>] {
        guard !kinds.isEmpty, limit > 0 else { return [] }
        return try await translatingErrors("ranking the entities' trends") {
            try await database.raw("""
                SELECT entities.id, entities.name, entities.kind, entities.name_key, counted.current, counted.previous
                FROM (\(Self.periodCounts(of: .entities, periods))) AS counted
                JOIN entities ON entities.id = counted.subject
                WHERE entities.kind IN (\(literals: kinds.map(\.rawValue), joinedBy: ", "))
                    AND \(Self.trendFilter(direction, rule))
                ORDER BY \(trendOrder(direction, rule)), \(unsafeRaw: dialect.bytewise("entities.name")), entities.id
                LIMIT \(bind: limit)
                """).all().map { row in
                TrendChange(subject: try Self.storedEntity(from: row), current: try row.decode(column: "current", as: Int.self),
                            previous: try row.decode(column: "previous", as: Int.self))
            }
        }
    }

    /// Tags whose published items rose (or fell) from the previous period to the current one under
    /// `rule`, the largest change first (ties: the larger count, then the tag).
    public func tagTrends(_ direction: TrendDirection, over periods: TrendPeriods,
                          rule: TrendRule, limit: Int) async throws(StoreError) -> [TrendChange<String>] {
        guard limit > 0 else { return [] }
        return try await translatingErrors("ranking the tags' trends") {
            try await database.raw("""
                SELECT counted.subject, counted.current, counted.previous
                FROM (\(Self.periodCounts(of: .tags, periods))) AS counted
                WHERE \(Self.trendFilter(direction, rule))
                ORDER BY \(trendOrder(direction, rule)), \(unsafeRaw: dialect.bytewise("counted.subject"))
                LIMIT \(bind: limit)
                """).all().map { row in
                TrendChange(subject: try row.decode(column: "subject", as: String.self),
                            current: try row.decode(column: "current", as: Int.self),
                            previous: try row.decode(column: "previous", as: Int.self))
            }
        }
    }

    static func storedEntity(from row: any SQLRow) throws -> StoredEntity {
        StoredEntity(
            id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
            kind: EntityKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .product,
            nameKey: try row.decode(column: "name_key", as: String.self))
    }

    static func entityMentions(from row: any SQLRow) throws -> EntityMentions {
        EntityMentions(entity: try storedEntity(from: row), items: try row.decode(column: "mentions", as: Int.self))
    }

    /// What a count is of: the table linking items to it and its column there.
    private enum CountedLink {
        case entities, tags

        var column: String {
            switch self {
            case .entities: return "item_entities.entity_id"
            case .tags: return "item_tags.tag"
            }
        }

        var join: SQLQueryString {
            switch self {
            case .entities: return "JOIN item_entities ON item_entities.item_id = items.id"
            case .tags: return "JOIN item_tags ON item_tags.item_id = items.id"
            }
        }
    }

    /// Published items in `window`, counted by subject and day: at most subjects × days rows.
    private func dailyCounts<Key: Hashable & Codable & Sendable>(
        of link: CountedLink, _ keys: [Key], in window: DayWindow, doing what: String
    ) async throws(StoreError) -> [Key: [Int]] {
        var seen = Set<Key>()
        let counted = Array(keys.filter { seen.insert($0).inserted }.prefix(Self.maximumCountedSubjects))
        guard !counted.isEmpty else { return [:] }
        return try await translatingErrors(what) {
            let rows = try await database.raw("""
                SELECT \(unsafeRaw: link.column) AS subject, \(dialect.dayIndex(of: "items.shown_at", from: window.start)) AS day_index,
                    COUNT(*) AS items
                FROM items \(link.join)
                WHERE \(Self.listable) AND items.shown_at >= \(bind: window.start.storedValue)
                    AND items.shown_at < \(bind: window.end.storedValue)
                    AND \(unsafeRaw: link.column) IN (\(counted.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")))
                GROUP BY subject, day_index
                """).all()
            var counts = Dictionary(uniqueKeysWithValues: counted.map { ($0, [Int](repeating: 0, count: window.days)) })
            for row in rows {
                let subject = try row.decode(column: "subject", as: Key.self)
                let day = try row.decode(column: "day_index", as: Int.self)
                guard counts[subject] != nil, (0..<window.days).contains(day) else { continue }
                counts[subject]?[day] = try row.decode(column: "items", as: Int.self)
            }
            return counts
        }
    }

    /// Each subject named by published items in either period, with its counts in the current
    /// period and in the previous one.
    private static func periodCounts(of link: CountedLink, _ periods: TrendPeriods) -> SQLQueryString {
        let middle = periods.currentStart.storedValue
        return """
            SELECT \(unsafeRaw: link.column) AS subject,
                SUM(CASE WHEN items.shown_at >= \(bind: middle) THEN 1 ELSE 0 END) AS current,
                SUM(CASE WHEN items.shown_at < \(bind: middle) THEN 1 ELSE 0 END) AS previous
            FROM items \(link.join)
            WHERE \(listable) AND items.shown_at >= \(bind: periods.chart.start.storedValue)
                AND items.shown_at < \(bind: periods.chart.end.storedValue)
            GROUP BY \(unsafeRaw: link.column)
            """
    }

    private static func trendFilter(_ direction: TrendDirection, _ rule: TrendRule) -> SQLQueryString {
        switch direction {
        case .rising: return "counted.current > counted.previous AND counted.current >= \(literal: rule.minimumCount)"
        case .falling: return "counted.previous > counted.current AND counted.previous >= \(literal: rule.minimumCount)"
        }
    }

    /// The smoothed ratio of the busier period to the quieter one, largest first, then the busier
    /// count. Integers divided as doubles give the same order on both databases.
    private func trendOrder(_ direction: TrendDirection, _ rule: TrendRule) -> SQLQueryString {
        let (busier, quieter) = direction == .rising ? ("counted.current", "counted.previous") : ("counted.previous", "counted.current")
        return """
            CAST(\(unsafeRaw: busier) + \(literal: rule.smoothing) AS \(unsafeRaw: dialect.timestamp)) / (\(unsafeRaw: quieter) + \(literal: rule.smoothing)) DESC,
                \(unsafeRaw: busier) DESC
            """
    }
}

extension Dialect {
    /// The whole days from `start` to `column`, for values at or after `start`: SQLite's CAST
    /// truncates, which is the floor there; PostgreSQL's rounds, so it takes the floor first.
    func dayIndex(of column: String, from start: Date) -> SQLQueryString {
        switch self {
        case .sqlite:
            return "CAST((\(unsafeRaw: column) - \(bind: start.storedValue)) / \(literal: DayWindow.secondsPerDay) AS INTEGER)"
        case .postgres:
            return "CAST(FLOOR((\(unsafeRaw: column) - \(bind: start.storedValue)) / \(literal: DayWindow.secondsPerDay)) AS BIGINT)"
        }
    }

    /// `column` ordered by its bytes, as SQLite compares text; PostgreSQL would otherwise use the
    /// database's locale, and the two would list ties differently.
    func bytewise(_ column: String) -> String {
        switch self {
        case .sqlite: return column
        case .postgres: return "\(column) COLLATE \"C\""
        }
    }
}
