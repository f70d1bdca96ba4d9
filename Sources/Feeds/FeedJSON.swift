import Foundation

extension ParsedFeed {
    /// The feed as `kawaraban feed parse --json` prints it:
    /// `{"title","link","items":[{"id","title","link","published","author","summary","content_html"}]}`,
    /// with `published` as ISO 8601 in UTC, or null.
    public func jsonSummary() throws -> String {
        struct Entry: Encodable {
            var id: String
            var title: String
            var link: String?
            var published: String?
            var author: String?
            var summary: String?
            var content_html: String?

            // Absent values are written as null, not left out.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(id, forKey: .id)
                try container.encode(title, forKey: .title)
                try container.encode(link, forKey: .link)
                try container.encode(published, forKey: .published)
                try container.encode(author, forKey: .author)
                try container.encode(summary, forKey: .summary)
                try container.encode(content_html, forKey: .content_html)
            }

            enum CodingKeys: String, CodingKey { case id, title, link, published, author, summary, content_html }
        }
        struct Summary: Encodable {
            var title: String
            var link: String?
            var items: [Entry]

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(title, forKey: .title)
                try container.encode(link, forKey: .link)
                try container.encode(items, forKey: .items)
            }

            enum CodingKeys: String, CodingKey { case title, link, items }
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let summary = Summary(title: title, link: link, items: items.map { item in
            Entry(id: item.id, title: item.title, link: item.link, published: item.published.map(formatter.string(from:)),
                  author: item.author, summary: item.summary, content_html: item.contentHTML)
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }
}
