import Foundation

/// What the page says about itself in its head, its JSON-LD and its markup.
struct PageMetadata {
    var title: String?
    var author: String?
    var publishedAt: Date?
    var siteName: String?
    var language: String?
    var leadImage: String?
    var canonicalURL: String?
    var description: String?

    /// Separators sites put between a story's title and their own name: "Story | Site".
    static let titleSeparators = [" | ", " - ", " — ", " – ", " :: ", " · ", " » ", " / ", "｜", " ｜ ", "|"]
    /// A site-name part is at most this long; the story part at least this long.
    static let maximumSiteSuffixCharacters = 40
    static let minimumTitleCharacters = 15
    /// A byline longer than this is a paragraph that happens to carry an author class.
    static let maximumBylineCharacters = 100

    init(_ document: HTMLDocument, resolve: (String) -> String?) {
        var meta: [String: String] = [:]
        var titleElement: String?
        var firstH1: String?
        var timeElement: String?
        var byline: String?
        var linkedData = LinkedData()
        for node in 1..<document.count where !document.isText(node) {
            switch document.name(node) {
            case "meta":
                let key = (document.attribute(.property, of: node) ?? document.attribute(.name, of: node)
                           ?? document.attribute(.itemprop, of: node))?.lowercased()
                if let key, let value = document.attribute(.content, of: node).map { UTF8Text.trimmed($0) },
                   !value.isEmpty, meta[key] == nil {
                    meta[key] = value
                }
            case "title" where titleElement == nil:
                titleElement = BlockBuilder.collapse(document.textContent(node))
            case "h1" where firstH1 == nil:
                firstH1 = BlockBuilder.collapse(document.textContent(node))
            case "script" where document.attribute(.type, of: node)?.lowercased() == "application/ld+json":
                linkedData.read(document.textContent(node))
            case "time" where timeElement == nil:
                timeElement = document.attribute(.datetime, of: node)
            case "link":
                let relations = (document.attribute(.rel, of: node) ?? "").lowercased().split(separator: " ")
                if relations.contains("canonical"), canonicalURL == nil {
                    canonicalURL = document.attribute(.href, of: node).flatMap(resolve)
                }
            default:
                if byline == nil, let found = Self.byline(document, node) { byline = found }
            }
        }
        siteName = meta["og:site_name"] ?? linkedData.publisher ?? meta["application-name"]
        let pageTitle = titleElement.map { Self.withoutSiteSuffix($0, siteName: siteName, headline: firstH1) }
        title = [meta["og:title"], meta["twitter:title"], linkedData.headline, meta["dc.title"], pageTitle, firstH1]
            .compactMap { $0 }.first { !$0.isEmpty }.map(BlockBuilder.collapse)
        // article:author is often the author's profile URL, which names no one.
        author = [meta["author"], meta["article:author"], meta["parsely-author"], meta["dc.creator"], meta["sailthru.author"],
                  linkedData.author, byline].compactMap { $0 }.first { !$0.isEmpty && !$0.hasPrefix("http") }
        publishedAt = [meta["article:published_time"], meta["og:article:published_time"], meta["parsely-pub-date"],
                       meta["datepublished"], meta["date"], meta["dc.date"], meta["dc.date.issued"], meta["dcterms.created"],
                       meta["sailthru.date"], linkedData.datePublished, timeElement]
            .compactMap { $0 }.lazy.compactMap(PublicationDate.parse).first
        language = [document.attribute(.lang, of: document.root), meta["content-language"], meta["og:locale"]]
            .compactMap { $0.map { UTF8Text.trimmed($0) } }.first { !$0.isEmpty }
            .map { $0.replacingOccurrences(of: "_", with: "-") }
        leadImage = [meta["og:image"], meta["og:image:url"], meta["twitter:image"], meta["twitter:image:src"], linkedData.image]
            .compactMap { $0 }.lazy.compactMap(resolve).first
        canonicalURL = canonicalURL ?? meta["og:url"].flatMap(resolve)
        description = [meta["description"], meta["og:description"], meta["twitter:description"], linkedData.description]
            .compactMap { $0 }.first { !$0.isEmpty }.map(BlockBuilder.collapse)
    }

    private static let bylineMarks = FragmentMatcher(["author", "byline"])

    /// The author a byline element names: `rel="author"`, `itemprop="author"` or a byline class.
    private static func byline(_ document: HTMLDocument, _ node: Int) -> String? {
        guard document.attributes(of: node).contains(where: { ($0.name == .rel || $0.name == .itemprop || $0.name == .class) && bylineMarks.matches($0.value) })
        else { return nil }
        let rel = document.attribute(.rel, of: node)?.lowercased() ?? ""
        let itemprop = document.attribute(.itemprop, of: node)?.lowercased() ?? ""
        let classes = (document.attribute(.class, of: node) ?? "").lowercased()
        guard rel.split(separator: " ").contains("author") || itemprop.split(separator: " ").contains("author")
            || classes.split(separator: " ").contains(where: { $0 == "byline" || $0 == "author" })
        else { return nil }
        let nameElement = (node..<document.subtreeEnd(node)).first { document.attribute(.itemprop, of: $0) == "name" } ?? node
        let text = BlockBuilder.collapse(document.textContent(nameElement))
        guard !text.isEmpty, text.count <= maximumBylineCharacters else { return nil }
        return text.range(of: "^[Bb]y\\s+", options: .regularExpression).map { String(text[$0.upperBound...]) } ?? text
    }

    /// "Story | Site" → "Story", when the part after the separator is the site's name, or short
    /// while the part before is long, or when the part before is the page's own headline.
    static func withoutSiteSuffix(_ title: String, siteName: String?, headline: String? = nil) -> String {
        if let headline, !headline.isEmpty, title.hasPrefix(headline), headline.count >= minimumTitleCharacters { return headline }
        for separator in titleSeparators {
            guard let range = title.range(of: separator, options: .backwards) else { continue }
            let head = UTF8Text.trimmed(String(title[..<range.lowerBound]))
            let tail = UTF8Text.trimmed(String(title[range.upperBound...]))
            if let siteName, !siteName.isEmpty, tail.localizedCaseInsensitiveContains(siteName) || siteName.localizedCaseInsensitiveContains(tail) {
                return head
            }
            if tail.count <= maximumSiteSuffixCharacters && head.count >= minimumTitleCharacters { return head }
        }
        return title
    }
}

/// Dates as pages write them: ISO 8601 with or without seconds, fraction and zone, a space
/// instead of the T, or only the day. A date without a zone is taken as UTC.
enum PublicationDate {
    static func parse(_ text: String) -> Date? {
        let scalars = Array(UTF8Text.trimmed(text).utf8)
        var position = 0
        func number(_ digits: Int) -> Int? {
            guard position + digits <= scalars.count else { return nil }
            var value = 0
            for byte in scalars[position..<position + digits] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += digits
            return value
        }
        func skip(_ character: Character) -> Bool {
            guard position < scalars.count, scalars[position] == character.asciiValue else { return false }
            position += 1
            return true
        }
        guard let year = number(4), skip("-"), let month = number(2), skip("-"), let day = number(2),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var components = DateComponents(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
        var offset = 0
        if skip("T") || skip(" ") {
            guard let hour = number(2), skip(":"), let minute = number(2) else { return nil }
            components.hour = hour
            components.minute = minute
            if skip(":"), let second = number(2) { components.second = second }
            if skip(".") || skip(",") { while number(1) != nil {} }
            if skip("Z") || skip("z") {
                offset = 0
            } else if position < scalars.count, scalars[position] == UInt8(ascii: "+") || scalars[position] == UInt8(ascii: "-") {
                let sign = scalars[position] == UInt8(ascii: "-") ? -1 : 1
                position += 1
                guard let hours = number(2) else { return nil }
                _ = skip(":")
                let minutes = number(2) ?? 0
                offset = sign * (hours * 3600 + minutes * 60)
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        guard let zone = TimeZone(secondsFromGMT: offset) else { return nil }
        calendar.timeZone = zone
        return calendar.date(from: components)
    }
}

/// What a page's JSON-LD says about its article, from the first object that says it.
struct LinkedData {
    private(set) var author: String?
    private(set) var datePublished: String?
    private(set) var headline: String?
    private(set) var publisher: String?
    private(set) var image: String?
    private(set) var description: String?
    /// JSON-LD nests organisations, breadcrumbs and the article; deeper than this is not metadata.
    static let maximumDepth = 8

    mutating func read(_ json: String) {
        guard let value = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) else { return }
        visit(value, depth: 0)
    }

    /// Walks arrays and `@graph`s, which is where sites put the article next to their
    /// organisation and breadcrumbs.
    private mutating func visit(_ value: Any, depth: Int) {
        guard depth < Self.maximumDepth else { return }
        if let array = value as? [Any] {
            for element in array { visit(element, depth: depth + 1) }
            return
        }
        guard let object = value as? [String: Any] else { return }
        let type = Self.types(object["@type"])
        let isArticle = type.contains { $0.hasSuffix("Article") || $0 == "BlogPosting" || $0 == "Report" || $0 == "WebPage" }
        if isArticle || type.isEmpty {
            if author == nil { author = Self.name(object["author"] ?? object["creator"] as Any) }
            if datePublished == nil { datePublished = object["datePublished"] as? String ?? object["dateCreated"] as? String }
            if headline == nil, type.contains(where: { $0 != "WebPage" }) { headline = object["headline"] as? String }
            if publisher == nil { publisher = Self.name(object["publisher"] as Any) }
            if image == nil { image = Self.url(object["image"] ?? object["thumbnailUrl"] as Any) }
            if description == nil, type.contains(where: { $0 != "WebPage" }) { description = object["description"] as? String }
        }
        if let graph = object["@graph"] { visit(graph, depth: depth + 1) }
        if let main = object["mainEntity"] { visit(main, depth: depth + 1) }
    }

    private static func types(_ value: Any?) -> [String] {
        if let single = value as? String { return [single] }
        return (value as? [Any])?.compactMap { $0 as? String } ?? []
    }

    /// `"Ada"`, `{"name": "Ada"}`, or the first of a list of either.
    private static func name(_ value: Any) -> String? {
        if let text = value as? String { return text.isEmpty ? nil : text }
        if let object = value as? [String: Any] { return (object["name"] as? String).flatMap { $0.isEmpty ? nil : $0 } }
        if let array = value as? [Any] { return array.lazy.compactMap(name).first }
        return nil
    }

    /// `"https://…"`, `{"url": "https://…"}`, or the first of a list of either.
    private static func url(_ value: Any) -> String? {
        if let text = value as? String { return text.isEmpty ? nil : text }
        if let object = value as? [String: Any] { return object["url"] as? String }
        if let array = value as? [Any] { return array.lazy.compactMap(url).first }
        return nil
    }
}
