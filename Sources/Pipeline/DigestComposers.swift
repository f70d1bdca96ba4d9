import Foundation
import KawarabanCore
import Newsroom
import Store

/// What the composers of the store's digests read from and write with: the store, the model's
/// editor (nil without a model configured) and the edition.
public struct DigestDesk: Sendable {
    let store: Store
    let editor: DigestEditor?
    let edition: Edition

    public init(store: Store, editor: DigestEditor?, edition: Edition) {
        self.store = store
        self.editor = editor
        self.edition = edition
    }
}

/// AI日報: the day's published stories, one per story, the most important first, grouped by
/// theme with a line each, a lead paragraph on the day, and the day's tags and companies. One
/// model call writes the themes, the lines and the lead; without a model the stories are grouped
/// by their first tag, the line is the TL;DR's first sentence, and there is no lead. A day
/// without stories is written as such, without asking the model anything.
public struct DailyDigestComposer: DigestComposer {
    /// Stories one daily digest carries: a busy day's important news, not its every article.
    public static let maximumStories = 40
    /// Tags and companies listed.
    public static let maximumFacets = 10

    public let kind = DigestKind.daily
    let desk: DigestDesk

    public init(desk: DigestDesk) { self.desk = desk }

    public func compose(_ slot: DigestSlot, now: Date) async throws(DigestError) -> Digest {
        let (store, editor, edition) = (desk.store, desk.editor, desk.edition)
        let period = slot.interval(in: edition.timeZone)
        let (candidates, facets) = try await DigestReading.run(slot) { () async throws(StoreError) in
            (try await store.digestCandidates(publishedIn: period, limit: Self.maximumStories),
             try await store.digestFacets(publishedIn: period, limit: Self.maximumFacets))
        }
        let title = "AI日報 " + slot.japaneseName(in: edition.timeZone)
        var digest = Digest(slot: slot, title: title, lead: nil, sections: [], tags: facets.tags,
                            companies: facets.companies, model: nil, writtenAt: now)
        guard !candidates.isEmpty else { return digest }
        guard let editor else {
            digest.sections = DigestGrouping.byFirstTag(candidates)
            return digest
        }
        let edited: Edited<EditedDay>
        do throws(NewsroomError) {
            edited = try await editor.editDay(candidates.map(DigestGrouping.brief), day: slot.japaneseName(in: edition.timeZone))
        } catch {
            throw DigestError(slot: slot, reason: error.description, isTransient: error.isTransient)
        }
        digest.lead = edited.value.lead
        digest.model = edited.model
        digest.sections = DigestGrouping.sections(edited.value.themes.map { theme in
            (theme.name, theme.stories.map { ($0.id, $0.line) })
        }, candidates: candidates)
        return digest
    }
}

/// 週報: the week, Monday to Sunday in the edition's time zone: its top stories, the tags and
/// entities that rose against the week before with their stories per day, and the editors'
/// overview from the model (none without a model, and none for a week without stories).
public struct WeeklyDigestComposer: DigestComposer {
    public static let maximumStories = 20
    public static let maximumFacets = 10
    /// Rising subjects listed, of entities and of tags each.
    public static let maximumTrends = 5
    /// The trend page's rule, so that the week's rising subjects are the ones its charts show.
    public static let trendRule = TrendRule(minimumCount: 3, smoothing: 5)
    /// The entities the site has pages for; people are not traced as trends.
    static let trendKinds: [EntityKind] = [.company, .organisation, .product, .model, .tool]
    static let topStoriesTheme = "今週の主なニュース"

    public let kind = DigestKind.weekly
    let desk: DigestDesk

    public init(desk: DigestDesk) { self.desk = desk }

    public func compose(_ slot: DigestSlot, now: Date) async throws(DigestError) -> Digest {
        let (store, editor, edition) = (desk.store, desk.editor, desk.edition)
        let week = slot.interval(in: edition.timeZone)
        // The week's days are 24 hours each, as the trend counts assume (the edition's zone has no
        // daylight saving time); its last day starts a day before the week ends.
        let sunday = week.end.addingTimeInterval(-Double(DayWindow.secondsPerDay))
        let periods = TrendPeriods(days: 7, lastDayStart: sunday)
        let window = DayWindow(days: 7, lastDayStart: sunday)
        let (candidates, facets, trends) = try await DigestReading.run(slot) { () async throws(StoreError) in
            let candidates = try await store.digestCandidates(publishedIn: week, limit: Self.maximumStories)
            let facets = try await store.digestFacets(publishedIn: week, limit: Self.maximumFacets)
            let entities = try await store.entityTrends(kinds: Self.trendKinds, .rising, over: periods, rule: Self.trendRule,
                                                        limit: Self.maximumTrends)
            let tags = try await store.tagTrends(.rising, over: periods, rule: Self.trendRule, limit: Self.maximumTrends)
            let entityCounts = try await store.dailyCounts(ofEntities: entities.map(\.subject.id), in: window)
            let tagCounts = try await store.dailyCounts(ofTags: tags.map(\.subject), in: window)
            let trends = entities.map {
                DigestTrend(name: $0.subject.name, entityID: $0.subject.id, dailyCounts: entityCounts[$0.subject.id] ?? [],
                            previousWeekCount: $0.previous)
            } + tags.map {
                DigestTrend(name: $0.subject, dailyCounts: tagCounts[$0.subject] ?? [], previousWeekCount: $0.previous)
            }
            return (candidates, facets, trends)
        }
        let title = "週報 " + slot.japaneseName(in: edition.timeZone)
        var digest = Digest(slot: slot, title: title, lead: nil, sections: [], tags: facets.tags, companies: facets.companies,
                            trends: trends, model: nil, writtenAt: now)
        guard !candidates.isEmpty else { return digest }
        digest.sections = [DigestSection(theme: Self.topStoriesTheme, entries: candidates.map {
            DigestGrouping.entry($0, summary: DigestGrouping.firstSentence($0.headline.analysis.tldr))
        })]
        guard let editor else { return digest }
        do throws(NewsroomError) {
            let overview = try await editor.overviewWeek(candidates.map(DigestGrouping.brief), rising: trends.map { $0.name },
                                                         week: slot.japaneseName(in: edition.timeZone))
            digest.lead = overview.value
            digest.model = overview.model
        } catch {
            throw DigestError(slot: slot, reason: error.description, isTransient: error.isTransient)
        }
        return digest
    }
}

/// Reads for a composer, a store failure becoming the slot's transient failure.
enum DigestReading {
    static func run<T>(_ slot: DigestSlot, _ body: () async throws(StoreError) -> T) async throws(DigestError) -> T {
        do {
            return try await body()
        } catch {
            throw DigestError(slot: slot, reason: error.description, isTransient: true)
        }
    }
}

/// How stories become a digest's sections, with the model's themes or without a model.
enum DigestGrouping {
    /// The theme of stories without tags when grouping by tag.
    static let untaggedTheme = "その他"

    static func brief(_ candidate: DigestCandidate) -> DigestBrief {
        let analysis = candidate.headline.analysis
        return DigestBrief(id: candidate.headline.id, title: analysis.title, tldr: analysis.tldr,
                           source: candidate.headline.sourceName, tags: analysis.tags)
    }

    static func entry(_ candidate: DigestCandidate, summary: String) -> DigestEntry {
        DigestEntry(itemID: candidate.headline.id, title: candidate.headline.analysis.title, summary: summary,
                    importance: candidate.headline.analysis.importance.value, sourceName: candidate.headline.sourceName,
                    otherSources: candidate.otherSources)
    }

    /// Without a model: one theme per first tag, the line the TL;DR's first sentence.
    static func byFirstTag(_ candidates: [DigestCandidate]) -> [DigestSection] {
        sections(candidates.map { candidate in
            (candidate.headline.analysis.tags.first ?? untaggedTheme,
             [(candidate.headline.id, firstSentence(candidate.headline.analysis.tldr))])
        }, candidates: candidates)
    }

    /// Sections from themes of (story id, line), ordered as the candidates are (the most
    /// important first): stories within a theme, and themes by their first story. Themes of the
    /// same name are one.
    static func sections(_ themes: [(name: String, stories: [(id: Int64, line: String)])],
                         candidates: [DigestCandidate]) -> [DigestSection] {
        let rank = Dictionary(candidates.enumerated().map { ($1.headline.id, $0) }, uniquingKeysWith: { first, _ in first })
        var names: [String] = []
        var members: [String: [(rank: Int, entry: DigestEntry)]] = [:]
        for theme in themes {
            for story in theme.stories {
                guard let position = rank[story.id] else { continue }
                if members[theme.name] == nil { names.append(theme.name) }
                members[theme.name, default: []].append((position, entry(candidates[position], summary: story.line)))
            }
        }
        return names
            .map { name in (name, members[name, default: []].sorted { $0.rank < $1.rank }) }
            .sorted { ($0.1.first?.rank ?? .max) < ($1.1.first?.rank ?? .max) }
            .map { DigestSection(theme: $0.0, entries: $0.1.map(\.entry)) }
    }

    /// The text up to and including its first sentence's end (。！？ or ". "), or all of it.
    static func firstSentence(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var previous: Character?
        for index in trimmed.indices {
            let character = trimmed[index]
            if "。！？!?".contains(character) { return String(trimmed[...index]) }
            if character == " ", previous == "." { return String(trimmed[..<index]) }
            previous = character
        }
        return trimmed
    }
}
