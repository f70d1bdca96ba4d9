import Foundation
import KawarabanCore
import Mustache

public enum SiteError: Error, CustomStringConvertible {
    case templatesMissing(String)
    case templateFailed(String)

    public var description: String {
        switch self {
        case .templatesMissing(let path): return "the site templates are missing at \(path)"
        case .templateFailed(let name): return "the template \(name) did not render"
        }
    }
}

/// Turns what the store read into the site's pages: the templates, loaded once at start, and the
/// frame every page shares. Each section (Sections/) adds the view model and render call of its
/// own page.
public struct SiteRenderer: Sendable {
    public let configuration: SiteConfiguration
    private let library: MustacheLibrary
    /// The operator's pages, rendered and sanitised once.
    let infoPageHTML: [InfoPage: String]

    public init(configuration: SiteConfiguration) async throws {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw SiteError.templatesMissing(Bundle.module.bundlePath)
        }
        self.configuration = configuration
        self.library = try await MustacheLibrary(directory: directory.path)
        self.infoPageHTML = configuration.infoPages.mapValues { InfoPage.html(fromMarkdown: $0, base: configuration.publicURL) }
    }

    public func notFoundPage() throws -> String {
        var frame = chrome(title: "ページが見つかりません", description: configuration.tagline, path: "/")
        // A missing page is in no section, though its canonical address is the front page's.
        frame.navigation = SiteNavigation.links(at: nil)
        return try render(NotFoundPage(chrome: frame), "not-found")
    }

    func render(_ view: Any, _ template: String) throws -> String {
        guard let html = library.render(view, withTemplate: template) else { throw SiteError.templateFailed(template) }
        return html
    }

    /// `feeds` are the page's own feeds when it follows a tag, a company or a filtered list; other
    /// pages announce the site's.
    func chrome(title: String?, description: String, path: String, feeds: PageFeeds? = nil) -> PageChrome {
        let now = Calendar(identifier: .gregorian).dateComponents(in: configuration.edition.timeZone, from: Date())
        let announced = feeds ?? PageFeeds(scope: .latest, title: configuration.siteName)
        return PageChrome(
            siteName: configuration.siteName, tagline: configuration.tagline,
            pageTitle: title.map { "\($0) | \(configuration.siteName)" } ?? configuration.siteName,
            shareTitle: title ?? configuration.siteName,
            description: description, canonicalURL: absolute(path),
            languageCode: configuration.edition.languageCode,
            openGraphLocale: Self.openGraphLocales[configuration.edition.languageCode] ?? configuration.edition.languageCode,
            year: now.year ?? 0,
            feeds: feedLinks(announced),
            footerLinks: footerLinks,
            navigation: SiteNavigation.links(at: path),
            syntheticData: configuration.syntheticData)
    }

    /// Open Graph names a locale, not only a language.
    static let openGraphLocales = ["ja": "ja_JP", "en": "en_US"]

    /// The footer in the seed's order: about, RSS, contact, legal notice; pages not configured
    /// are left out.
    private var footerLinks: [FooterLink] {
        func page(_ page: InfoPage) -> [FooterLink] {
            infoPageHTML[page] == nil ? [] : [FooterLink(title: page.title, path: page.path)]
        }
        return page(.about) + [FooterLink(title: "RSS", path: FeedScope.latest.path(.rss))] + page(.contact) + page(.legal)
    }

    func absolute(_ path: String) -> String {
        URL(string: path, relativeTo: configuration.publicURL)?.absoluteString ?? path
    }

    /// The date a reader sees, in both forms a page writes it.
    func displayed(_ date: Date) -> (display: String, iso: String) {
        (configuration.edition.displayDateTime(date), configuration.edition.isoDateTime(date))
    }
}

/// Words the reader sees for each importance level.
enum ImportanceLabel {
    static func japanese(_ importance: Importance) -> String {
        switch importance.value {
        case 5...: return "最重要"
        case 4: return "重要"
        case 3: return "注目"
        case 2: return "参考"
        default: return "軽微"
        }
    }
}

/// The frame every page shares: the head, the site's header and footer.
struct PageChrome {
    var siteName: String
    var tagline: String
    var pageTitle: String
    /// The page's title without the site's name, as a share preview shows it.
    var shareTitle: String
    var description: String
    var canonicalURL: String
    var languageCode: String
    var openGraphLocale: String
    var year: Int
    var feeds: [FeedLink]
    var footerLinks: [FooterLink]
    var navigation: [NavigationLink]
    var syntheticData: Bool
    /// `website`, or `article` on an article's page.
    var openGraphType = "website"
    /// The picture a share preview shows, when the page has one.
    var imageURL: String?
    /// The page's structured data, already safe inside a script element.
    var structuredData: String?
}

struct FooterLink {
    var title: String
    var path: String
}

/// One section in the site's navigation; `ariaCurrent` marks the section the page belongs to.
struct NavigationLink {
    var label: String
    var path: String
    var ariaCurrent: String?
}

/// The sections the header links to, in the seed site's order.
enum SiteNavigation {
    static let sections: [(label: String, path: String)] = [
        ("最新ニュース", "/"), ("AI日報", DigestKind.daily.archivePath), ("Hacker日報", DigestKind.hacker.archivePath),
        ("週報", DigestKind.weekly.archivePath), ("動画", "/videos"), ("AIツール", "/tools"), ("トレンド", "/trends"), ("企業", "/companies"),
    ]

    /// `path` is the page's own path: the section's index is the current page, a page below it
    /// (a company, a tool, a filtered or later page of the latest list) is in the current section.
    /// Without a path no section is marked.
    static func links(at path: String?) -> [NavigationLink] {
        sections.map { section in
            NavigationLink(label: section.label, path: section.path,
                           ariaCurrent: path.flatMap { ariaCurrent(of: section.path, onPage: $0) })
        }
    }

    private static func ariaCurrent(of section: String, onPage path: String) -> String? {
        if path == section { return "page" }
        let below = section == "/" ? path.hasPrefix("/?") : path.hasPrefix(section + "/") || path.hasPrefix(section + "?")
        return below ? "true" : nil
    }
}

struct NotFoundPage {
    var chrome: PageChrome
}
