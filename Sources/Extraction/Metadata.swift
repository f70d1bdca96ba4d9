import Foundation

/// What the page says about itself in its head and markup.
struct PageMetadata {
    var title: String?
    var author: String?
    var publishedAt: Date?
    var siteName: String?
    var language: String?
    var leadImage: String?
    var canonicalURL: String?
    var description: String?

    /// Title separators sites put before their own name: "Story | Site", "Story - Site".
    static let titleSeparators = [" | ", " - ", " — ", " – ", " :: ", " · ", "｜", " ｜ "]

    init(root: HTMLNode, resolve: (String) -> String?) {
        var meta: [String: String] = [:]
        var titleElement: String?
        var firstH1: String?
        var timeElement: String?
        for node in root.descendants() {
            switch node.name {
            case "meta":
                let key = (node.attribute("property") ?? node.attribute("name") ?? node.attribute("itemprop"))?.lowercased()
                if let key, let value = node.attribute("content")?.trimmingCharacters(in: .whitespacesAndNewlines),
                   !value.isEmpty, meta[key] == nil {
                    meta[key] = value
                }
            case "title" where titleElement == nil:
                titleElement = BlockBuilder.collapse(node.text())
            case "h1" where firstH1 == nil:
                firstH1 = BlockBuilder.collapse(node.text())
            case "time" where timeElement == nil:
                timeElement = node.attribute("datetime")
            case "link":
                let relations = (node.attribute("rel") ?? "").lowercased().split(separator: " ")
                if relations.contains("canonical"), canonicalURL == nil { canonicalURL = node.attribute("href").flatMap(resolve) }
                if relations.contains("author"), author == nil, let name = node.attribute("title") { author = name }
            default:
                break
            }
        }
        siteName = meta["og:site_name"]
        title = meta["og:title"] ?? meta["twitter:title"] ?? titleElement.map { Self.withoutSiteSuffix($0, siteName: siteName) }
            ?? firstH1
        author = meta["author"] ?? meta["article:author"] ?? meta["parsely-author"] ?? meta["dc.creator"] ?? author
        if let value = author, value.hasPrefix("http") { author = nil }
        publishedAt = [meta["article:published_time"], meta["parsely-pub-date"], meta["date"], meta["dc.date"],
                       meta["datepublished"], timeElement].compactMap { $0 }.lazy.compactMap(Self.date).first
        language = root.attribute("lang").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        leadImage = (meta["og:image"] ?? meta["twitter:image"]).flatMap(resolve)
        description = meta["description"] ?? meta["og:description"] ?? meta["twitter:description"]
    }

    /// "Story | Site" → "Story", when the part after the separator is the site's name or short.
    static func withoutSiteSuffix(_ title: String, siteName: String?) -> String {
        for separator in titleSeparators {
            guard let range = title.range(of: separator, options: .backwards) else { continue }
            let head = String(title[..<range.lowerBound])
            let tail = title[range.upperBound...]
            if let siteName, tail.localizedCaseInsensitiveContains(siteName) { return head }
            if tail.count <= 30 && head.count >= 15 { return head }
        }
        return title
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
                                                      [.withFullDate]] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text.trimmingCharacters(in: .whitespaces)) { return date }
        }
        return nil
    }
}
