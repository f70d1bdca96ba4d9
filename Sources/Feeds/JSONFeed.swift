import Foundation

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org), read into the same shape as the XML formats.
enum JSONFeed {
    struct Document: Decodable {
        struct Author: Decodable {
            var name: String?
            var url: String?
        }
        struct Attachment: Decodable {
            var url: String?
            var mime_type: String?
            var title: String?
            var size_in_bytes: Int?
        }
        struct Entry: Decodable {
            var id: JSONScalar?
            var url: String?
            var external_url: String?
            var title: String?
            var content_html: String?
            var content_text: String?
            var summary: String?
            var image: String?
            var banner_image: String?
            var date_published: String?
            var date_modified: String?
            var author: Author?
            var authors: [Author]?
            var tags: [String]?
            var language: String?
            var attachments: [Attachment]?
        }
        var version: String?
        var title: String?
        var home_page_url: String?
        var feed_url: String?
        var description: String?
        var icon: String?
        var favicon: String?
        var language: String?
        var author: Author?
        var authors: [Author]?
        var items: [Entry]?
    }

    /// Ids are strings in the spec, but numbers appear in the wild; either is kept as text.
    struct JSONScalar: Decodable {
        let text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else if let number = try? container.decode(Int.self) {
                text = String(number)
            } else {
                text = String(try container.decode(Double.self))
            }
        }
    }

    static func parse(_ data: Data, context: FeedContext) throws(FeedParseError) -> ParsedFeed {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw .malformed("the JSON is not a JSON Feed: \(error.localizedDescription)")
        }
        guard document.version?.hasPrefix("https://jsonfeed.org/version/") == true else {
            throw .notAFeed(root: "JSON without a jsonfeed.org version")
        }
        func absolute(_ reference: String?) -> String? {
            guard let reference, !reference.isEmpty else { return nil }
            guard let base = context.documentURL else { return FeedText.trim(reference) }
            return URLReference.resolve(reference, against: base)
        }
        func people(_ authors: [Document.Author]?, _ author: Document.Author?) -> [FeedPerson] {
            // 1.1 has `authors`; 1.0 had a single `author`.
            (authors ?? author.map { [$0] } ?? []).map { FeedPerson(name: $0.name, uri: absolute($0.url)) }
        }
        let feedLanguage = document.language.flatMap(FeedContext.languageTag) ?? context.contentLanguage
        let feedAuthors = people(document.authors, document.author)
        var items: [ParsedItem] = []
        for (index, entry) in (document.items ?? []).enumerated() {
            if index % FeedContext.entriesBetweenBudgetChecks == 0 { try context.meter.check() }
            let link = absolute(entry.url ?? entry.external_url)
            let title = entry.title.map(FeedText.plain) ?? ""
            let published = entry.date_published.flatMap(FeedDate.parse)
            let updated = entry.date_modified.flatMap(FeedDate.parse)
            let language = entry.language.flatMap(FeedContext.languageTag) ?? feedLanguage
            let content = entry.content_html.map { TextConstruct(value: $0, type: TextConstruct.htmlType, language: language) }
                ?? entry.content_text.map { TextConstruct(value: $0, type: TextConstruct.plainType, language: language) }
            let summary = entry.summary.map { TextConstruct(value: $0, type: TextConstruct.plainType, language: language) }
            let enclosures = (entry.attachments ?? []).compactMap { attachment -> Enclosure? in
                absolute(attachment.url).map { Enclosure(url: $0, type: attachment.mime_type, length: attachment.size_in_bytes) }
            }
            let ownAuthors = people(entry.authors, entry.author)
            let authors = ownAuthors.isEmpty ? feedAuthors : ownAuthors
            var links = link.map { [FeedLink(href: $0)] } ?? []
            links += enclosures.map { FeedLink(href: $0.url, rel: FeedLink.enclosure, type: $0.type, length: $0.length) }
            items.append(ParsedItem(
                id: entry.id?.text ?? FeedText.hashID(link: link, title: title, date: published),
                title: title, link: link, published: published ?? updated, updated: updated,
                author: authors.first?.displayName,
                summary: summary?.html,
                contentHTML: entry.content_html ?? entry.content_text.map(Self.paragraphs),
                categories: entry.tags ?? [],
                enclosures: enclosures,
                imageURL: absolute(entry.image ?? entry.banner_image),
                titleDetail: entry.title.map { TextConstruct(value: $0, type: TextConstruct.plainType, language: language) },
                summaryDetail: summary, content: content, authors: authors, links: links))
        }
        let homePage = absolute(document.home_page_url)
        var links = homePage.map { [FeedLink(href: $0)] } ?? []
        links += absolute(document.feed_url).map { [FeedLink(href: $0, rel: "self", type: "application/feed+json")] } ?? []
        return ParsedFeed(
            format: .json, title: document.title.map(FeedText.plain) ?? "", link: homePage, items: items,
            titleDetail: document.title.map { TextConstruct(value: $0, type: TextConstruct.plainType, language: feedLanguage) },
            subtitle: document.description.map { TextConstruct(value: $0, type: TextConstruct.plainType, language: feedLanguage) },
            language: feedLanguage, authors: feedAuthors, links: links,
            imageURL: absolute(document.icon), iconURL: absolute(document.favicon))
    }

    /// Plain text as HTML paragraphs, escaped.
    static func paragraphs(_ text: String) -> String {
        text.components(separatedBy: "\n\n").map { "<p>" + FeedText.escape($0) + "</p>" }.joined()
    }
}
