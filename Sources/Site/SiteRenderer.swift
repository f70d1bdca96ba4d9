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

    public init(configuration: SiteConfiguration) async throws {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw SiteError.templatesMissing(Bundle.module.bundlePath)
        }
        self.configuration = configuration
        self.library = try await MustacheLibrary(directory: directory.path)
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

    func chrome(title: String?, description: String, path: String) -> PageChrome {
        let now = Calendar(identifier: .gregorian).dateComponents(in: configuration.edition.timeZone, from: Date())
        return PageChrome(
            siteName: configuration.siteName, tagline: configuration.tagline,
            pageTitle: title.map { "\($0) | \(configuration.siteName)" } ?? configuration.siteName,
            description: description, canonicalURL: absolute(path),
            languageCode: configuration.edition.languageCode, year: now.year ?? 0,
            navigation: SiteNavigation.links(at: path))
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
    var description: String
    var canonicalURL: String
    var languageCode: String
    var year: Int
    var navigation: [NavigationLink]
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
        ("最新ニュース", "/"), ("動画", "/videos"), ("AIツール", "/tools"), ("トレンド", "/trends"), ("企業", "/companies"),
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
