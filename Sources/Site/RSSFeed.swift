import Foundation
import KawarabanCore

/// The site's own RSS 2.0 feed of published articles, in the edition's language.
enum RSSFeed {
    static let itemCount = 30

    static func render(items: [Item], configuration: SiteConfiguration) -> String {
        let site = configuration.publicURL.absoluteString
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
            <channel>
            <title>\(escape(configuration.siteName))</title>
            <link>\(escape(site))</link>
            <description>\(escape(configuration.tagline))</description>
            <language>\(escape(configuration.edition.languageCode))</language>
            <atom:link href="\(escape(absolute("/feed.xml", configuration)))" rel="self" type="application/rss+xml"/>

            """
        for item in items {
            guard let analysis = item.analysis else { continue }
            let link = absolute(SiteRenderer.path(of: item), configuration)
            let date = item.feedEntry.publishedAt ?? item.publishedAt ?? item.discoveredAt
            xml += """
                <item>
                <title>\(escape(analysis.title))</title>
                <link>\(escape(link))</link>
                <guid isPermaLink="true">\(escape(link))</guid>
                <pubDate>\(rfc822(date))</pubDate>
                <description>\(escape(analysis.tldr))</description>
                <source url="\(escape(item.feedEntry.url))">\(escape(item.sourceName))</source>
                \(analysis.tags.map { "<category>\(escape($0))</category>" }.joined())
                </item>

                """
        }
        return xml + "</channel>\n</rss>\n"
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
