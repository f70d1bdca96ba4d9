import Foundation
import TestSupport

/// The news site of the end-to-end tests: a feed and its article pages from Resources/site,
/// with links pointing back at the server that serves them (taken from the Host header).
enum FixtureSite {
    static let feedPath = "/feed.xml"
    static let articleCount = 3

    static let handler: TestHandler = { request in
        let base = "http://\(request.header("Host") ?? "127.0.0.1")"
        let name = request.path == feedPath ? "feed.xml" : request.path.replacingOccurrences(of: "/news/", with: "")
        guard !name.contains("/"),
              let url = Bundle.module.url(forResource: "Resources/site/\(name)", withExtension: nil),
              let template = try? String(contentsOf: url, encoding: .utf8)
        else { return .notFound() }
        let contentType = name.hasSuffix(".xml") ? "application/rss+xml; charset=utf-8" : "text/html; charset=utf-8"
        return .text(template.replacingOccurrences(of: "{{BASE}}", with: base), contentType: contentType)
    }
}
