import Foundation
import KawarabanCore

// The three writers of `SiteFeed`. Each writes every field the format has a place for: the
// TL;DR as the summary, the importance as a category (and in JSON Feed an extension object of
// ours), the tags as categories and the source credited. XML text is escaped, never put in CDATA,
// so a title holding `]]>` is just text.

enum RSSWriter {
    static func render(_ feed: SiteFeed) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
            <channel>
            <title>\(escape(feed.title))</title>
            <link>\(escape(feed.pageURL))</link>
            <description>\(escape(feed.description))</description>
            <language>\(escape(feed.languageCode))</language>
            <lastBuildDate>\(FeedDates.rfc822(feed.updated))</lastBuildDate>
            <atom:link href="\(escape(feed.selfURLs[.rss] ?? ""))" rel="self" type="\(FeedFormat.rss.mediaType)"/>

            """
        for entry in feed.entries {
            let source = entry.sourceURL.map { "<source url=\"\(escape($0))\">\(escape(entry.sourceName))</source>" } ?? ""
            xml += """
                <item>
                <title>\(escape(entry.title))</title>
                <link>\(escape(entry.url))</link>
                <guid isPermaLink="true">\(escape(entry.id))</guid>
                <pubDate>\(FeedDates.rfc822(entry.published))</pubDate>
                <description>\(escape(entry.summary))</description>
                \(source)
                \(entry.categories.map { "<category>\(escape($0))</category>" }.joined())
                </item>

                """
        }
        return xml + "</channel>\n</rss>\n"
    }

    static func escape(_ text: String) -> String { XMLEscaping.escape(text) }
}

enum AtomWriter {
    static func render(_ feed: SiteFeed) -> String {
        let selfURL = feed.selfURLs[.atom] ?? ""
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="\(escape(feed.languageCode))">
            <id>\(escape(selfURL))</id>
            <title type="text">\(escape(feed.title))</title>
            <subtitle type="text">\(escape(feed.description))</subtitle>
            <updated>\(FeedDates.rfc3339(feed.updated))</updated>
            <link rel="self" type="\(FeedFormat.atom.mediaType)" href="\(escape(selfURL))"/>
            <link rel="alternate" type="text/html" href="\(escape(feed.pageURL))"/>
            <author><name>\(escape(feed.siteName))</name></author>

            """
        for entry in feed.entries {
            let via = entry.sourceURL.map { "<link rel=\"via\" type=\"text/html\" href=\"\(escape($0))\"/>" } ?? ""
            let sourceURI = entry.sourceURL.map { "<uri>\(escape($0))</uri>" } ?? ""
            xml += """
                <entry>
                <id>\(escape(entry.id))</id>
                <title type="text">\(escape(entry.title))</title>
                <link rel="alternate" type="text/html" href="\(escape(entry.url))"/>
                \(via)
                <published>\(FeedDates.rfc3339(entry.published))</published>
                <updated>\(FeedDates.rfc3339(entry.updated))</updated>
                <author><name>\(escape(entry.sourceName))</name>\(sourceURI)</author>
                <summary type="text">\(escape(entry.summary))</summary>
                \(importanceCategory(entry))\(entry.tags.map { "<category term=\"\(escape($0))\"/>" }.joined())
                </entry>

                """
        }
        return xml + "</feed>\n"
    }

    /// The importance as a category whose label names its level too; nothing for a digest.
    private static func importanceCategory(_ entry: SiteFeedEntry) -> String {
        guard let category = entry.importanceCategory, let label = entry.importanceLabel else { return "" }
        return "<category term=\"\(escape(category))\" label=\"\(escape("\(category) \(label)"))\"/>\n"
    }

    static func escape(_ text: String) -> String { XMLEscaping.escape(text) }
}

/// JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written by `JSONEncoder`, so every string
/// is escaped as JSON requires.
enum JSONFeedWriter {
    static let version = "https://jsonfeed.org/version/1.1"

    struct Document: Encodable {
        var version: String
        var title: String
        var description: String
        var language: String
        var home_page_url: String
        var feed_url: String
        var authors: [Author]
        var items: [Item]
    }

    struct Author: Encodable {
        var name: String
        var url: String?
    }

    struct Item: Encodable {
        var id: String
        var url: String
        var external_url: String?
        var title: String
        var summary: String
        var content_text: String
        var date_published: String
        var date_modified: String
        var tags: [String]
        var authors: [Author]
        /// Left out of a digest's entry, which has no importance or source.
        var _kawaraban: Extension?
    }

    /// What the format has no field for, under a key of ours as JSON Feed's extensions are.
    struct Extension: Encodable {
        var importance: Int
        var importance_label: String
        var source: Author
    }

    static func render(_ feed: SiteFeed) throws -> String {
        let document = Document(
            version: version, title: feed.title, description: feed.description, language: feed.languageCode,
            home_page_url: feed.pageURL, feed_url: feed.selfURLs[.json] ?? "", authors: [Author(name: feed.siteName)],
            items: feed.entries.map { entry in
                let source = Author(name: entry.sourceName, url: entry.sourceURL)
                return Item(
                    id: entry.id, url: entry.url, external_url: entry.sourceURL, title: entry.title, summary: entry.summary,
                    content_text: entry.summary, date_published: FeedDates.rfc3339(entry.published),
                    date_modified: FeedDates.rfc3339(entry.updated), tags: entry.categories, authors: [source],
                    _kawaraban: entry.importance.map {
                        Extension(importance: $0.value, importance_label: ImportanceLabel.japanese($0), source: source)
                    })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}

/// Dates as the feed formats write them, in UTC.
enum FeedDates {
    static func rfc822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .gmt
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }
}
