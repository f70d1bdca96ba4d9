import Foundation

/// RSS 0.9x and 2.0 (items inside the channel) and RSS 1.0 / RDF (items beside it).
enum RSS {
    /// Items are read from the channel and from the root alike: RDF puts them beside the channel,
    /// and some RSS 0.9x feeds leave the channel out.
    static func parse(_ root: XMLElement, format: FeedFormat) -> ParsedFeed {
        let channel = root.child("channel")
        let items = ((channel?.children("item") ?? []) + root.children("item")).map(item)
        return ParsedFeed(
            format: format,
            title: channel?.child("title").map { FeedText.plain($0.text) } ?? "",
            link: channel?.child("link")?.trimmedText.map { channel!.resolve($0) },
            items: items)
    }

    static func item(_ element: XMLElement) -> ParsedItem {
        let link = (element.child("link")?.trimmedText
            ?? permalinkGUID(element)
            ?? element.child("link", namespace: FeedParser.atomNamespace)?.attribute("href"))
            .map { element.resolve($0) }
        let title = element.child("title").map { FeedText.plain($0.text) } ?? ""
        let published = (element.child("pubDate") ?? element.child("date", namespace: FeedParser.dublinCoreNamespace))
            .flatMap { FeedDate.parse($0.text) }
        let guid = element.child("guid")?.trimmedText ?? element.attribute("about")
        let author = (element.child("creator", namespace: FeedParser.dublinCoreNamespace) ?? element.child("author"))?
            .trimmedText
        return ParsedItem(
            id: guid ?? FeedText.hashID(link.map { [$0] } ?? [title, published?.description ?? ""]),
            title: title, link: link, published: published,
            updated: element.child("modified", namespace: "http://purl.org/dc/terms/").flatMap { FeedDate.parse($0.text) },
            author: author,
            summary: element.child("description")?.markupOrText,
            contentHTML: (element.child("encoded", namespace: FeedParser.contentNamespace)
                ?? element.child("body", namespace: FeedParser.xhtmlNamespace))?.markupOrText,
            categories: (element.children("category") + element.children("subject", namespace: FeedParser.dublinCoreNamespace))
                .compactMap(\.trimmedText))
    }

    /// A guid that is a permalink doubles as the item's link when <link> is missing.
    private static func permalinkGUID(_ element: XMLElement) -> String? {
        guard let guid = element.child("guid"), guid.attribute("isPermaLink") != "false",
              let value = guid.trimmedText, value.hasPrefix("http://") || value.hasPrefix("https://")
        else { return nil }
        return value
    }
}
