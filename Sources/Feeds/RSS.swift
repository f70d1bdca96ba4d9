import Foundation

/// RSS 0.9x and 2.0 (items inside the channel) and RSS 1.0 / RDF (items beside it), with the
/// Dublin Core, content, Media RSS and slash modules feeds commonly add.
enum RSS {
    /// Items are read from the channel and from the root alike: RDF puts them beside the channel,
    /// and some RSS 0.9x feeds leave the channel out.
    static func parse(_ root: XMLElement, format: FeedFormat, context: FeedContext) throws(FeedParseError) -> ParsedFeed {
        let channel = root.child("channel") ?? root
        let items = try context.entries((channel.node == root.node ? [] : channel.children("item")) + root.children("item")) {
            item($0, context: context)
        }
        let titleDetail = (channel.child("title") ?? channel.child("title", namespace: FeedNamespace.dublinCore))
            .map { sniffingMarkup(context.text($0)) }
        var links = channel.children("link").compactMap { element in
            element.trimmedText.map { FeedLink(href: context.resolve($0, at: element)) }
        }
        links += channel.children("link", namespace: FeedNamespace.atom).compactMap(context.link)
        let declaredLanguage = (channel.child("language") ?? channel.child("language", namespace: FeedNamespace.dublinCore))?
            .trimmedText.flatMap(FeedContext.languageTag)
        let image = channel.child("image") ?? root.child("image")
        return ParsedFeed(
            format: format,
            title: titleDetail?.plainText ?? "",
            link: FeedContext.alternate(in: links),
            items: items,
            titleDetail: titleDetail,
            subtitle: (channel.child("description") ?? channel.child("description", namespace: FeedNamespace.dublinCore))
                .map { context.text($0, defaultType: TextConstruct.htmlType) },
            rights: (channel.child("copyright") ?? channel.child("rights", namespace: FeedNamespace.dublinCore))
                .map { context.text($0) },
            language: declaredLanguage ?? context.language(at: channel),
            published: FeedContext.date(channel.child("pubDate") ?? channel.child("issued", namespace: FeedNamespace.dublinCoreTerms)),
            updated: FeedContext.date(channel.child("lastBuildDate") ?? channel.child("modified", namespace: FeedNamespace.dublinCoreTerms)
                ?? channel.child("date", namespace: FeedNamespace.dublinCore)),
            authors: people(in: channel, elements: [
                ("managingEditor", nil), ("author", nil), ("creator", FeedNamespace.dublinCore),
                ("author", FeedNamespace.dublinCore),
            ]),
            links: links,
            categories: categories(channel),
            imageURL: image.flatMap { image in image.child("url")?.trimmedText.map { context.resolve($0, at: image) } })
    }

    static func item(_ element: XMLElement, context: FeedContext) -> ParsedItem {
        var links = itemLinks(element, context: context)
        let link = (element.child("link")?.trimmedText ?? permalinkGUID(element)).map { context.resolve($0, at: element) }
            ?? FeedContext.alternate(in: links)
        if let link, !links.contains(where: { $0.href == link }) { links.insert(FeedLink(href: link), at: 0) }
        let enclosures = FeedContext.enclosures(in: links)
        let titleDetail = (element.child("title") ?? element.child("title", namespace: FeedNamespace.dublinCore))
            .map { sniffingMarkup(context.text($0)) }
        let title = titleDetail?.plainText ?? ""
        let updated = FeedContext.date(element.child("modified", namespace: FeedNamespace.dublinCoreTerms)
            ?? element.child("date", namespace: FeedNamespace.dublinCore))
        let published = FeedContext.date(element.child("pubDate") ?? element.child("issued", namespace: FeedNamespace.dublinCoreTerms))
            ?? updated
        let descriptionElement = element.child("description") ?? element.child("description", namespace: FeedNamespace.dublinCore)
        // Some feeds add a <summary> beside the description: the first of the two is the summary,
        // the other the full text.
        var summaryElements = [descriptionElement, element.child("summary")].compactMap { $0 }
        if summaryElements.count == 2, element.elements.first(where: { $0.node == summaryElements[1].node || $0.node == summaryElements[0].node })?.node == summaryElements[1].node {
            summaryElements.reverse()
        }
        let summaries = summaryElements.map { context.text($0, defaultType: TextConstruct.htmlType) }
        let summaryDetail = summaries.first ?? context.mediaDescription(in: element)
        let content = (element.child("encoded", namespace: FeedNamespace.content) ?? element.child("fullitem"))
            .map { context.text($0, defaultType: TextConstruct.htmlType) }
            ?? (element.child("body", namespace: FeedNamespace.xhtml) ?? element.child("body"))
                .map { context.text($0, defaultType: TextConstruct.xhtmlType) }
            ?? summaries.dropFirst().first
        let authors = people(in: element, elements: [
            ("author", nil), ("creator", FeedNamespace.dublinCore), ("author", FeedNamespace.dublinCore),
            ("author", FeedNamespace.itunes),
        ])
        let id = element.child("guid")?.trimmedText ?? element.attribute("about", namespace: FeedNamespace.rdf)
        return ParsedItem(
            id: id ?? FeedText.hashID(link: link, title: title, date: published),
            title: title, link: link, published: published, updated: updated,
            author: authors.first?.displayName,
            summary: summaryDetail.map(\.html),
            contentHTML: content.map(\.html),
            categories: categories(element),
            enclosures: enclosures,
            imageURL: context.mediaImage(in: element)
                ?? FeedContext.imageURL(in: enclosures)
                ?? element.child("image", namespace: FeedNamespace.itunes)?.attribute("href").map { context.resolve($0, at: element) },
            commentsURL: element.child("comments")?.trimmedText.map { context.resolve($0, at: element) },
            commentCount: element.child("comments", namespace: FeedNamespace.slash)?.trimmedText.flatMap(FeedContext.integer),
            titleDetail: titleDetail, summaryDetail: summaryDetail, content: content, authors: authors, links: links)
    }

    /// The item's link, enclosures and Atom links, in the order the item lists them.
    private static func itemLinks(_ element: XMLElement, context: FeedContext) -> [FeedLink] {
        element.elements.compactMap { child -> FeedLink? in
            if child.matches("link", namespace: nil, under: element) {
                return child.trimmedText.map { FeedLink(href: context.resolve($0, at: child)) }
            }
            if child.matches("enclosure", namespace: nil, under: element), let url = child.attribute("url") {
                return FeedLink(href: context.resolve(url, at: child), rel: FeedLink.enclosure, type: child.attribute("type"),
                                length: child.attribute("length").flatMap(FeedContext.integer))
            }
            return child.matches("link", namespace: FeedNamespace.atom, under: element) ? context.link(child) : nil
        }
    }

    /// RSS never says whether a title is text or HTML; escaped markup in it is HTML.
    private static func sniffingMarkup(_ text: TextConstruct) -> TextConstruct {
        guard text.type == TextConstruct.plainType, FeedText.looksLikeHTML(text.value) else { return text }
        var html = text
        html.type = TextConstruct.htmlType
        return html
    }

    /// A guid that is a permalink doubles as the item's link when <link> is missing.
    private static func permalinkGUID(_ element: XMLElement) -> String? {
        guard let guid = element.child("guid"), guid.attribute("isPermaLink") != "false",
              let value = guid.trimmedText, value.hasPrefix("http://") || value.hasPrefix("https://")
        else { return nil }
        return value
    }

    /// Everyone the named elements mention, in order, each read as "name (email)" or "email (name)".
    private static func people(in element: XMLElement, elements: [(String, String?)]) -> [FeedPerson] {
        elements.flatMap { name, namespace in element.children(name, namespace: namespace) }
            .compactMap { $0.trimmedText.map(FeedPerson.init(rssText:)) }
    }

    /// category and dc:subject elements, and the comma-separated <tags> some generators invent.
    private static func categories(_ element: XMLElement) -> [String] {
        let tags = element.children("tags").flatMap { ($0.trimmedText ?? "").split(separator: ",").map { FeedText.trim(String($0)) } }
        let named = (element.children("category") + element.children("subject", namespace: FeedNamespace.dublinCore))
            .compactMap(\.trimmedText)
        return (tags + named).filter { !$0.isEmpty }
    }
}

extension FeedPerson {
    /// RSS writes a person as one string: "me@example.com (Me)", "Me (me@example.com)",
    /// "Me <me@example.com>", or just a name or an address.
    init(rssText text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        let address = words.first { $0.utf8.contains(UInt8(ascii: "@")) }
        let email = address.map { Self.trimming(Self.addressPunctuation, from: $0) }
            .map { $0.lowercased().hasPrefix("mailto:") ? String($0.dropFirst(7)) : $0 }
        var name = address.map { address in words.filter { $0 != address }.joined(separator: " ") } ?? text
        name = FeedText.collapse(Self.trimming(Self.nameDelimiters, from: Substring(name)))
        self.init(name: name.isEmpty ? nil : name, email: email)
    }

    /// What wraps an address in "Me <me@example.com>" or "me@example.com (Me)".
    private static let addressPunctuation = Set("()<>[]\"',;".utf8)
    /// What is left around a name once the address is taken out.
    private static let nameDelimiters = Set("()<>[] \t\n".utf8)

    /// `text` without these ASCII characters at either end. Bytewise, since an ASCII byte in UTF-8
    /// is always that character.
    private static func trimming(_ characters: Set<UInt8>, from text: Substring) -> String {
        let bytes = text.utf8
        guard let first = bytes.firstIndex(where: { !characters.contains($0) }),
              let last = bytes.lastIndex(where: { !characters.contains($0) })
        else { return "" }
        return String(text[first..<bytes.index(after: last)])
    }
}
