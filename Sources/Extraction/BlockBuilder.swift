import Foundation
import KawarabanCore

/// Turns the article's elements into blocks with inline marks. Recursion follows the tree,
/// whose depth `HTMLDocument.maximumDepth` bounds.
struct BlockBuilder {
    static let headingLevels: [String: Int] = ["h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6]
    /// Elements that start a block of their own; anything else flows inline.
    static let blockElements: Set<String> = [
        "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
        "blockquote", "pre", "figure", "figcaption", "table", "caption", "tr", "td", "th", "thead", "tbody", "tfoot", "dl",
        "dt", "dd", "hr", "center", "details", "summary", "address", "body", "html", "hgroup",
    ]
    /// Emphasis, strong and link marks nested deeper than this keep their text but lose the
    /// mark. Prose nests two or three; every mark is three levels of the article's JSON, and
    /// JSONDecoder refuses a document nested more than 512 deep, so an article built from a
    /// page of marks 200 deep could be stored but never read back.
    static let maximumInlineNesting = 16
    /// Attributes that hold an image's address, the lazy-loading ones after `src`.
    static let imageSourceAttributes: [HTMLAttribute] = [.src, .dataSrc, .dataOriginal, .dataLazySrc]
    /// An article stops at the block that takes its text past this many UTF-8 bytes, about a
    /// hundred times a long feature. A page of 15 MiB of prose would otherwise become an article,
    /// a stored row and a JSON document of tens of megabytes, paid for again at every reading.
    static let maximumArticleBytes = 2 * 1_048_576
    /// The last block of an article cut at `maximumArticleBytes`, so that no reader takes it for the whole.
    static let cutMarker = Block.paragraph([.text("[The article is cut here: its text runs past \(maximumArticleBytes) bytes, the most kept.]")])

    let document: HTMLDocument
    let excluded: [Bool]
    let baseURL: URL?
    /// `blockElements` as a flag per tag of this document.
    private let isBlockTag: [Bool]
    private(set) var blocks: [Block] = []
    /// UTF-8 bytes of text in `blocks`, counted toward `maximumArticleBytes`.
    private var textBytes = 0
    /// Set once a block was refused for the limit: nothing more is read or kept.
    private(set) var isCut = false
    private var pending: [Inline] = []

    init(document: HTMLDocument, excluded: [Bool], baseURL: URL?) {
        self.document = document
        self.excluded = excluded
        self.baseURL = baseURL
        isBlockTag = document.tags(in: Self.blockElements)
    }

    /// Adds what `node` holds.
    mutating func add(contentsOf node: Int) {
        for child in document.children(node) { add(child) }
    }

    /// Adds `node` itself: a block of its own, or inline content of the paragraph being built.
    mutating func add(_ node: Int) {
        guard !excluded[node], !isCut else { return }
        if document.isText(node) {
            pending.append(.text(document.text(node)))
            return
        }
        let name = document.name(node)
        if let level = Self.headingLevels[name] {
            flush()
            append(.heading(level: level, inlines(of: node)))
        } else if name == "p" || name == "dt" || name == "dd" || name == "summary" || name == "figcaption" || name == "caption" {
            flush()
            addParagraphs(of: node)
        } else if name == "ul" || name == "ol" {
            flush()
            let items = document.children(node).filter { !excluded[$0] && document.name($0) == "li" }
                .map { Self.tidy(inlines(of: $0)) }.filter { !$0.isEmpty }
            if !items.isEmpty { keep(.list(ordered: name == "ol", items: items)) }
        } else if name == "blockquote" {
            flush()
            append(.quote(quoteInlines(node)))
        } else if name == "pre" {
            flush()
            addCode(node)
        } else if name == "figure" {
            flush()
            addFigure(node)
        } else if name == "img" || name == "picture" {
            flush()
            if let image = name == "img" ? node : document.first("img", in: node) { addImage(image, caption: []) }
        } else if name == "tr" && isDataRow(node) {
            flush()
            let cells = document.children(node).filter { !excluded[$0] && (document.name($0) == "td" || document.name($0) == "th") }
                .map { Self.tidy(inlines(of: $0)) }.filter { !$0.isEmpty }
            append(.paragraph(Array(cells.joined(separator: [.text(" | ")]))))
        } else if name == "br" {
            pending.append(.lineBreak)
        } else if name == "hr" {
            flush()
        } else if isBlockTag[Int(document.nodes[node].tag)] {
            flush()
            add(contentsOf: node)
            flush()
        } else {
            pending += inline(node)
        }
    }

    /// Ends the paragraph that loose inline content has been building.
    mutating func flush() {
        let inlines = pending
        pending = []
        append(.paragraph(inlines))
    }

    /// A paragraph, or several when a `<p>` wrongly holds blocks (libxml2 keeps some inside).
    private mutating func addParagraphs(of node: Int) {
        let holdsBlocks = document.children(node).contains { isBlockTag[Int(document.nodes[$0].tag)] }
        if holdsBlocks {
            add(contentsOf: node)
            flush()
        } else {
            append(.paragraph(inlines(of: node)))
        }
    }

    private mutating func append(_ block: Block) {
        switch block {
        case .heading(let level, let inlines): appendTidied(inlines) { .heading(level: level, $0) }
        case .paragraph(let inlines): appendTidied(inlines) { .paragraph($0) }
        case .quote(let inlines): appendTidied(inlines) { .quote($0) }
        default: keep(block)
        }
    }

    /// Every block goes through here, to count it toward `maximumArticleBytes`.
    private mutating func keep(_ block: Block) {
        guard !isCut else { return }
        if textBytes >= Self.maximumArticleBytes {
            isCut = true
            blocks.append(Self.cutMarker)
            return
        }
        blocks.append(block)
        textBytes += block.plainText.utf8.count
    }

    /// A block of text is kept only when something is left of it once tidied.
    private mutating func appendTidied(_ inlines: [Inline], _ make: ([Inline]) -> Block) {
        let tidied = Self.tidy(inlines)
        if !tidied.isEmpty { keep(make(tidied)) }
    }

    private mutating func addCode(_ node: Int) {
        let code = visibleText(node)
        guard !UTF8Text.trimmed(code).isEmpty else { return }
        let codeElement = document.elementChildren(node).first { document.name($0) == "code" }
        let language = (codeElement.flatMap { document.attribute(.class, of: $0) } ?? document.attribute(.class, of: node))
            .flatMap(Self.language(fromClass:))
        keep(.code(language: language, text: UTF8Text.trimmed(code, UTF8Text.isNewline)))
    }

    private mutating func addFigure(_ figure: Int) {
        let caption = document.first("figcaption", in: figure).flatMap { excluded[$0] ? nil : Self.tidy(inlines(of: $0)) } ?? []
        if let image = document.first("img", in: figure), !excluded[image] {
            addImage(image, caption: caption)
        } else if document.first("table", in: figure) != nil || document.first("pre", in: figure) != nil {
            for child in document.children(figure) where document.name(child) != "figcaption" { add(child) }
            flush()
            append(.paragraph(caption))
        } else {
            append(.paragraph(caption))
        }
    }

    private mutating func addImage(_ image: Int, caption: [Inline]) {
        guard let url = imageURL(image) else {
            append(.paragraph(caption))
            return
        }
        // Tracking pixels are not figures.
        if document.attribute(.width, of: image) == "1" || document.attribute(.height, of: image) == "1" { return }
        keep(.figure(src: url, alt: Self.collapse(document.attribute(.alt, of: image) ?? ""), caption: caption))
    }

    private func imageURL(_ image: Int) -> String? {
        for attribute in Self.imageSourceAttributes {
            if let value = document.attribute(attribute, of: image), !value.hasPrefix("data:"), let url = absoluteHTTP(value) {
                return url
            }
        }
        let srcset = document.attribute(.srcset, of: image) ?? document.attribute(.dataSrcset, of: image)
        return srcset?.split(separator: ",").first.flatMap { $0.split(separator: " ").first }.flatMap { absoluteHTTP(String($0)) }
    }

    /// A table row of data: no cell holds blocks of its own, as a layout table's cells do.
    private func isDataRow(_ row: Int) -> Bool {
        !((row + 1)..<document.subtreeEnd(row)).contains { index in
            let name = document.name(index)
            return name == "p" || name == "div" || name == "table" || name == "ul" || name == "ol" || name == "blockquote"
        }
    }

    private func quoteInlines(_ quote: Int) -> [Inline] {
        var nested = BlockBuilder(document: document, excluded: excluded, baseURL: baseURL)
        nested.add(contentsOf: quote)
        nested.flush()
        let parts = nested.blocks.map { block -> [Inline] in
            switch block {
            case .paragraph(let inlines), .heading(_, let inlines), .quote(let inlines): return inlines
            default: return [.text(block.plainText)]
            }
        }
        return Array(parts.joined(separator: [.lineBreak]))
    }

    /// The text below `node` that is not excluded, as written.
    private func visibleText(_ node: Int) -> String {
        var result = ""
        var index = node
        let end = document.subtreeEnd(node)
        while index < end {
            if excluded[index] {
                index = document.subtreeEnd(index)
                continue
            }
            if document.isText(index) { result += document.text(index) }
            index += 1
        }
        return result
    }

    /// `marks` counts the emphasis, strong and link marks around `node`.
    func inlines(of node: Int, marks: Int = 0) -> [Inline] {
        document.children(node).flatMap { inline($0, marks: marks) }
    }

    func inline(_ node: Int, marks: Int = 0) -> [Inline] {
        guard !excluded[node] else { return [] }
        if document.isText(node) { return [.text(document.text(node))] }
        // Past the nesting limit a mark keeps its text and loses only the mark.
        let canMark = marks < Self.maximumInlineNesting
        switch document.name(node) {
        case "a":
            let content = inlines(of: node, marks: marks + 1)
            guard canMark, let href = document.attribute(.href, of: node), let url = absoluteHTTP(href) else { return content }
            return content.isEmpty ? [] : [.link(href: url, content)]
        case "em", "i", "cite", "dfn":
            let content = inlines(of: node, marks: marks + 1)
            return canMark ? [.emphasis(content)] : content
        case "strong", "b":
            let content = inlines(of: node, marks: marks + 1)
            return canMark ? [.strong(content)] : content
        case "code", "kbd", "samp", "tt", "var":
            return [.code(visibleText(node))]
        case "br":
            return [.lineBreak]
        case "img", "picture", "video", "audio", "source", "wbr":
            return []
        case _ where isBlockTag[Int(document.nodes[node].tag)]:
            // A block inside a paragraph or list item (a nested list): keep it on lines of its own.
            return [.lineBreak] + inlines(of: node, marks: marks) + [.lineBreak]
        default:
            return inlines(of: node, marks: marks)
        }
    }

    /// `reference` resolved against the page, when it is http(s).
    func absoluteHTTP(_ reference: String) -> String? {
        Self.absoluteHTTP(reference, baseURL: baseURL)
    }

    static func absoluteHTTP(_ reference: String, baseURL: URL?) -> String? {
        let trimmed = UTF8Text.trimmed(reference)
        guard !trimmed.isEmpty, let url = URL(string: trimmed, relativeTo: baseURL)?.absoluteURL,
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return nil }
        return url.absoluteString
    }

    static func language(fromClass classes: String) -> String? {
        classes.split(separator: " ").lazy.compactMap { word -> String? in
            for prefix in ["language-", "lang-"] where word.hasPrefix(prefix) { return String(word.dropFirst(prefix.count)) }
            return nil
        }.first
    }

    /// White space runs as one space and none at the ends, on UTF-8 bytes rather than characters.
    static func collapse(_ text: String) -> String {
        UTF8Text.trimmed(collapseWhiteSpace(text))
    }

    /// Adjacent text merged, white space collapsed, ends trimmed, empty marks dropped.
    static func tidy(_ inlines: [Inline]) -> [Inline] {
        trimEnds(merged(inlines))
    }

    /// Merges and collapses without trimming: the spaces at a mark's edges separate words.
    private static func merged(_ inlines: [Inline]) -> [Inline] {
        var result: [Inline] = []
        func appendMark(_ children: [Inline], _ make: ([Inline]) -> Inline) {
            let inner = merged(children)
            if !isBlank(inner) { result.append(make(inner)) }
        }
        for inline in inlines {
            switch inline {
            case .text(let text):
                let collapsed = collapseWhiteSpace(text)
                if case .lineBreak? = result.last {
                    let trimmed = String(collapsed.utf8.drop(while: { $0 == UInt8(ascii: " ") })) ?? collapsed
                    if !trimmed.isEmpty { result.append(.text(trimmed)) }
                } else if case .text(let previous)? = result.last {
                    let joined = previous.hasSuffix(" ") && collapsed.hasPrefix(" ") ? previous + collapsed.dropFirst() : previous + collapsed
                    result[result.count - 1] = .text(joined)
                } else if !collapsed.isEmpty {
                    result.append(.text(collapsed))
                }
            case .emphasis(let children): appendMark(children) { .emphasis($0) }
            case .strong(let children): appendMark(children) { .strong($0) }
            case .link(let href, let children): appendMark(children) { .link(href: href, $0) }
            case .code(let text): if !text.isEmpty { result.append(.code(text)) }
            case .lineBreak:
                if case .text(let previous)? = result.last {
                    let trimmed = withoutTrailingSpaces(previous)
                    if trimmed.isEmpty { result.removeLast() } else { result[result.count - 1] = .text(trimmed) }
                }
                if case .lineBreak? = result.last { continue }
                result.append(.lineBreak)
            }
        }
        return result
    }

    /// Runs of white space as one space, on UTF-8 bytes written straight into the new string:
    /// this runs on every text node, and the result is never longer than the text.
    static func collapseWhiteSpace(_ text: String) -> String {
        var native = text
        return native.withUTF8 { bytes in
            String(unsafeUninitializedCapacity: bytes.count) { output in
                var written = 0
                var inSpace = false
                var index = 0
                while index < bytes.count {
                    let length = min(UTF8Text.sequenceLength(bytes[index]), bytes.count - index)
                    if UTF8Text.isWhiteSpace(bytes, at: index) {
                        if !inSpace {
                            output[written] = 0x20
                            written += 1
                        }
                        inSpace = true
                    } else {
                        var offset = 0
                        while offset < length {
                            output[written + offset] = bytes[index + offset]
                            offset += 1
                        }
                        written += length
                        inSpace = false
                    }
                    index += length
                }
                return written
            }
        }
    }

    /// Walks UTF-8 bytes rather than characters: this runs for every paragraph.
    private static func withoutTrailingSpaces(_ text: String) -> String {
        let bytes = text.utf8
        guard let last = bytes.lastIndex(where: { $0 != UInt8(ascii: " ") }) else { return "" }
        return String(bytes[...last]) ?? text
    }

    private static func isBlank(_ inlines: [Inline]) -> Bool {
        inlines.allSatisfy { if case .text(let text) = $0 { return text.allSatisfy(\.isWhitespace) }; return false }
    }

    private static func trimEnds(_ inlines: [Inline]) -> [Inline] {
        var result = inlines
        while case .lineBreak? = result.first { result.removeFirst() }
        while case .lineBreak? = result.last { result.removeLast() }
        if case .text(let text)? = result.first {
            let trimmed = String(text.utf8.drop(while: { $0 == UInt8(ascii: " ") })) ?? text
            if trimmed.isEmpty { result.removeFirst() } else { result[0] = .text(trimmed) }
        }
        if case .text(let text)? = result.last {
            let trimmed = withoutTrailingSpaces(text)
            if trimmed.isEmpty { result.removeLast() } else { result[result.count - 1] = .text(trimmed) }
        }
        return result
    }
}
