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
        var linkedData = LinkedData()
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
            case "script" where node.attribute("type")?.lowercased() == "application/ld+json":
                linkedData.read(node.text())
            case "time" where timeElement == nil:
                timeElement = node.attribute("datetime")
            case "link":
                let relations = (node.attribute("rel") ?? "").lowercased().split(separator: " ")
                if relations.contains("canonical"), canonicalURL == nil { canonicalURL = node.attribute("href").flatMap(resolve) }
                if relations.contains("author"), author == nil, let name = node.attribute("title") { author = name }
            case "a" where author == nil && (node.attribute("rel") ?? "").lowercased().split(separator: " ").contains("author"):
                author = BlockBuilder.collapse(node.text())
            default:
                break
            }
        }
        siteName = meta["og:site_name"]
        title = meta["og:title"] ?? meta["twitter:title"] ?? titleElement.map { Self.withoutSiteSuffix($0, siteName: siteName) }
            ?? firstH1
        // article:author is often the author's profile URL, which names no one.
        author = [meta["author"], meta["article:author"], meta["parsely-author"], meta["dc.creator"], author, linkedData.author]
            .compactMap { $0 }.first { !$0.isEmpty && !$0.hasPrefix("http") }
        publishedAt = [meta["article:published_time"], meta["parsely-pub-date"], meta["date"], meta["dc.date"],
                       meta["datepublished"], linkedData.datePublished, timeElement].compactMap { $0 }.lazy.compactMap(Self.date).first
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

/// The author and date a page's JSON-LD gives its article, from the first object that has them.
struct LinkedData {
    private(set) var author: String?
    private(set) var datePublished: String?

    mutating func read(_ json: String) {
        guard let value = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) else { return }
        visit(value, depth: 0)
    }

    /// Walks arrays and `@graph`s, which is where sites put the article next to their
    /// organisation and breadcrumbs.
    private mutating func visit(_ value: Any, depth: Int) {
        guard depth < 8 else { return }
        if let array = value as? [Any] {
            for element in array { visit(element, depth: depth + 1) }
            return
        }
        guard let object = value as? [String: Any] else { return }
        if author == nil { author = Self.name(object["author"] ?? object["creator"] as Any) }
        if datePublished == nil { datePublished = object["datePublished"] as? String }
        if let graph = object["@graph"] { visit(graph, depth: depth + 1) }
    }

    /// `"Ada"`, `{"name": "Ada"}`, or the first of a list of either.
    private static func name(_ value: Any) -> String? {
        if let text = value as? String { return text.isEmpty ? nil : text }
        if let object = value as? [String: Any] { return (object["name"] as? String).flatMap { $0.isEmpty ? nil : $0 } }
        if let array = value as? [Any] { return array.lazy.compactMap(name).first }
        return nil
    }
}
