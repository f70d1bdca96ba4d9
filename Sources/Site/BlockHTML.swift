import Foundation
import KawarabanCore
import Sanitizer

/// Turns article blocks into HTML. Every piece of text is escaped and URLs pass the sanitiser's
/// policy, so nothing the source or the model wrote can run on the page.
enum BlockHTML {
    static func render(_ blocks: [Block]) -> String {
        blocks.map(render).joined(separator: "\n")
    }

    static func render(_ block: Block) -> String {
        switch block {
        case .heading(let level, let inlines):
            // The page title is the h1; article headings start below it.
            let tag = "h\(min(max(level, 2), 6))"
            return "<\(tag)>\(render(inlines))</\(tag)>"
        case .paragraph(let inlines):
            return "<p>\(render(inlines))</p>"
        case .list(let ordered, let items):
            let tag = ordered ? "ol" : "ul"
            return "<\(tag)>" + items.map { "<li>\(render($0))</li>" }.joined() + "</\(tag)>"
        case .quote(let inlines):
            return "<blockquote><p>\(render(inlines))</p></blockquote>"
        case .code(let language, let text):
            let languageClass = language.map { " class=\"language-\(escape($0))\"" } ?? ""
            return "<pre><code\(languageClass)>\(escape(text))</code></pre>"
        case .figure(let src, let alt, let caption):
            guard let url = safeURL(src, for: .resource) else { return caption.isEmpty ? "" : "<p>\(render(caption))</p>" }
            let figcaption = caption.isEmpty ? "" : "<figcaption>\(render(caption))</figcaption>"
            return "<figure><img src=\"\(escape(url))\" alt=\"\(escape(alt))\" loading=\"lazy\" "
                + "referrerpolicy=\"no-referrer\">\(figcaption)</figure>"
        }
    }

    static func render(_ inlines: [Inline]) -> String {
        inlines.map(render).joined()
    }

    static func render(_ inline: Inline) -> String {
        switch inline {
        case .text(let text): return escape(text)
        case .emphasis(let children): return "<em>\(render(children))</em>"
        case .strong(let children): return "<strong>\(render(children))</strong>"
        case .code(let text): return "<code>\(escape(text))</code>"
        case .lineBreak: return "<br>"
        case .link(let href, let children):
            guard let url = safeURL(href) else { return render(children) }
            return "<a href=\"\(escape(url))\" rel=\"noopener noreferrer nofollow\">\(render(children))</a>"
        }
    }

    /// Article URLs are stored absolute, so there is no base to resolve against.
    static func safeURL(_ candidate: String, for use: URLPolicy.Use = .link) -> String? {
        URLPolicy.safeURL(candidate, base: nil, for: use)
    }

    static func escape(_ text: String) -> String {
        XMLEscaping.escapeHTML(text)
    }
}
