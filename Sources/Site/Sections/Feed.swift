import Foundation
import Hummingbird
import KawarabanCore
import Store

// The site's own RSS 2.0 feed of published articles, in the edition's language.

extension SitePages {
    static let feedHeadlineCount = 30

    /// `/feed.xml`.
    func feed(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let headlines = try await store.headlines(limit: Self.feedHeadlineCount, offset: 0)
        return Response(
            status: .ok,
            headers: [.contentType: "application/rss+xml; charset=utf-8", .cacheControl: SiteApplication.pageCacheControl],
            body: ResponseBody(byteBuffer: ByteBuffer(string: RSSFeed.render(headlines, configuration: renderer.configuration))))
    }
}

enum RSSFeed {
    static func render(_ headlines: [PublishedHeadline], configuration: SiteConfiguration) -> String {
        let site = configuration.publicURL.absoluteString
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
            <channel>
            <title>\(escape(configuration.feedTitle(configuration.siteName)))</title>
            <link>\(escape(site))</link>
            <description>\(escape(configuration.tagline))</description>
            <language>\(escape(configuration.edition.languageCode))</language>
            <atom:link href="\(escape(absolute("/feed.xml", configuration)))" rel="self" type="application/rss+xml"/>

            """
        for headline in headlines {
            let analysis = headline.analysis
            let link = absolute(SitePages.articlePath(headline.id), configuration)
            xml += """
                <item>
                <title>\(escape(configuration.feedTitle(analysis.title)))</title>
                <link>\(escape(link))</link>
                <guid isPermaLink="true">\(escape(link))</guid>
                <pubDate>\(rfc822(headline.shownAt))</pubDate>
                <description>\(escape(analysis.tldr))</description>
                \(source(headline))
                \(analysis.tags.map { "<category>\(escape($0))</category>" }.joined())
                </item>

                """
        }
        return xml + "</channel>\n</rss>\n"
    }

    /// RSS requires the source's URL, so a link the URL policy refuses drops the element.
    private static func source(_ headline: PublishedHeadline) -> String {
        guard let url = BlockHTML.safeURL(headline.url) else { return "" }
        return "<source url=\"\(escape(url))\">\(escape(headline.sourceName))</source>"
    }

    private static func absolute(_ path: String, _ configuration: SiteConfiguration) -> String {
        URL(string: path, relativeTo: configuration.publicURL)?.absoluteString ?? path
    }

    static func rfc822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    static func escape(_ text: String) -> String { XMLEscaping.escape(text) }
}
