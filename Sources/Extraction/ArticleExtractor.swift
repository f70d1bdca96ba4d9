import Foundation
import KawarabanCore

public enum ExtractionError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyDocument
    case notText
    case tooLarge(bytes: Int, limit: Int)
    case tooLittleText(characters: Int)
    case notProse

    public var description: String {
        switch self {
        case .emptyDocument:
            return "the page is empty or has no HTML elements: check that the URL serves an HTML page"
        case .notText:
            return "the page is binary data, not text: check that the URL serves an HTML page"
        case .tooLarge(let bytes, let limit):
            return "the page is \(bytes) bytes, more than the \(limit) an article page may be"
        case .notProse:
            return "the page's text is mostly symbols rather than words, so it is not an article: check that the URL serves an article page"
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
    /// A strict reading that keeps less than this is tried again more leniently.
    static let minimumPassCharacters = 500
    /// Bytes looked at to tell text from binary data, and the share of control bytes beyond
    /// which it is binary: HTML has none but tab, newline, carriage return and form feed.
    static let binarySniffBytes = 65_536
    static let maximumControlByteShare = 0.01
    /// Prose is mostly letters, digits and spaces; text with fewer is markup debris or data.
    static let minimumWordCharacterShare = 0.6

    /// The article of a page as saved: its bytes, in the charset they are valid in or declare.
    /// `minimumCharacters` below `minimumArticleCharacters` lets measurements see short results.
    public static func extract(html: Data, pageURL: URL?, minimumCharacters: Int = minimumArticleCharacters) throws(ExtractionError) -> Article {
        guard html.count <= HTMLDocument.maximumInputBytes else { throw .tooLarge(bytes: html.count, limit: HTMLDocument.maximumInputBytes) }
        guard !isBinary(html) else { throw .notText }
        let text = TextDecoding.utf8Bytes(html, contentType: nil).bytes
        return try extract(HTMLDocument(text, encoding: TextDecoding.utf8), pageURL: pageURL, minimumCharacters: minimumCharacters)
    }

    /// The article of a page already decoded to text, whatever its `<meta charset>` says.
    public static func extract(html: String, pageURL: URL?, minimumCharacters: Int = minimumArticleCharacters) throws(ExtractionError) -> Article {
        let data = Data(html.utf8)
        guard data.count <= HTMLDocument.maximumInputBytes else { throw .tooLarge(bytes: data.count, limit: HTMLDocument.maximumInputBytes) }
        return try extract(HTMLDocument(data, encoding: TextDecoding.utf8), pageURL: pageURL, minimumCharacters: minimumCharacters)
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

    private static func extract(_ document: HTMLDocument?, pageURL: URL?, minimumCharacters: Int) throws(ExtractionError) -> Article {
        guard let document, document.body != nil || document.root != 0 else { throw .emptyDocument }
        let base = baseURL(document, pageURL: pageURL)
        let metadata = PageMetadata(document) { BlockBuilder.absoluteHTTP($0, baseURL: base) }
        let hints = ContentHints(document)
        var best: ContentSelection?
        for pass in ReadingPass.strictToLenient {
            var finder = ContentFinder(document: document, hints: hints, pass: pass)
            let selection = finder.select()
            if selection.characters > best?.characters ?? -1 { best = selection }
            if selection.characters >= minimumPassCharacters { break }
        }
        var content = BlockBuilder(document: document, excluded: best?.excluded ?? [], baseURL: base)
        for root in best?.roots ?? [] {
            content.add(root)
            content.flush()
        }
        let title = metadata.title ?? ""
        let blocks = withoutRepeatedTitle(content.blocks, title: title)
        let characters = blocks.reduce(0) { $0 + $1.plainText.count }
        guard characters >= minimumCharacters else { throw .tooLittleText(characters: characters) }
        guard isProse(blocks) else { throw .notProse }
        return Article(
            title: title, author: metadata.author, publishedAt: metadata.publishedAt, siteName: metadata.siteName,
            language: metadata.language, leadImage: metadata.leadImage, canonicalURL: metadata.canonicalURL,
            description: metadata.description, blocks: blocks, path: .page)
    }

    /// The page's own headline repeats the title the reader already sees.
    private static func withoutRepeatedTitle(_ blocks: [Block], title: String) -> [Block] {
        let normalisedTitle = BlockBuilder.collapse(title).lowercased()
        guard !normalisedTitle.isEmpty else { return blocks }
        return blocks.filter { block in
            guard case .heading(_, let inlines) = block else { return true }
            let heading = BlockBuilder.collapse(inlines.plainText).lowercased()
            return heading != normalisedTitle && !(heading.count >= PageMetadata.minimumTitleCharacters && normalisedTitle.hasPrefix(heading))
        }
    }

    /// Whether the text outside code blocks is mostly words. Counted on UTF-8 bytes: ASCII
    /// letters, digits and white space are word characters, and so is every non-ASCII character,
    /// since most scripts have no spaces and their punctuation is a small share of any text.
    static func isProse(_ blocks: [Block]) -> Bool {
        var words = 0
        var symbols = 0
        for block in blocks {
            if case .code = block { continue }
            var text = block.plainText
            text.withUTF8 { bytes in
                var index = 0
                while index < bytes.count {
                    let byte = bytes[index]
                    let folded = byte | 0x20
                    if folded >= 0x61 && folded <= 0x7A || byte >= 0x30 && byte <= 0x39 || byte >= 0xC0 || UTF8Text.isASCIIWhiteSpace(byte) {
                        words += 1
                    } else if byte < 0x80 {
                        symbols += 1
                    }
                    index += 1
                }
            }
        }
        return words + symbols == 0 || Double(words) / Double(words + symbols) >= minimumWordCharacterShare
    }

    static func isBinary(_ data: Data) -> Bool {
        let sampleSize = min(data.count, binarySniffBytes)
        guard sampleSize > 0 else { return false }
        let controls = data.withUnsafeBytes { bytes in
            var count = 0
            for byte in bytes[..<sampleSize] where byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D && byte != 0x0C || byte == 0x7F {
                count += 1
            }
            return count
        }
        return Double(controls) / Double(sampleSize) > maximumControlByteShare
    }

    /// `<base href>` when it is http(s), else the page's own URL.
    private static func baseURL(_ document: HTMLDocument, pageURL: URL?) -> URL? {
        guard let head = document.head,
              let base = document.elementChildren(head).first(where: { document.name($0) == "base" }),
              let href = document.attribute(.href, of: base),
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
        guard let document = HTMLDocument(Data(wrapped.utf8), encoding: TextDecoding.utf8), let body = document.body else { return [] }
        let hints = ContentHints(document)
        var builder = BlockBuilder(document: document, excluded: document.subtreesMarked { hints.dropped[$0] }, baseURL: baseURL)
        builder.add(contentsOf: body)
        builder.flush()
        return builder.blocks
    }
}

extension Article {
    /// The text a reader sees, one block per line: a figure shows its caption, while its alt
    /// text is for those who cannot see the image and is not part of the article's prose.
    public var readableText: String {
        blocks.compactMap { block -> String? in
            if case .figure(_, _, let caption) = block { return caption.isEmpty ? nil : caption.plainText }
            return block.plainText
        }.joined(separator: "\n")
    }
}
