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
        try render(NotFoundPage(chrome: chrome(title: "ページが見つかりません", description: configuration.tagline, path: "/")),
                   "not-found")
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
            syntheticData: configuration.syntheticData)
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
    var syntheticData: Bool
}

struct NotFoundPage {
    var chrome: PageChrome
}
