import Foundation
import KawarabanCore

public enum ExtractionError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyDocument
    case tooLittleText(characters: Int)

    public var description: String {
        switch self {
        case .emptyDocument:
            return "the page is empty or not HTML: check that the URL serves an HTML page"
        case .tooLittleText(let characters):
            return "only \(characters) characters of readable text were found, fewer than the \(ArticleExtractor.minimumArticleCharacters) an article needs: "
                + "the page may be behind a paywall, built by scripts or a video; check it in a browser"
        }
    }
}

/// The readable article of a page: its main text as blocks, and its metadata.
public enum ArticleExtractor {
    /// Less text than this is not an article (a paywall teaser, a video page, a script shell).
    /// Counted in characters, so that Japanese text, which has no spaces, counts fairly.
    public static let minimumArticleCharacters = 250

    /// The article of a page as saved: its bytes in the charset the page declares.
    public static func extract(html: Data, pageURL: URL?) throws(ExtractionError) -> Article {
        try extract(HTMLDocument(html, url: pageURL), pageURL: pageURL)
    }

    /// The article of a page already decoded to text, whatever its `<meta charset>` says.
    public static func extract(html: String, pageURL: URL?) throws(ExtractionError) -> Article {
        try extract(HTMLDocument(Data(html.utf8), url: pageURL, encoding: "UTF-8"), pageURL: pageURL)
    }

    private static func extract(_ document: HTMLDocument?, pageURL: URL?) throws(ExtractionError) -> Article {
        guard let document, let root = document.root else { throw .emptyDocument }
        let base = baseURL(root, pageURL: pageURL)
        let builder = BlockBuilder(baseURL: base)
        let metadata = PageMetadata(root: root, resolve: builder.absoluteHTTP)
        let body = root.elementChildren.first { $0.name == "body" } ?? root
        let (container, siblings) = ContentFinder.mainContent(of: body)
        var content = BlockBuilder(baseURL: base)
        content.add(container)
        for sibling in siblings {
            content.flush()
            content.add(element: sibling)
        }
        content.flush()
        let title = metadata.title ?? ""
        // The page's own headline repeats the title the reader already sees.
        let blocks = content.blocks.filter { block in
            guard case .heading(_, let inlines) = block else { return true }
            return BlockBuilder.collapse(inlines.plainText) != title
        }
        let characters = blocks.reduce(0) { $0 + $1.plainText.count }
        guard characters >= minimumArticleCharacters else { throw .tooLittleText(characters: characters) }
        return Article(
            title: title, author: metadata.author, publishedAt: metadata.publishedAt, siteName: metadata.siteName,
            language: metadata.language, leadImage: metadata.leadImage, canonicalURL: metadata.canonicalURL,
            description: metadata.description, blocks: blocks, path: .page)
    }

    /// The page's article, or the feed's own content when the page yields too little.
    public static func extract(html: String?, pageURL: URL?, feedContentHTML: String?, feedTitle: String) throws(ExtractionError) -> Article {
        var pageFailure = ExtractionError.emptyDocument
        if let html {
            do {
                return try extract(html: html, pageURL: pageURL)
            } catch {
                pageFailure = error
            }
        }
        let blocks = feedContentHTML.map { HTMLBlocks.blocks(fromFragment: $0, baseURL: pageURL) } ?? []
        let characters = blocks.reduce(0) { $0 + $1.plainText.count }
        guard !blocks.isEmpty else {
            if case .tooLittleText = pageFailure { throw pageFailure }
            throw .tooLittleText(characters: characters)
        }
        return Article(title: feedTitle, blocks: blocks, path: .feedContent)
    }

    /// `<base href>` when it is http(s), else the page's own URL.
    private static func baseURL(_ root: HTMLNode, pageURL: URL?) -> URL? {
        guard let head = root.elementChildren.first(where: { $0.name == "head" }),
              let href = head.elementChildren.first(where: { $0.name == "base" })?.attribute("href"),
              let url = URL(string: href, relativeTo: pageURL)?.absoluteURL,
              ["http", "https"].contains(url.scheme?.lowercased() ?? "")
        else { return pageURL }
        return url
    }
}

/// Blocks from an HTML fragment, such as a feed's content:encoded, by the same rules as pages.
public enum HTMLBlocks {
    public static func blocks(fromFragment html: String, baseURL: URL?) -> [Block] {
        let wrapped = "<!DOCTYPE html><html><body>\(html)</body></html>"
        guard let document = HTMLDocument(Data(wrapped.utf8), url: baseURL, encoding: "UTF-8"), let root = document.root
        else { return [] }
        var builder = BlockBuilder(baseURL: baseURL)
        builder.add(root.elementChildren.first { $0.name == "body" } ?? root)
        builder.flush()
        return builder.blocks
    }
}
