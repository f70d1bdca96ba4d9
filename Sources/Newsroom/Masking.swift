import Foundation
import KawarabanCore

/// Hides everything a translator must not touch behind numbered placeholders, and rebuilds the
/// inline structure from the translated text, refusing any text whose placeholders came back
/// wrong. `⟦3⟧` stands for a span kept as it is (inline code, a URL, a line break);
/// `⟦4⟧…⟦/4⟧` wraps text whose mark (link, emphasis, strong) is restored around the translation.
public enum Masking {
    public static let open: Character = "⟦"
    public static let close: Character = "⟧"

    /// What a placeholder stands for.
    public enum Mark: Sendable, Hashable {
        case kept(Inline)
        case link(href: String)
        case emphasis
        case strong
    }

    public struct Masked: Sendable, Hashable {
        public var text: String
        public var marks: [Int: Mark]
        /// How many glossary names the text had, each now a kept placeholder.
        public var namesMasked = 0
    }

    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case unknownPlaceholder(String)
        case repeated(String)
        case missing([String])
        case misnested(String)
        case stray

        public var description: String {
            switch self {
            case .unknownPlaceholder(let token): return "the placeholder \(token) does not exist in the source"
            case .repeated(let token): return "the placeholder \(token) appears more than once"
            case .missing(let tokens): return "the placeholders \(tokens.joined(separator: " ")) are missing; keep every placeholder exactly once"
            case .misnested(let token): return "the placeholder \(token) closes a span that is not open"
            case .stray: return "a ⟦ or ⟧ appears outside a placeholder"
            }
        }
    }

    /// A source that itself writes ⟦ or ⟧ would be taken for placeholders and could never be
    /// published; its brackets become these lookalikes, which read the same.
    static let lookalikeOpen = "〚"
    static let lookalikeClose = "〛"

    static let urlPattern = try! NSRegularExpression(pattern: #"https?://[^\s<>"]+[^\s<>".,;:!?)\]」』。、]"#)

    /// The masked text with its placeholders removed: the words alone.
    static func withoutPlaceholders(_ text: String) -> String {
        text.replacingOccurrences(of: #"⟦/?\d+⟧"#, with: "", options: .regularExpression)
    }

    /// With `names`, every original of the glossary found in the text (outside code and URLs)
    /// is kept too, and comes back as the glossary's rendering whatever the model writes.
    public static func mask(_ inlines: [Inline], names: Glossary = .empty) -> Masked {
        var marks: [Int: Mark] = [:]
        var text = ""
        var namesMasked = 0
        func placeholder(_ mark: Mark) -> Int {
            let number = marks.count + 1
            marks[number] = mark
            return number
        }
        func wrap(_ mark: Mark, _ children: [Inline]) {
            let number = placeholder(mark)
            text += "⟦\(number)⟧"
            children.forEach(visit)
            text += "⟦/\(number)⟧"
        }
        func visit(_ inline: Inline) {
            switch inline {
            case .text(let value):
                appendMaskingURLs(value.replacing(String(open), with: lookalikeOpen).replacing(String(close), with: lookalikeClose))
            case .code, .lineBreak:
                text += "⟦\(placeholder(.kept(inline)))⟧"
            case .link(let href, let children):
                wrap(.link(href: href), children)
            case .emphasis(let children):
                wrap(.emphasis, children)
            case .strong(let children):
                wrap(.strong, children)
            }
        }
        func appendMaskingURLs(_ value: String) {
            let ns = value as NSString
            var cursor = 0
            for match in urlPattern.matches(in: value, range: NSRange(location: 0, length: ns.length)) {
                appendMaskingNames(ns.substring(with: NSRange(location: cursor, length: match.range.location - cursor)))
                text += "⟦\(placeholder(.kept(.text(ns.substring(with: match.range)))))⟧"
                cursor = match.range.location + match.range.length
            }
            appendMaskingNames(ns.substring(from: cursor))
        }
        func appendMaskingNames(_ value: String) {
            text += names.originals.replacing(in: value) {
                namesMasked += 1
                return "⟦\(placeholder(.kept(.text(names.entries[$0].rendering))))⟧"
            }
        }
        inlines.forEach(visit)
        return Masked(text: text, marks: marks, namesMasked: namesMasked)
    }

    /// The inlines for translated text, or why its placeholders are wrong.
    public static func unmask(_ text: String, marks: [Int: Mark]) throws(Failure) -> [Inline] {
        // Each open span collects its children until its closing placeholder.
        var stack: [(number: Int?, children: [Inline])] = [(nil, [])]
        var seen: Set<String> = []
        var pending = ""
        func flush() {
            if !pending.isEmpty { stack[stack.count - 1].children.append(.text(pending)) }
            pending = ""
        }
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == close { throw .stray }
            guard character == open else {
                pending.append(character)
                index = text.index(after: index)
                continue
            }
            guard let end = text[index...].firstIndex(of: close) else { throw .stray }
            let token = String(text[index...end])
            let inner = text[text.index(after: index)..<end]
            let closing = inner.hasPrefix("/")
            guard let number = Int(closing ? inner.dropFirst() : inner), let mark = marks[number] else {
                throw .unknownPlaceholder(token)
            }
            guard seen.insert(token).inserted else { throw .repeated(token) }
            flush()
            switch (mark, closing) {
            case (.kept(let inline), false):
                stack[stack.count - 1].children.append(inline)
            case (.kept, true):
                throw .unknownPlaceholder(token)
            case (_, false):
                stack.append((number, []))
            case (_, true):
                guard stack.count > 1, stack[stack.count - 1].number == number else { throw .misnested(token) }
                let span = stack.removeLast()
                stack[stack.count - 1].children.append(rebuild(mark, span.children))
            }
            index = text.index(after: end)
        }
        flush()
        let expected = marks.keys.sorted().flatMap { number -> [String] in
            if case .kept = marks[number] { return ["⟦\(number)⟧"] }
            return ["⟦\(number)⟧", "⟦/\(number)⟧"]
        }
        let missing = expected.filter { !seen.contains($0) }
        guard missing.isEmpty, stack.count == 1 else { throw .missing(missing) }
        return stack[0].children
    }

    private static func rebuild(_ mark: Mark, _ children: [Inline]) -> Inline {
        switch mark {
        case .kept(let inline): return inline
        case .link(let href): return .link(href: href, children)
        case .emphasis: return .emphasis(children)
        case .strong: return .strong(children)
        }
    }

    /// True when any text in the blocks still holds a placeholder mark: the last guard before
    /// publishing, so that a reader never sees one.
    public static func containsPlaceholderMarks(_ blocks: [Block]) -> Bool {
        blocks.contains { block in
            var texts = [block.plainText]
            if case .figure(_, let alt, _) = block { texts.append(alt) }
            return texts.contains { $0.contains(open) || $0.contains(close) }
        }
    }
}
