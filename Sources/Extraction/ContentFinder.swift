import Foundation

/// Finds the element that holds the article: paragraphs vote for their parent and grandparent,
/// weighted by how much prose they hold and how little of it is links.
enum ContentFinder {
    /// A paragraph shorter than this is a caption, a label or a button, not prose.
    static let minimumParagraphCharacters = 25
    static let paragraphLike: Set<String> = ["p", "pre", "td", "blockquote", "li"]

    static func mainContent(of body: HTMLNode) -> HTMLNode {
        var scores: [NodeKey: (node: HTMLNode, score: Double)] = [:]
        for element in body.descendants() where paragraphLike.contains(element.name) || isTextDiv(element) {
            if hasBoilerplateAncestor(element, below: body) { continue }
            let text = collapse(element.text(skip: ContentHints.isBoilerplate))
            guard text.count >= minimumParagraphCharacters else { continue }
            let commas = text.reduce(0) { $0 + ($1 == "," || $1 == "、" || $1 == "。" || $1 == "，" ? 1 : 0) }
            let vote = 1 + Double(commas) + min(Double(text.count) / 100, 3)
            var ancestor = element.parent
            for share in [1.0, 0.5, 0.2] {
                guard let node = ancestor else { break }
                let key = NodeKey(node)
                let base = scores[key]?.score ?? ContentHints.weight(node)
                scores[key] = (node, base + vote * share)
                ancestor = node.parent
            }
        }
        let ranked = scores.values.map { entry in
            (node: entry.node, score: entry.score * (1 - linkDensity(entry.node)))
        }
        return ranked.max { $0.score < $1.score }?.node ?? body
    }

    /// A div that holds text directly rather than through paragraphs.
    private static func isTextDiv(_ node: HTMLNode) -> Bool {
        node.name == "div" && node.children.contains { $0.isText && $0.content.trimmingCharacters(in: .whitespacesAndNewlines).count >= minimumParagraphCharacters }
    }

    private static func hasBoilerplateAncestor(_ node: HTMLNode, below top: HTMLNode) -> Bool {
        var cursor: HTMLNode? = node
        var depth = 0
        while let current = cursor, current.pointer != top.pointer, depth < HTMLDocument.maximumDepth {
            if ContentHints.isBoilerplate(current) { return true }
            cursor = current.parent
            depth += 1
        }
        return false
    }

    /// Share of the text that sits inside links.
    static func linkDensity(_ node: HTMLNode) -> Double {
        let total = collapse(node.text(skip: ContentHints.isBoilerplate)).count
        guard total > 0 else { return 0 }
        let linked = node.descendants().filter { $0.name == "a" }.reduce(0) { $0 + collapse($1.text()).count }
        return min(1, Double(linked) / Double(total))
    }

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

/// A node's identity, for keying scores.
struct NodeKey: Hashable {
    let address: UnsafeMutableRawPointer

    init(_ node: HTMLNode) { address = UnsafeMutableRawPointer(node.pointer) }
}
