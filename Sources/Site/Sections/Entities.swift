import Foundation
import Hummingbird
import KawarabanCore
import Store

// 企業 and AIツール: an index of the entities a section lists, by the number of articles naming
// each, and a page per entity with its articles, a chart and the entities named with it.

/// The sections that list entities, and which kinds each lists. People have no section and no
/// page: the analysis names them, but a page per person is not something the site offers.
enum EntitySection: CaseIterable, Sendable {
    case companies, tools

    var kinds: [EntityKind] {
        switch self {
        case .companies: return [.company, .organisation]
        case .tools: return [.product, .model, .tool]
        }
    }

    /// The section an entity of `kind` is listed in, if any.
    static func listing(_ kind: EntityKind) -> EntitySection? {
        allCases.first { $0.kinds.contains(kind) }
    }

    /// Every kind some section lists.
    static let listedKinds = allCases.flatMap(\.kinds)

    var indexPath: String {
        switch self {
        case .companies: return "/companies"
        case .tools: return "/tools"
        }
    }

    var heading: String {
        switch self {
        case .companies: return "企業"
        case .tools: return "AIツール"
        }
    }

    var relatedHeading: String {
        switch self {
        case .companies: return "関連企業"
        case .tools: return "関連AIツール"
        }
    }

    func path(_ id: Int64) -> String { "\(indexPath)/\(id)" }

    /// The page of `entity`, or nil for a kind no section lists.
    static func path(of entity: StoredEntity) -> String? {
        listing(entity.kind)?.path(entity.id)
    }

    static func kindLabel(_ kind: EntityKind) -> String {
        switch kind {
        case .company: return "企業"
        case .organisation: return "団体"
        case .product: return "製品"
        case .model: return "モデル"
        case .tool: return "ツール"
        case .person: return "人物"
        }
    }
}

extension SitePages {
    static let entitiesPerIndexPage = 50
    /// Days drawn beside each entry of an index, ending today.
    static let indexChartDays = 30
    /// Days drawn on an entity's page, ending today.
    static let entityChartDays = 90
    /// Entities listed as named together with the page's, per section.
    static let relatedEntityCount = 10

    /// `/companies` and `/tools`, `?page=N`.
    func entityIndex(_ section: EntitySection, _ request: Request, _ context: some RequestContext) async throws -> Response {
        let page = try Self.listPage(request)
        let limit = Self.entitiesPerIndexPage
        // One extra row tells whether another page follows.
        let mentions = try await store.entityMentions(kinds: section.kinds, limit: limit + 1, offset: (page - 1) * limit)
        if mentions.isEmpty && page > 1 { throw HTTPError(.notFound) }
        let shown = Array(mentions.prefix(limit))
        let window = DayWindow(days: Self.indexChartDays, lastDayStart: renderer.today())
        let counts = try await store.dailyCounts(ofEntities: shown.map(\.entity.id), in: window)
        return Self.htmlResponse(try renderer.entityIndexPage(
            section, entries: shown.map { ($0, counts[$0.entity.id] ?? []) }, page: page, hasMore: mentions.count > limit))
    }

    /// `/companies/:id` and `/tools/:id`, `?page=N`: only for an entity of the section's kinds
    /// that published articles name.
    func entityPage(_ section: EntitySection, _ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let id = URLNumber.path("id", of: context, in: URLNumber.entityIDs),
              let entity = try await store.entity(id: id, kinds: section.kinds)
        else { throw HTTPError(.notFound) }
        let page = try Self.listPage(request)
        let limit = Self.headlinesPerPage
        let headlines = try await store.headlines(aboutEntityID: id, limit: limit + 1, offset: (page - 1) * limit)
        if headlines.isEmpty { throw HTTPError(.notFound) }
        let window = DayWindow(days: Self.entityChartDays, lastDayStart: renderer.today())
        var related: [(EntitySection, [EntityMentions])] = []
        for relatedSection in EntitySection.allCases {
            related.append((relatedSection, try await store.coMentionedEntities(
                of: id, kinds: relatedSection.kinds, limit: Self.relatedEntityCount)))
        }
        return Self.htmlResponse(try renderer.entityPage(
            EntityPageContent(
                section: section, entity: entity, articleCount: try await store.mentionCount(ofEntity: id),
                dailyCounts: try await store.dailyCounts(ofEntities: [id], in: window)[id] ?? [],
                headlines: Array(headlines.prefix(limit)), related: related),
            page: page, hasMore: headlines.count > limit))
    }

    /// The `page` parameter of a paginated list: 1 when absent; an invalid one names no page.
    static func listPage(_ request: Request) throws -> Int {
        switch URLNumber.query("page", of: request, in: URLNumber.pages) {
        case .absent: return 1
        case .number(let number): return number
        case .invalid: throw HTTPError(.notFound)
        }
    }
}

/// What an entity's page shows, as read from the store.
struct EntityPageContent {
    var section: EntitySection
    var entity: StoredEntity
    var articleCount: Int
    var dailyCounts: [Int]
    var headlines: [PublishedHeadline]
    var related: [(EntitySection, [EntityMentions])]
}

extension SiteRenderer {
    /// The start of today in the edition's time zone: the last day every chart draws.
    func today() -> Date {
        configuration.edition.startOfDay(containing: Date())
    }

    func entityIndexPage(_ section: EntitySection, entries: [(EntityMentions, [Int])], page: Int, hasMore: Bool) throws -> String {
        let title = page > 1 ? "\(section.heading)(\(page)ページ目)" : section.heading
        let view = EntityIndexPage(
            chrome: chrome(title: title, description: "\(section.heading)ごとの記事数と、過去\(SitePages.indexChartDays)日の推移。",
                           path: pagePath(section.indexPath, page)),
            heading: section.heading, chartDays: SitePages.indexChartDays,
            entries: entries.map { mentions, counts in
                EntityIndexEntry(
                    name: mentions.entity.name, path: section.path(mentions.entity.id),
                    kind: EntitySection.kindLabel(mentions.entity.kind), articleCount: mentions.items,
                    chartSVG: DailyChart(counts: counts, size: .sparkline, subject: "\(mentions.entity.name)の記事数").svg())
            },
            isEmpty: entries.isEmpty,
            previousPath: page > 1 ? pagePath(section.indexPath, page - 1) : nil,
            nextPath: hasMore ? pagePath(section.indexPath, page + 1) : nil)
        return try render(view, "entity-index")
    }

    func entityPage(_ content: EntityPageContent, page: Int, hasMore: Bool) throws -> String {
        let entity = content.entity
        let path = content.section.path(entity.id)
        let title = page > 1 ? "\(entity.name)(\(page)ページ目)" : entity.name
        let view = EntityPage(
            chrome: chrome(title: title, description: "\(entity.name)に関するAIニュース(\(content.articleCount)件)。",
                           path: pagePath(path, page)),
            name: entity.name, kind: EntitySection.kindLabel(entity.kind), articleCount: content.articleCount,
            sectionHeading: content.section.heading, sectionPath: content.section.indexPath,
            chartDays: SitePages.entityChartDays,
            chartSVG: DailyChart(counts: content.dailyCounts, size: .wide, subject: "\(entity.name)の記事数").svg(),
            entries: content.headlines.map(listEntry),
            related: content.related.filter { !$0.1.isEmpty }.map { section, mentions in
                RelatedEntities(heading: section.relatedHeading, entities: mentions.map {
                    RelatedEntity(name: $0.entity.name, path: section.path($0.entity.id), sharedArticles: $0.items)
                })
            },
            previousPath: page > 1 ? pagePath(path, page - 1) : nil,
            nextPath: hasMore ? pagePath(path, page + 1) : nil)
        return try render(view, "entity")
    }

    /// Page `page` of the list at `path`: the first page has no parameter.
    private func pagePath(_ path: String, _ page: Int) -> String {
        page > 1 ? "\(path)?page=\(page)" : path
    }
}

struct EntityIndexEntry {
    var name: String
    var path: String
    var kind: String
    var articleCount: Int
    var chartSVG: String
}

struct EntityIndexPage {
    var chrome: PageChrome
    var heading: String
    var chartDays: Int
    var entries: [EntityIndexEntry]
    var isEmpty: Bool
    var previousPath: String?
    var nextPath: String?
}

struct RelatedEntity {
    var name: String
    var path: String
    var sharedArticles: Int
}

struct RelatedEntities {
    var heading: String
    var entities: [RelatedEntity]
}

struct EntityPage {
    var chrome: PageChrome
    var name: String
    var kind: String
    var articleCount: Int
    var sectionHeading: String
    var sectionPath: String
    var chartDays: Int
    var chartSVG: String
    var entries: [ListEntry]
    var related: [RelatedEntities]
    var previousPath: String?
    var nextPath: String?
}
