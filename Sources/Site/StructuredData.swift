import Foundation

/// schema.org data for search engines, as JSON-LD. It is written by `JSONEncoder` and then made
/// safe inside `<script type="application/ld+json">`: `<`, `>` and `&` become JSON's `\u003c`
/// escapes, so no text in it can close the element or start a comment, while a JSON reader
/// still gets the same strings. A data block is not executed, so the CSP needs no script source.
enum StructuredData {
    static let context = "https://schema.org"

    struct NewsArticle: Encodable {
        var headline: String
        var description: String
        var datePublished: String
        var dateModified: String
        var author: [Thing]
        var publisher: Thing
        var mainEntityOfPage: Thing
        var inLanguage: String
        var image: [String]?
        var keywords: [String]

        enum CodingKeys: String, CodingKey {
            case context = "@context", type = "@type"
            case headline, description, datePublished, dateModified, author, publisher, mainEntityOfPage, inLanguage
            case image, keywords
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(StructuredData.context, forKey: .context)
            try container.encode("NewsArticle", forKey: .type)
            try container.encode(headline, forKey: .headline)
            try container.encode(description, forKey: .description)
            try container.encode(datePublished, forKey: .datePublished)
            try container.encode(dateModified, forKey: .dateModified)
            try container.encode(author, forKey: .author)
            try container.encode(publisher, forKey: .publisher)
            try container.encode(mainEntityOfPage, forKey: .mainEntityOfPage)
            try container.encode(inLanguage, forKey: .inLanguage)
            try container.encodeIfPresent(image, forKey: .image)
            try container.encode(keywords, forKey: .keywords)
        }
    }

    /// A person, organisation or page, by name or by address.
    struct Thing: Encodable {
        var type: String
        var name: String?
        var url: String?
        var id: String?

        init(type: String, name: String? = nil, url: String? = nil, id: String? = nil) {
            self.type = type
            self.name = name
            self.url = url
            self.id = id
        }

        enum CodingKeys: String, CodingKey {
            case type = "@type", id = "@id", name, url
        }
    }

    /// `value` as JSON that can stand between `<script>` and `</script>`.
    static func script(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var escaped = ""
        for scalar in String(decoding: try encoder.encode(value), as: UTF8.self).unicodeScalars {
            switch scalar {
            case "<": escaped += "\\u003c"
            case ">": escaped += "\\u003e"
            case "&": escaped += "\\u0026"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
