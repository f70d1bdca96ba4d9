import Foundation

/// Finds the elements that hold the article: paragraphs vote for their parent and grandparent,
/// weighted by how much prose they hold and how little of it is links; the winner's siblings that
/// look like more of the same prose join it.
enum ContentFinder {
    /// A paragraph shorter than this is a caption, a label or a button, not prose.
    static let minimumParagraphCharacters = 25
    /// Shares of a paragraph's vote that go to its parent, grandparent and great-grandparent.
    static let ancestorShares = [1.0, 0.5, 0.2]
    /// A sibling scoring at least this share of the winner's score is more of the article.
    static let siblingScoreShare = 0.2
    /// A bare sibling paragraph this long, with few links, is more of the article.
    static let siblingParagraphCharacters = 80
    static let siblingParagraphMaximumLinkDensity = 0.25
    /// An `<article>` or articleBody holding at least this share of the winner's prose is taken
    /// whole: pages that mark their article up say so more reliably than any score.
    static let markedArticleShare = 0.6

    /// An ancestor scoring at least this share of the winner's score holds more of the article.
    static let enclosingScoreShare = 0.6

    static let paragraphLike: Set<String> = ["p", "pre", "td", "blockquote", "li"]

    struct Candidate {
        let node: HTMLNode
        var score: Double
        var proseCharacters: Int
    }

    /// The article's elements in document order; the first is entered, the rest are taken whole.
    static func mainContent(of body: HTMLNode) -> (container: HTMLNode, siblings: [HTMLNode]) {
        var candidates: [NodeKey: Candidate] = [:]
        for element in body.descendants() where paragraphLike.contains(element.name) || isTextDiv(element) {
            if hasBoilerplateAncestor(element, below: body) { continue }
            let text = collapse(element.text(skip: ContentHints.isBoilerplate))
            guard text.count >= minimumParagraphCharacters else { continue }
            let vote = (1 + Double(clauseMarks(in: text)) + min(Double(text.count) / 100, 3)) * (1 - linkDensity(element))
            var ancestor = element.parent
            for share in ancestorShares {
                guard let node = ancestor else { break }
                let key = NodeKey(node)
                var candidate = candidates[key] ?? Candidate(node: node, score: ContentHints.weight(node), proseCharacters: 0)
                candidate.score += vote * share
                candidate.proseCharacters += text.count
                candidates[key] = candidate
                ancestor = node.parent
            }
        }
        for (key, candidate) in candidates { candidates[key]?.score *= 1 - linkDensity(candidate.node) }
        guard var best = candidates.values.max(by: { $0.score < $1.score }) else { return (body, []) }
        best = enclosingArticle(of: best, candidates: candidates)
        if let marked = markedArticle(in: body, candidates: candidates), marked.proseCharacters >= Int(Double(best.proseCharacters) * markedArticleShare) {
            return (marked.node, [])
        }
        return (best.node, siblings(of: best, candidates: candidates))
    }

    /// The ancestor that holds both the winner and nearly as much prose around it: articles split by
    /// a "read more" wrapper or an ad slot score highest in one half.
    private static func enclosingArticle(of best: Candidate, candidates: [NodeKey: Candidate]) -> Candidate {
        var result = best
        var ancestor = best.node.parent
        for _ in ancestorShares {
            guard let node = ancestor else { break }
            if let candidate = candidates[NodeKey(node)], candidate.score >= best.score * enclosingScoreShare { result = candidate }
            ancestor = node.parent
        }
        return result
    }

    /// The `[itemprop=articleBody]` or `<article>` holding the most prose, if any.
    private static func markedArticle(in body: HTMLNode, candidates: [NodeKey: Candidate]) -> Candidate? {
        let marked = candidates.values.filter { $0.node.attribute("itemprop") == "articleBody" || $0.node.name == "article" }
        return marked.max { $0.proseCharacters < $1.proseCharacters }
    }

    /// The winner's siblings that carry prose of their own, in document order.
    private static func siblings(of best: Candidate, candidates: [NodeKey: Candidate]) -> [HTMLNode] {
        guard let parent = best.node.parent else { return [] }
        let threshold = max(10, best.score * siblingScoreShare)
        var siblingsBefore: [HTMLNode] = []
        var siblingsAfter: [HTMLNode] = []
        var passedBest = false
        for sibling in parent.elementChildren {
            if sibling.pointer == best.node.pointer { passedBest = true; continue }
            guard !ContentHints.isBoilerplate(sibling) else { continue }
            if (candidates[NodeKey(sibling)]?.score ?? 0) >= threshold || isProseParagraph(sibling) {
                if passedBest { siblingsAfter.append(sibling) } else { siblingsBefore.append(sibling) }
            }
        }
        // Prose before the winner belongs to the article only when it runs straight into it.
        let leading = siblingsBefore.reversed().prefix { isAdjacentProse($0, before: best.node) }
        return Array(leading.reversed()) + siblingsAfter
    }

    private static func isAdjacentProse(_ node: HTMLNode, before next: HTMLNode) -> Bool {
        var cursor = node.nextElementSibling
        while let current = cursor, current.pointer != next.pointer {
            if !collapse(current.text()).isEmpty && !isProseParagraph(current) { return false }
            cursor = current.nextElementSibling
        }
        return true
    }

    private static func isProseParagraph(_ node: HTMLNode) -> Bool {
        guard node.name == "p" else { return false }
        let text = collapse(node.text())
        return text.count >= siblingParagraphCharacters && linkDensity(node) <= siblingParagraphMaximumLinkDensity
    }

    /// Commas and the Japanese and Chinese clause marks: prose has many, menus and labels few.
    static func clauseMarks(in text: String) -> Int {
        text.reduce(0) { $0 + ($1 == "," || $1 == "、" || $1 == "。" || $1 == "，" ? 1 : 0) }
    }

    /// A div used as a paragraph: it holds text and only inline elements.
    private static func isTextDiv(_ node: HTMLNode) -> Bool {
        node.name == "div" && !node.elementChildren.contains { BlockBuilder.blockElements.contains($0.name) }
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
