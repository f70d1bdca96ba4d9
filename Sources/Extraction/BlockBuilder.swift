import Foundation
import KawarabanCore

/// Turns the content element's subtree into blocks with inline marks.
struct BlockBuilder {
    static let headingLevels: [String: Int] = ["h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6]
    /// Elements that start a block of their own; anything else flows inline.
    static let blockElements: Set<String> = [
        "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote",
        "pre", "figure", "table", "tr", "td", "th", "thead", "tbody", "dl", "dt", "dd", "hr", "center", "details",
        "summary", "address", "body", "html",
    ]

    let baseURL: URL?
    private(set) var blocks: [Block] = []
    private var pending: [Inline] = []

    init(baseURL: URL?) { self.baseURL = baseURL }

    /// Adds what `node` holds.
    mutating func add(_ node: HTMLNode, depth: Int = 0) {
        guard depth < HTMLDocument.maximumDepth else { return }
        for child in node.children { add(element: child, depth: depth) }
    }

    /// Adds `child` itself: a block of its own, or inline content of the paragraph being built.
    mutating func add(element child: HTMLNode, depth: Int = 0) {
        if child.isText {
            pending.append(.text(child.content))
            return
        }
        guard child.isElement, !ContentHints.isBoilerplate(child) else { return }
        let name = child.name
        if let level = Self.headingLevels[name] {
            flush()
            append(.heading(level: level, inlines(of: child, depth: depth)))
        } else if name == "p" || name == "dt" || name == "dd" || name == "summary" {
            flush()
            append(.paragraph(inlines(of: child, depth: depth)))
        } else if name == "ul" || name == "ol" {
            flush()
            let items = child.elementChildren.filter { $0.name == "li" }.map { Self.tidy(inlines(of: $0, depth: depth)) }
                .filter { !$0.isEmpty }
            if !items.isEmpty { blocks.append(.list(ordered: name == "ol", items: items)) }
        } else if name == "blockquote" {
            flush()
            append(.quote(quoteInlines(child, depth: depth)))
        } else if name == "pre" {
            flush()
            let code = child.text(depth: HTMLDocument.maximumDepth - depth)
            let language = (child.elementChildren.first { $0.name == "code" }?.attribute("class") ?? child.attribute("class"))
                .flatMap(Self.language(fromClass:))
            if !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                blocks.append(.code(language: language, text: code.trimmingCharacters(in: .newlines)))
            }
        } else if name == "figure" {
            flush()
            addFigure(child, depth: depth)
        } else if name == "img" {
            flush()
            addImage(child, caption: [])
        } else if name == "tr" {
            flush()
            let cells = child.elementChildren.filter { $0.name == "td" || $0.name == "th" }
                .map { Self.tidy(inlines(of: $0, depth: depth)) }.filter { !$0.isEmpty }
            append(.paragraph(Array(cells.joined(separator: [.text(" | ")]))))
        } else if name == "br" {
            pending.append(.lineBreak)
        } else if Self.blockElements.contains(name) {
            flush()
            add(child, depth: depth + 1)
            flush()
        } else {
            pending += inline(child, depth: depth)
        }
    }

    /// Ends the paragraph that loose inline content has been building.
    mutating func flush() {
        let inlines = pending
        pending = []
        append(.paragraph(inlines))
    }

    private mutating func append(_ block: Block) {
        switch block {
        case .heading(let level, let inlines):
            let tidied = Self.tidy(inlines)
            if !tidied.isEmpty { blocks.append(.heading(level: level, tidied)) }
        case .paragraph(let inlines):
            let tidied = Self.tidy(inlines)
            if !tidied.isEmpty { blocks.append(.paragraph(tidied)) }
        case .quote(let inlines):
            let tidied = Self.tidy(inlines)
            if !tidied.isEmpty { blocks.append(.quote(tidied)) }
        default:
            blocks.append(block)
        }
    }

    private mutating func addFigure(_ figure: HTMLNode, depth: Int) {
        let caption = figure.descendants(depth: 8).first { $0.name == "figcaption" }.map { Self.tidy(inlines(of: $0, depth: depth)) } ?? []
        if let image = figure.descendants(depth: 8).first(where: { $0.name == "img" }) {
            addImage(image, caption: caption)
        } else if !caption.isEmpty {
            append(.paragraph(caption))
        }
    }

    private mutating func addImage(_ image: HTMLNode, caption: [Inline]) {
        let source = image.attribute("src") ?? image.attribute("data-src")
        guard let source, let url = absoluteHTTP(source) else {
            if !caption.isEmpty { append(.paragraph(caption)) }
            return
        }
        // Tracking pixels are not figures.
        if image.attribute("width") == "1" || image.attribute("height") == "1" { return }
        blocks.append(.figure(src: url, alt: Self.collapse(image.attribute("alt") ?? ""), caption: caption))
    }

    private func quoteInlines(_ quote: HTMLNode, depth: Int) -> [Inline] {
        var nested = BlockBuilder(baseURL: baseURL)
        nested.add(quote, depth: depth + 1)
        nested.flush()
        let parts = nested.blocks.map { block -> [Inline] in
            switch block {
            case .paragraph(let inlines), .heading(_, let inlines), .quote(let inlines): return inlines
            default: return [.text(block.plainText)]
            }
        }
        return Array(parts.joined(separator: [.lineBreak]))
    }

    func inlines(of node: HTMLNode, depth: Int) -> [Inline] {
        node.children.flatMap { inline($0, depth: depth + 1) }
    }

    func inline(_ node: HTMLNode, depth: Int) -> [Inline] {
        guard depth < HTMLDocument.maximumDepth else { return [] }
        if node.isText { return [.text(node.content)] }
        guard node.isElement, !ContentHints.isBoilerplate(node) else { return [] }
        let children = { inlines(of: node, depth: depth) }
        switch node.name {
        case "a":
            guard let href = node.attribute("href"), let url = absoluteHTTP(href) else { return children() }
            let content = children()
            return content.isEmpty ? [] : [.link(href: url, content)]
        case "em", "i", "cite", "dfn":
            return [.emphasis(children())]
        case "strong", "b":
            return [.strong(children())]
        case "code", "kbd", "samp", "tt", "var":
            return [.code(node.text(depth: HTMLDocument.maximumDepth - depth))]
        case "br":
            return [.lineBreak]
        case "img", "picture", "video", "audio", "source", "wbr":
            return []
        default:
            return children()
        }
    }

    /// `reference` resolved against the page, when it is http(s).
    func absoluteHTTP(_ reference: String) -> String? {
        let trimmed = reference.trimmingCharacters(in: .whitespacesAndNewlines)
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

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
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
                let collapsed = text.replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression)
                if case .text(let previous)? = result.last {
                    result[result.count - 1] = .text(previous + collapsed)
                } else if !collapsed.isEmpty {
                    result.append(.text(collapsed))
                }
            case .emphasis(let children): appendMark(children) { .emphasis($0) }
            case .strong(let children): appendMark(children) { .strong($0) }
            case .link(let href, let children): appendMark(children) { .link(href: href, $0) }
            case .code(let text): if !text.isEmpty { result.append(.code(text)) }
            case .lineBreak: result.append(.lineBreak)
            }
        }
        return result
    }

    private static func isBlank(_ inlines: [Inline]) -> Bool {
        inlines.allSatisfy { if case .text(let text) = $0 { return text.allSatisfy(\.isWhitespace) }; return false }
    }

    private static func trimEnds(_ inlines: [Inline]) -> [Inline] {
        var result = inlines
        while case .lineBreak? = result.first { result.removeFirst() }
        while case .lineBreak? = result.last { result.removeLast() }
        if case .text(let text)? = result.first {
            let trimmed = String(text.drop(while: { $0 == " " }))
            if trimmed.isEmpty { result.removeFirst() } else { result[0] = .text(trimmed) }
        }
        if case .text(let text)? = result.last {
            let trimmed = String(text.reversed().drop(while: { $0 == " " }).reversed())
            if trimmed.isEmpty { result.removeLast() } else { result[result.count - 1] = .text(trimmed) }
        }
        return result
    }
}
