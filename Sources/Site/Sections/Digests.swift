import Foundation
import Hummingbird
import KawarabanCore
import Store

// AI日報, Hacker日報 and 週報: a page per written digest (`/daily/2026-11-29`, `/hacker/…`,
// `/weekly/2026-W48`), an archive per kind (`/daily`) with a page per month (`/daily/2026-11`)
// or, for 週報, per year (`/weekly/2026`), and a feed per kind (`/daily/feed.*`, in Feed.swift).

extension DigestKind {
    /// The kind's archive; its digests' and periods' pages are below it.
    var archivePath: String { "/\(rawValue)" }

    func path(_ slot: DigestSlot) -> String { "\(archivePath)/\(slot.key)" }

    var label: String {
        switch self {
        case .daily: return "AI日報"
        case .hacker: return "Hacker日報"
        case .weekly: return "週報"
        }
    }

    /// What the kind is, under the archive's heading and in its feed.
    var introduction: String {
        switch self {
        case .daily: return "前日に公開されたAIニュースを、テーマごとに重要な順にまとめた日報です。"
        case .hacker: return "Hacker Newsで話題になったAIの記事と、そのコメント欄での議論をまとめた日報です。"
        case .weekly: return "月曜から日曜までの1週間のAIニュースから、主な記事とトレンドをまとめた週報です。"
        }
    }

    /// What a digest with no stories says instead of a blank page.
    var emptyNote: String {
        switch self {
        case .daily: return "この日に公開されたAIニュースはありませんでした。"
        case .hacker: return "この日、Hacker Newsで話題になったAIの記事はありませんでした。"
        case .weekly: return "この週に公開されたAIニュースはありませんでした。"
        }
    }

    /// The facets' headings name the digest's period.
    var periodWord: String { self == .weekly ? "今週" : "この日" }

    /// An archive's pages are months (`2026-11`) of day slots, or years (`2026`) of weeks.
    var periodKeyLength: Int { self == .weekly ? 4 : 7 }
}

/// A page of an archive: a month of AI日報 or Hacker日報, or a year of 週報, named by the key every
/// slot in it begins with.
struct DigestPeriod: Hashable {
    var kind: DigestKind
    var year: Int
    /// Nil for a year.
    var month: Int?

    /// A period from an address's key: exactly `YYYY-MM` for a day kind, `YYYY` for 週報, in the
    /// years a slot may name; nil for anything else.
    init?(kind: DigestKind, key: String) {
        let utf8 = Array(key.utf8.prefix(kind.periodKeyLength + 1))
        guard utf8.count == kind.periodKeyLength,
              let year = Self.number(utf8[0..<4]), (DigestSlot.earliestYear...DigestSlot.latestYear).contains(year)
        else { return nil }
        if kind == .weekly {
            month = nil
        } else {
            guard utf8[4] == UInt8(ascii: "-"), let month = Self.number(utf8[5..<7]), (1...12).contains(month) else { return nil }
            self.month = month
        }
        self.kind = kind
        self.year = year
    }

    init(kind: DigestKind, containing slot: DigestSlot) {
        self.kind = kind
        year = Int(slot.key.prefix(4)) ?? DigestSlot.earliestYear
        month = kind == .weekly ? nil : Int(slot.key.dropFirst(5).prefix(2))
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    var key: String {
        month.map { String(format: "%04d-%02d", year, $0) } ?? String(format: "%04d", year)
    }

    /// Every slot key of the period sorts from `key` through this, the greatest key of the
    /// period's shape: keys of one kind share their shape, so they sort alike under any collation.
    var lastKey: String { month == nil ? "\(key)-W99" : "\(key)-99" }

    var path: String { "\(kind.archivePath)/\(key)" }

    var heading: String { month.map { "\(year)年\($0)月" } ?? "\(year)年" }
}

extension SitePages {
    /// Periods the archive's index lists, newest first: twenty years of months; older ones are
    /// reached page by page from the month pages' links.
    static let digestArchivePeriodLimit = 240
    /// Slots a period holds at most: the days of a month, the ISO weeks of a year.
    static let digestsPerPeriod = 53

    /// `/daily/<key>`, `/hacker/<key>`, `/weekly/<key>`: a digest's page when the key names a
    /// slot, an archive's page when it names a period; a slot not written, a period without
    /// digests and any other key are not found.
    func digestOrPeriod(_ kind: DigestKind, _ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let key = context.parameters.get("key") else { throw HTTPError(.notFound) }
        if let slot = DigestSlot(kind: kind, key: key) { return try await digestPage(slot) }
        if let period = DigestPeriod(kind: kind, key: key) { return try await digestPeriodPage(period) }
        throw HTTPError(.notFound)
    }

    private func digestPage(_ slot: DigestSlot) async throws -> Response {
        guard let digest = try await store.digest(slot) else { throw HTTPError(.notFound) }
        return Self.htmlResponse(try renderer.digestPage(DigestPageContent(
            digest: digest, articleTitles: try await store.publishedTitles(of: digest.itemIDs),
            entityKinds: try await store.entityKinds(of: digest.trends.compactMap(\.entityID)),
            neighbours: try await store.digestNeighbours(slot.kind, before: slot.key, after: slot.key))))
    }

    private func digestPeriodPage(_ period: DigestPeriod) async throws -> Response {
        let listings = try await store.digestListings(period.kind, keysFrom: period.key, through: period.lastKey,
                                                      limit: Self.digestsPerPeriod)
        if listings.isEmpty { throw HTTPError(.notFound) }
        let neighbours = try await store.digestNeighbours(period.kind, before: period.key, after: period.lastKey)
        return Self.htmlResponse(try renderer.digestArchivePage(
            period.kind, .period(period, older: neighbours.older.map { DigestPeriod(kind: period.kind, containing: $0) },
                                 newer: neighbours.newer.map { DigestPeriod(kind: period.kind, containing: $0) }),
            listings: listings))
    }

    /// `/daily`, `/hacker`, `/weekly`: the newest period's digests and every period's count,
    /// newest first; an archive with nothing written yet says so.
    func digestArchive(_ kind: DigestKind, _ request: Request, _ context: some RequestContext) async throws -> Response {
        let periods = try await store.digestPeriods(kind, prefixLength: kind.periodKeyLength, limit: Self.digestArchivePeriodLimit)
        let newest = periods.first.flatMap { DigestPeriod(kind: kind, key: $0.prefix) }
        var listings: [DigestListing] = []
        if let newest {
            listings = try await store.digestListings(kind, keysFrom: newest.key, through: newest.lastKey, limit: Self.digestsPerPeriod)
        }
        return Self.htmlResponse(try renderer.digestArchivePage(kind, .index(newest: newest, periods: periods), listings: listings))
    }
}

extension SitePages {
    /// Entries a digest's feed summary names when the digest has no lead.
    static let digestFeedSummaryEntries = 3

    /// `/daily/feed.*`, `/hacker/feed.*`, `/weekly/feed.*`: the newest digests, one entry each.
    func digestFeed(_ kind: DigestKind, _ format: FeedFormat, _ request: Request, _ context: some RequestContext) async throws -> Response {
        try Self.feedResponse(renderer.digestFeed(kind, try await store.latestDigests(kind, limit: Self.feedHeadlineCount)), format)
    }
}

/// Which archive page is rendered: the kind's index, or one period's page between its neighbours.
enum DigestArchiveScope {
    case index(newest: DigestPeriod?, periods: [DigestPeriodCount])
    case period(DigestPeriod, older: DigestPeriod?, newer: DigestPeriod?)
}

/// What a digest's page shows, as read from the store.
struct DigestPageContent {
    var digest: Digest
    /// The original titles of the entries' articles still published, which their addresses are
    /// spelled from; an entry whose article is gone is shown without a link.
    var articleTitles: [Int64: String]
    /// The kinds of the trends' entities, which say whose page each links to.
    var entityKinds: [Int64: EntityKind]
    var neighbours: DigestNeighbours
}

extension SiteRenderer {
    func digestPage(_ content: DigestPageContent) throws -> String {
        let digest = content.digest
        let kind = digest.slot.kind
        let path = kind.path(digest.slot)
        let entryCount = digest.itemIDs.count
        let description = digest.lead ?? (digest.isEmpty ? kind.emptyNote : "\(digestPeriodText(digest.slot))の\(kind.label)。\(entryCount)件のニュース。")
        let view = DigestPage(
            chrome: chrome(title: digest.title, description: description, path: path,
                           feeds: PageFeeds(scope: .digests(kind), title: "\(kind.label) | \(configuration.siteName)")),
            kind: kind.rawValue, kindLabel: kind.label, archivePath: kind.archivePath,
            title: digest.title, periodDisplay: digestPeriodText(digest.slot), periodISO: digest.slot.key,
            lead: digest.lead, leadHeading: kind == .weekly ? "今週の概観" : nil,
            isEmpty: digest.isEmpty, emptyNote: kind.emptyNote,
            sections: digest.sections.filter { !$0.entries.isEmpty }.map { section in
                DigestSectionView(theme: section.theme, entries: section.entries.map { digestEntry($0, titles: content.articleTitles) })
            },
            trends: digest.trends.map { digestTrend($0, kinds: content.entityKinds) },
            tagsHeading: "\(kind.periodWord)のタグ",
            tags: digest.tags.map { DigestFacetView(name: "#\($0.name)", path: SitePages.tagPath($0.name), count: $0.count) },
            companiesHeading: "\(kind.periodWord)の企業",
            companies: digest.companies.map {
                DigestFacetView(name: $0.name, path: $0.entityID.map(EntitySection.companies.path), count: $0.count)
            },
            neighbours: DigestNeighbourLinks(
                older: content.neighbours.older.map { DigestLink(path: kind.path($0), text: "前の\(kind.label): \(digestPeriodText($0))") },
                newer: content.neighbours.newer.map { DigestLink(path: kind.path($0), text: "次の\(kind.label): \(digestPeriodText($0))") }))
        return try render(view, "digest")
    }

    private func digestEntry(_ entry: DigestEntry, titles: [Int64: String]) -> DigestEntryView {
        // The label's scale is 1–5 whatever was stored.
        let importance = Importance(value: min(max(entry.importance, AxisScores.range.lowerBound), AxisScores.range.upperBound))
        return DigestEntryView(
            path: titles[entry.itemID].map { SitePages.articlePath(id: entry.itemID, title: $0) },
            title: entry.title, summary: entry.summary,
            importance: importance.value, importanceLabel: ImportanceLabel.japanese(importance),
            sourceName: entry.sourceName,
            otherSources: entry.otherSources.isEmpty ? nil
                : OtherSourcesView(count: entry.otherSources.count, names: entry.otherSources.joined(separator: "、")),
            discussion: entry.discussion.map { discussion in
                DiscussionView(
                    points: discussion.points, comments: discussion.commentCount, threadURL: discussion.threadURL,
                    threadSummary: discussion.summary.map { summary in
                        ThreadSummaryView(overview: summary.overview, commentsRead: summary.commentsRead,
                                          positions: summary.positions.map {
                                              PositionView(stance: $0.stance, reception: Self.receptionLabel($0.reception),
                                                           receptionKey: $0.reception.rawValue)
                                          })
                    })
            })
    }

    private func digestTrend(_ trend: DigestTrend, kinds: [Int64: EntityKind]) -> TrendEntry {
        let name = trend.entityID == nil ? "#\(trend.name)" : trend.name
        let path: String? = switch trend.entityID {
        case .none: SitePages.tagPath(trend.name)
        case .some(let id): kinds[id].flatMap(EntitySection.listing)?.path(id)
        }
        let current = trend.dailyCounts.reduce(0, +)
        let difference = current - trend.previousWeekCount
        return TrendEntry(
            name: name, path: path, current: current, previous: trend.previousWeekCount,
            change: difference >= 0 ? "+\(difference)" : "−\(-difference)",
            chartSVG: DailyChart(counts: trend.dailyCounts, size: .sparkline, subject: "今週の\(name)の記事数").svg())
    }

    static func receptionLabel(_ reception: ThreadPosition.Reception) -> String {
        switch reception {
        case .agreed: return "賛同多数"
        case .divided: return "賛否両論"
        case .disputed: return "反対多数"
        }
    }

    func digestArchivePage(_ kind: DigestKind, _ scope: DigestArchiveScope, listings: [DigestListing]) throws -> String {
        let title: String, path: String, shown: DigestPeriod?, periods: [DigestPeriodCount]
        var older: DigestPeriod?, newer: DigestPeriod?
        switch scope {
        case .index(let newest, let counts):
            (title, path, shown, periods) = (kind.label, kind.archivePath, newest, counts)
        case .period(let period, let before, let after):
            (title, path, shown, periods) = ("\(kind.label) \(period.heading)", period.path, period, [])
            (older, newer) = (before, after)
        }
        let view = DigestArchivePage(
            chrome: chrome(title: title, description: kind.introduction, path: path,
                           feeds: PageFeeds(scope: .digests(kind), title: "\(kind.label) | \(configuration.siteName)")),
            heading: title, introduction: kind.introduction, archivePath: path == kind.archivePath ? nil : kind.archivePath,
            kindLabel: kind.label, emptyNote: "まだ\(kind.label)はありません。最初の\(kind.label)が書かれるとここに表示されます。",
            periodHeading: shown?.heading,
            entries: listings.map { listing in
                DigestListingView(path: kind.path(listing.slot), date: listing.slot.japaneseName(in: configuration.edition.timeZone, withYear: false),
                                  dateISO: listing.slot.key, title: listing.title, stories: listing.stories)
            },
            periods: periods.compactMap { count in
                DigestPeriod(kind: kind, key: count.prefix).map {
                    DigestPeriodLink(path: $0.path, heading: $0.heading, digests: count.digests)
                }
            },
            pager: DigestNeighbourLinks(older: older.map { DigestLink(path: $0.path, text: "← \($0.heading)") },
                                        newer: newer.map { DigestLink(path: $0.path, text: "\($0.heading) →") }))
        return try render(view, "digest-archive")
    }

    func digestFeed(_ kind: DigestKind, _ digests: [Digest], now: Date = Date()) -> SiteFeed {
        let entries = digests.map { digest in
            let url = absolute(kind.path(digest.slot))
            return SiteFeedEntry(
                id: url, url: url, title: configuration.feedTitle(digest.title), summary: digestFeedSummary(digest),
                published: digest.writtenAt, updated: digest.writtenAt, importance: nil, tags: digest.tags.map(\.name),
                sourceName: configuration.siteName, sourceURL: nil)
        }
        return SiteFeed(
            title: configuration.feedTitle("\(kind.label) | \(configuration.siteName)"), description: kind.introduction,
            languageCode: configuration.edition.languageCode, siteName: configuration.siteName,
            pageURL: absolute(kind.archivePath),
            selfURLs: Dictionary(uniqueKeysWithValues: FeedFormat.allCases.map { ($0, absolute(FeedScope.digests(kind).path($0))) }),
            updated: entries.map(\.updated).max() ?? now, entries: entries)
    }

    /// The lead, or else the first stories' titles, or what an empty digest says.
    private func digestFeedSummary(_ digest: Digest) -> String {
        if let lead = digest.lead { return lead }
        let titles = digest.sections.flatMap(\.entries).prefix(SitePages.digestFeedSummaryEntries).map(\.title)
        guard !titles.isEmpty else { return digest.slot.kind.emptyNote }
        let more = digest.itemIDs.count - titles.count
        return "主なニュース: " + titles.joined(separator: " / ") + (more > 0 ? " ほか\(more)件" : "")
    }

    /// An article's 今日のまとめ: the digests that carried it, or else the latest AI日報; nil when
    /// no digest is written at all.
    func todaySummary(carriedBy slots: [DigestSlot], latestDaily: DigestSlot?) -> TodaySummaryView? {
        if !slots.isEmpty {
            return TodaySummaryView(links: slots.map {
                DigestLink(path: $0.kind.path($0), text: "この記事を収録した\($0.kind.label) \(digestPeriodText($0))")
            })
        }
        return latestDaily.map {
            TodaySummaryView(links: [DigestLink(path: $0.kind.path($0), text: "\($0.kind.label)で今日の重要ニュースをまとめ読み")])
        }
    }

    /// "2026年11月29日（日）", or for 週報 "2026年第48週（11月23日〜11月29日）", in the edition's time zone.
    func digestPeriodText(_ slot: DigestSlot) -> String {
        slot.japaneseName(in: configuration.edition.timeZone)
    }
}

/// The block under an article that links to its digests.
struct TodaySummaryView {
    var links: [DigestLink]
}

struct DigestLink {
    var path: String
    var text: String
}

/// The digests or periods either side of a page; nil when there is neither.
struct DigestNeighbourLinks {
    var older: DigestLink?
    var newer: DigestLink?

    init?(older: DigestLink?, newer: DigestLink?) {
        guard older != nil || newer != nil else { return nil }
        self.older = older
        self.newer = newer
    }
}

struct OtherSourcesView {
    var count: Int
    var names: String
}

struct PositionView {
    var stance: String
    var reception: String
    /// `agreed`, `divided` or `disputed`, for the label's style.
    var receptionKey: String
}

struct ThreadSummaryView {
    var overview: String
    var commentsRead: Int
    var positions: [PositionView]
}

struct DiscussionView {
    var points: Int
    var comments: Int
    var threadURL: String
    var threadSummary: ThreadSummaryView?
}

struct DigestEntryView {
    /// Nil when the article is no longer published.
    var path: String?
    var title: String
    var summary: String
    var importance: Int
    var importanceLabel: String
    var sourceName: String
    var otherSources: OtherSourcesView?
    var discussion: DiscussionView?
}

struct DigestSectionView {
    var theme: String
    var entries: [DigestEntryView]
}

struct DigestFacetView {
    var name: String
    var path: String?
    var count: Int
}

struct DigestPage {
    var chrome: PageChrome
    var kind: String
    var kindLabel: String
    var archivePath: String
    var title: String
    var periodDisplay: String
    var periodISO: String
    var lead: String?
    var leadHeading: String?
    var isEmpty: Bool
    var emptyNote: String
    var sections: [DigestSectionView]
    var trends: [TrendEntry]
    var tagsHeading: String
    var tags: [DigestFacetView]
    var companiesHeading: String
    var companies: [DigestFacetView]
    var neighbours: DigestNeighbourLinks?
}

struct DigestListingView {
    var path: String
    var date: String
    var dateISO: String
    var title: String
    var stories: Int
}

struct DigestPeriodLink {
    var path: String
    var heading: String
    var digests: Int
}

struct DigestArchivePage {
    var chrome: PageChrome
    var heading: String
    var introduction: String
    /// The archive's index, from one of its periods' pages.
    var archivePath: String?
    var kindLabel: String
    var emptyNote: String
    var periodHeading: String?
    var entries: [DigestListingView]
    var periods: [DigestPeriodLink]
    var pager: DigestNeighbourLinks?
}
