import Foundation
import KawarabanCore
import Store

/// Something a cached page shows, whose change drops the page. docs/architecture.md has the table
/// of which page depends on what.
public enum PageDependency: Hashable, Sendable {
    /// The article's own page.
    case item(Int64)
    /// Any publication, unpublication or rewrite: the lists, feeds, the sitemap and search.
    case anyPublication
    /// The items with this tag.
    case tag(String)
    /// The items naming this entity.
    case entity(Int64)
    /// The items naming any entity this index lists.
    case entityIndex(EntityIndex)
    /// The written digests: their pages, archives and feeds, and what each article's 今日のまとめ links to.
    case digests

    /// The site's two indexes of entities, and the kinds each lists.
    public enum EntityIndex: Hashable, Sendable {
        case companies, tools

        public init?(kind: EntityKind) {
            switch kind {
            case .company, .organisation: self = .companies
            case .product, .model, .tool: self = .tools
            case .person: return nil
            }
        }
    }

    /// What a change of an item touches: its own page and the pages listing it, the articles before
    /// and after it (their previous and next links), and every page about one of its tags or
    /// entities, which includes the articles sharing them (their related lists).
    public static func touched(byChangeOf itemID: Int64, topics: ItemTopics, neighbours: [Int64]) -> Set<PageDependency> {
        var touched: Set<PageDependency> = [.item(itemID), .anyPublication]
        touched.formUnion(neighbours.map(PageDependency.item))
        touched.formUnion(topics.tags.map(PageDependency.tag))
        for entity in topics.entities {
            touched.insert(.entity(entity.id))
            if let index = EntityIndex(kind: entity.kind) { touched.insert(.entityIndex(index)) }
        }
        return touched
    }

    /// An article page's dependencies: itself, the tags and entities its related list is chosen
    /// by (a new article sharing one may enter it), and the digests (its 今日のまとめ names the
    /// digests that carried it or, until one does, the latest AI日報, which every new one replaces).
    static func ofArticle(_ id: Int64, topics: ItemTopics) -> Set<PageDependency> {
        var dependencies: Set<PageDependency> = [.item(id), .digests]
        dependencies.formUnion(topics.tags.map(PageDependency.tag))
        dependencies.formUnion(topics.entities.map { .entity($0.id) })
        return dependencies
    }
}

/// What a path's page depends on, read from the site's URL scheme alone; an article's page needs
/// its tags and entities from the store too.
enum PageRule: Equatable {
    /// Answered anew every time.
    case uncached
    case fixed(Set<PageDependency>)
    case article(Int64)

    static let listsEverything: PageRule = .fixed([.anyPublication])
    static let neverChanges: PageRule = .fixed([])
    static let feedFiles: Set<Substring> = ["feed.xml", "feed.atom", "feed.json"]

    init(path: Substring) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let first = segments.first ?? ""
        let rest = Array(segments.dropFirst())
        switch (first, rest.count) {
        case ("healthz", 0):
            self = .uncached
        case ("", 0), ("videos", 0), ("trends", 0), ("search", 0), ("tags", 0):
            self = Self.listsEverything
        case ("sitemap.xml", 0), ("sitemaps", 1):
            self = .fixed([.anyPublication, .digests])
        case (let kind, 0...1) where DigestKind(rawValue: String(kind)) != nil:
            // A digest asked for before it was written is a cached 404 until it is.
            self = .fixed([.digests])
        case (let feed, 0) where Self.feedFiles.contains(feed):
            self = Self.listsEverything
        case ("articles", 1):
            // `<id>-<slug>` or `<id>`: every spelling of one id answers from the same article.
            let id = rest[0].prefix { $0 != "-" }
            self = URLNumber.parse(id, in: URLNumber.articleIDs).map(PageRule.article) ?? Self.neverChanges
        case ("tags", 1),
             ("tags", 2) where Self.feedFiles.contains(rest[1]):
            self = String(rest[0]).removingPercentEncoding.map { .fixed([.tag($0)]) } ?? Self.neverChanges
        case ("companies", 0):
            self = .fixed([.entityIndex(.companies)])
        case ("tools", 0):
            self = .fixed([.entityIndex(.tools)])
        case ("companies", 1), ("tools", 1),
             ("companies", 2) where Self.feedFiles.contains(rest[1]):
            self = URLNumber.parse(rest[0], in: URLNumber.articleIDs).map { .fixed([.entity($0)]) } ?? Self.neverChanges
        default:
            // About, contact, legal, robots.txt, the assets, and addresses that name no page.
            self = Self.neverChanges
        }
    }
}

/// The key a request's page is cached under: the path, and of the query only the parameters some
/// page reads, in a fixed order, so that parameters no page reads (`?x=1`, `?utm_source=…`) can
/// neither fill the cache nor miss it.
enum PageKey {
    /// Every query parameter a page of the site reads.
    static let knownParameters: Set<Substring> = ["page", "min_importance", "tag", "source", "kind", "q"]

    /// `target` is the request's target as sent (`/path?query`).
    static func of(_ target: String) -> String {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        let path = target[..<mark]
        let query = target[target.index(after: mark)...]
        // The same split as the router's: a parameter's name runs to the first `=`, undecoded.
        let kept = query.split(separator: "&")
            .filter { knownParameters.contains($0.prefix { $0 != "=" }) }
            .enumerated()
            .sorted { ($0.element.prefix { $0 != "=" }, $0.offset) < ($1.element.prefix { $0 != "=" }, $1.offset) }
        if kept.isEmpty { return String(path) }
        return String(path) + "?" + kept.map(\.element).joined(separator: "&")
    }
}
