import Foundation

/// Atom 1.0 and the 0.3 draft, which names most of the same elements (tagline for subtitle,
/// copyright for rights, issued and modified for published and updated). YouTube's channel feeds are
/// Atom with the video's id, thumbnail and description in yt: and media: elements.
enum Atom {
    static func parse(_ feed: XMLElement, context: FeedContext) throws(FeedParseError) -> ParsedFeed {
        // A feed's self link points at the feed itself, an Atom document, whether or not it says so.
        let links = feed.children("link").compactMap(context.link).map { link in
            var typed = link
            if link.rel == "self" && link.type == nil { typed.type = "application/atom+xml" }
            return typed
        }
        let authors = feed.children("author").map(context.person)
        let title = feed.child("title").map { context.text($0) }
        let entries = try context.entries(feed.children("entry")) { entry($0, feedAuthors: authors, context: context) }
        return ParsedFeed(
            format: .atom,
            title: title?.plainText ?? "",
            link: FeedContext.alternate(in: links),
            items: entries,
            titleDetail: title,
            subtitle: (feed.child("subtitle") ?? feed.child("tagline")).map { context.text($0) },
            rights: (feed.child("rights") ?? feed.child("copyright")).map { context.text($0) },
            id: feed.child("id").flatMap { identifier($0, context: context) },
            language: context.language(at: feed),
            published: FeedContext.date(feed.child("published") ?? feed.child("issued")),
            updated: FeedContext.date(feed.child("updated") ?? feed.child("modified")),
            authors: authors,
            links: links,
            categories: categories(feed),
            imageURL: feed.child("logo")?.trimmedText.map { context.resolve($0, at: feed) },
            iconURL: feed.child("icon")?.trimmedText.map { context.resolve($0, at: feed) })
    }

    /// An entry without authors of its own has the feed's (RFC 4287, 4.2.1).
    static func entry(_ element: XMLElement, feedAuthors: [FeedPerson], context: FeedContext) -> ParsedItem {
        let links = element.children("link").compactMap(context.link)
        let link = FeedContext.alternate(in: links)
        let titleDetail = element.child("title").map { context.text($0) }
        let title = titleDetail?.plainText ?? ""
        let published = FeedContext.date(element.child("published") ?? element.child("issued") ?? element.child("created"))
        let updated = FeedContext.date(element.child("updated") ?? element.child("modified"))
        let summaryDetail = element.child("summary").map { context.text($0) } ?? context.mediaDescription(in: element)
        let content = element.child("content").map { context.text($0) }
        let ownAuthors = element.children("author").map(context.person)
        let authors = ownAuthors.isEmpty ? feedAuthors : ownAuthors
        let enclosures = FeedContext.enclosures(in: links)
        let videoID = element.child("videoId", namespace: FeedNamespace.youtube)?.trimmedText
        return ParsedItem(
            id: element.child("id").flatMap { identifier($0, context: context) }
                ?? FeedText.hashID(link: link, title: title, date: published ?? updated),
            title: title, link: link, published: published ?? updated, updated: updated,
            author: authors.first?.displayName,
            summary: summaryDetail.map(\.html),
            contentHTML: content.map(\.html),
            categories: categories(element),
            enclosures: enclosures,
            imageURL: context.mediaImage(in: element) ?? FeedContext.imageURL(in: enclosures),
            videoID: videoID,
            commentsURL: links.first { $0.rel == "replies" && $0.type.map { $0.hasPrefix("text/html") } ?? false }?.href,
            titleDetail: titleDetail, summaryDetail: summaryDetail, content: content, authors: authors, links: links)
    }

    /// An id as written; a relative one (rare, but seen) is made absolute like any reference.
    private static func identifier(_ element: XMLElement, context: FeedContext) -> String? {
        guard let id = element.trimmedText else { return nil }
        return FeedText.contains(id, UInt8(ascii: ":")) ? id : context.resolve(id, at: element)
    }

    /// Atom 1.0 categories carry a term; 0.3 feeds use dc:subject.
    private static func categories(_ element: XMLElement) -> [String] {
        let terms = element.children("category").compactMap { $0.attribute("term").map(FeedText.trim) ?? $0.trimmedText }
        let subjects = element.children("subject", namespace: FeedNamespace.dublinCore).compactMap(\.trimmedText)
        return (terms + subjects).filter { !$0.isEmpty }
    }
}
