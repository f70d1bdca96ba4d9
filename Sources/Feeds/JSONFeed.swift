import Foundation

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org), read into the same shape as the XML formats.
enum JSONFeed {
    struct Document: Decodable {
        struct Author: Decodable { var name: String? }
        struct Entry: Decodable {
            var id: JSONScalar?
            var url: String?
            var external_url: String?
            var title: String?
            var content_html: String?
            var content_text: String?
            var summary: String?
            var date_published: String?
            var date_modified: String?
            var author: Author?
            var authors: [Author]?
            var tags: [String]?
        }
        var version: String?
        var title: String?
        var home_page_url: String?
        var items: [Entry]?
    }

    /// Ids are strings in the spec, but numbers appear in the wild.
    enum JSONScalar: Decodable {
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let number = try? container.decode(Int.self) {
                self = .text(String(number))
            } else {
                self = .text(String(try container.decode(Double.self)))
            }
        }

        var text: String { switch self { case .text(let value): return value } }
    }

    static func parse(_ data: Data, baseURL: URL?) throws(FeedParseError) -> ParsedFeed {
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
            return URL(string: reference, relativeTo: baseURL)?.absoluteString ?? reference
        }
        let items = (document.items ?? []).map { entry in
            let link = absolute(entry.url ?? entry.external_url)
            let title = entry.title.map(FeedText.plain) ?? ""
            let published = entry.date_published.flatMap(FeedDate.parse)
            let updated = entry.date_modified.flatMap(FeedDate.parse)
            return ParsedItem(
                id: entry.id?.text ?? FeedText.hashID(link.map { [$0] } ?? [title, published?.description ?? ""]),
                title: title, link: link, published: published ?? updated, updated: updated,
                author: (entry.authors?.first ?? entry.author)?.name,
                summary: entry.summary,
                contentHTML: entry.content_html ?? entry.content_text.map(Self.paragraphs),
                categories: entry.tags ?? [])
        }
        return ParsedFeed(format: .json, title: document.title.map(FeedText.plain) ?? "",
                          link: absolute(document.home_page_url), items: items)
    }

    /// Plain text as HTML paragraphs, escaped.
    static func paragraphs(_ text: String) -> String {
        text.components(separatedBy: "\n\n").map { paragraph in
            "<p>" + paragraph.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;") + "</p>"
        }.joined()
    }
}
