import Foundation
import Hummingbird
import Ink
import Sanitizer

// The operator's own pages: about, contact and the legal notice (特定商取引法に基づく表記),
// written in Markdown files the configuration names. Each is rendered once at start, then passed
// through the sanitiser like any outside HTML: Markdown lets raw HTML through, and an operator's
// file is trusted less than our templates. A page not configured does not exist (404) and is not
// linked.

/// A page the operator writes.
public enum InfoPage: String, CaseIterable, Sendable {
    case about, contact, legal

    var path: String { "/\(rawValue)" }

    var title: String {
        switch self {
        case .about: return "このサイトについて"
        case .contact: return "お問い合わせ"
        case .legal: return "特定商取引法に基づく表記"
        }
    }

    /// The page's Markdown as safe HTML; links made absolute against `base`.
    static func html(fromMarkdown markdown: String, base: URL) -> String {
        HTMLSanitizer.sanitize(MarkdownParser().html(from: markdown), base: base)
    }
}

extension SitePages {
    /// `/about`, `/contact`, `/legal`.
    func info(_ page: InfoPage, _ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let html = try renderer.infoPage(page) else { throw HTTPError(.notFound) }
        return Self.htmlResponse(html)
    }
}

extension SiteRenderer {
    /// The page, or nil when the operator has not configured it.
    public func infoPage(_ page: InfoPage) throws -> String? {
        guard let bodyHTML = infoPageHTML[page] else { return nil }
        return try render(InfoPageView(chrome: chrome(title: page.title, description: page.title, path: page.path),
                                       heading: page.title, bodyHTML: bodyHTML), "info-page")
    }
}

struct InfoPageView {
    var chrome: PageChrome
    var heading: String
    var bodyHTML: String
}
