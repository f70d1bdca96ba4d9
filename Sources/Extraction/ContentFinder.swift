import Foundation

/// How strictly one reading of a page drops what looks like furniture. A page read strictly
/// that yields too little is read again more leniently.
struct ReadingPass: Sendable {
    var dropsUnlikely: Bool
    var weighsClasses: Bool
    var cleansConditionally: Bool

    static let strictToLenient = [
        ReadingPass(dropsUnlikely: true, weighsClasses: true, cleansConditionally: true),
        ReadingPass(dropsUnlikely: false, weighsClasses: true, cleansConditionally: true),
        ReadingPass(dropsUnlikely: false, weighsClasses: false, cleansConditionally: true),
        ReadingPass(dropsUnlikely: false, weighsClasses: false, cleansConditionally: false),
    ]
}

/// What one pass found: the article's top-level elements in document order, and the nodes
/// inside them that are not part of it.
struct ContentSelection {
    var roots: [Int]
    var excluded: [Bool]
    var characters: Int
}

/// Finds the elements that hold the article. Paragraphs vote for their ancestors, weighted by how
/// much prose they hold; the winner's siblings that look like more of it join it; inside the
/// result, lists, tables and boxes that look like furniture rather than prose are cut.
struct ContentFinder {
    /// A paragraph shorter than this is a caption, a label or a button, not prose.
    static let minimumParagraphCharacters = 25
    /// A paragraph's vote, divided by these, goes to its parent, grandparent and further up.
    static let ancestorDivisors: [Float] = [1, 2, 6, 9, 12]
    /// Characters of prose per extra vote, and the most extra votes length earns.
    static let charactersPerVote = 100
    static let maximumLengthVotes = 3
    /// How many of the best candidates are looked at for a shared ancestor.
    static let topCandidateCount = 5
    /// Candidates scoring at least this share of the best, when three or more share an
    /// ancestor, mean the article is that ancestor (a story split into several boxes).
    static let alternativeCandidateShare: Float = 0.75
    static let alternativeCandidatesNeeded = 3
    /// A sibling scoring at least this share of the winner's score (and at least the floor) is
    /// more of the article; one with the winner's class gets this share as a bonus.
    static let siblingScoreShare: Float = 0.2
    static let siblingScoreFloor: Float = 10
    /// A sibling paragraph this long with few links is more of the article; a shorter one is
    /// when it has no links and reads like a sentence.
    static let siblingParagraphCharacters = 80
    static let siblingParagraphMaximumLinkDensity: Float = 0.25
    /// Links to the page's own anchors count this much toward link density.
    static let inPageLinkWeight: Float = 0.3
    /// Furniture inside an article (share bars, bylines, tag lists) is at most this long.
    static let maximumFurnitureCharacters: Int32 = 200
    /// A box with at least this many commas is prose, whatever else it holds.
    static let proseCommaCount: Int32 = 10

    static let textContainers: Set<String> = ["div", "article", "main", "center", "font", "span"]
    /// Elements whose presence makes a container more than a paragraph.
    static let blockChildren: Set<String> = [
        "blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul", "section", "article", "figure", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "main", "hr", "aside", "nav", "form",
    ]
    static let inlineElements: Set<String> = [
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q", "s", "samp",
        "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr", "font", "del", "ins", "strike", "tt", "big",
    ]
    static let conditionallyCleaned: Set<String> = ["table", "ul", "ol", "div", "section", "header", "dl"]
    static let headings: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]

    let document: HTMLDocument
    let hints: ContentHints
    let pass: ReadingPass
    /// The sets above as flags per tag of this document, so that each node is a lookup by number.
    private let isTextContainerTag: [Bool]
    private let isBlockChildTag: [Bool]
    private let isInlineTag: [Bool]
    private let isHeadingTag: [Bool]

    /// Per-node measures of the text that this pass reads, summed over each subtree.
    private var skipped: [Bool]
    private var characters: [Int32]
    private var linkCharacters: [Float]
    private var commas: [Int32]
    private var paragraphs: [Int32]
    private var images: [Int32]
    private var listItems: [Int32]
    private var headingCharacters: [Int32]
    private var score: [Float]
    private var isCandidate: [Bool]
    /// Nodes that are or sit inside `pre` or `code`, and inside `figure`; the boxes cleaning
    /// judges are never those elements themselves.
    private var insideCode: [Bool] = []
    private var insideFigure: [Bool] = []

    init(document: HTMLDocument, hints: ContentHints, pass: ReadingPass) {
        self.document = document
        self.hints = hints
        self.pass = pass
        isTextContainerTag = document.tags(in: Self.textContainers)
        isBlockChildTag = document.tags(in: Self.blockChildren)
        isInlineTag = document.tags(in: Self.inlineElements)
        isHeadingTag = document.tags(in: Self.headings)
        let count = document.count
        skipped = Array(repeating: false, count: count)
        characters = Array(repeating: 0, count: count)
        linkCharacters = Array(repeating: 0, count: count)
        commas = Array(repeating: 0, count: count)
        paragraphs = Array(repeating: 0, count: count)
        images = Array(repeating: 0, count: count)
        listItems = Array(repeating: 0, count: count)
        headingCharacters = Array(repeating: 0, count: count)
        score = Array(repeating: 0, count: count)
        isCandidate = Array(repeating: false, count: count)
        measure()
    }

    // MARK: - Measuring

    /// Children come after their parents in the node array, so measures flow up in one backward sweep.
    private mutating func measure() {
        let count = document.count
        skipped = document.subtreesMarked { [hints, pass] in hints.dropped[$0] || pass.dropsUnlikely && hints.unlikely[$0] }
        for index in stride(from: count - 1, to: 0, by: -1) where !skipped[index] {
            // Fields are read one by one: copying the whole node would retain all its strings.
            let tag = document.nodes[index].tag
            if tag == HTMLDocument.textTag {
                let (length, marks) = Self.measureText(document.nodes[index].text)
                characters[index] = length
                commas[index] = marks
            } else {
                switch document.names[Int(tag)] {
                case "a":
                    let href = document.attribute(.href, of: index) ?? ""
                    linkCharacters[index] = Float(characters[index]) * (href.hasPrefix("#") ? Self.inPageLinkWeight : 1)
                case "p": paragraphs[index] += 1
                case "img": images[index] += 1
                case "li": listItems[index] += 1
                case "h1", "h2", "h3", "h4", "h5", "h6": headingCharacters[index] = characters[index]
                default: break
                }
            }
            let parent = Int(document.nodes[index].parent)
            characters[parent] += characters[index]
            linkCharacters[parent] += linkCharacters[index]
            commas[parent] += commas[index]
            paragraphs[parent] += paragraphs[index]
            images[parent] += images[index]
            listItems[parent] += listItems[index]
            headingCharacters[parent] += headingCharacters[index]
        }
    }

    /// Characters with white space runs counted as one, and clause marks (, 、 。 ， ،), read
    /// from the UTF-8 bytes: this runs over every text node of every page.
    static func measureText(_ text: String) -> (Int32, Int32) {
        var length: Int32 = 0
        var marks: Int32 = 0
        var inSpace = true
        var native = text
        native.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                if UTF8Text.isWhiteSpace(bytes, at: index) {
                    if !inSpace { length += 1 }
                    inSpace = true
                } else {
                    length += 1
                    inSpace = false
                    if UTF8Text.isClauseMark(bytes, at: index) { marks += 1 }
                }
                index += UTF8Text.sequenceLength(bytes[index])
            }
        }
        return (length, marks)
    }

    func linkDensity(_ index: Int) -> Float {
        characters[index] == 0 ? 0 : min(1, linkCharacters[index] / Float(characters[index]))
    }

    // MARK: - Scoring

    /// The article's elements in document order and what to leave out inside them.
    mutating func select() -> ContentSelection {
        let body = document.body ?? document.root
        guard !skipped[body] else {
            return ContentSelection(roots: [], excluded: skipped, characters: 0)
        }
        scoreParagraphs(below: body)
        for index in 1..<document.count where isCandidate[index] { score[index] *= 1 - linkDensity(index) }
        let roots: [Int]
        if let best = bestCandidate(below: body) {
            let top = climb(from: best, body: body)
            roots = siblings(of: top, body: body)
        } else {
            roots = [body]
        }
        var excluded = skipped
        // Whether a box sits in code or in a figure, for every node in one sweep: walking up
        // from each box would cost the tree's depth per box.
        let isCodeTag = document.tags(in: ["pre", "code"])
        let isFigureTag = document.tags(in: ["figure"])
        insideCode = document.subtreesMarked { isCodeTag[Int(document.nodes[$0].tag)] }
        insideFigure = document.subtreesMarked { isFigureTag[Int(document.nodes[$0].tag)] }
        for root in roots { clean(root, excluded: &excluded) }
        let total = roots.reduce(0) { $0 + Int(characters[$1]) }
        return ContentSelection(roots: roots, excluded: excluded, characters: total)
    }

    private mutating func scoreParagraphs(below body: Int) {
        for index in body..<document.subtreeEnd(body) where !skipped[index] && !document.isText(index) {
            let tag = Int(document.nodes[index].tag)
            let name = document.names[tag]
            if name == "p" || name == "pre" || name == "td" || name == "section" || isHeadingTag[tag] && name != "h1" {
                vote(characters: characters[index], commas: commas[index], from: index)
            } else if isTextContainerTag[tag] {
                if hasBlockChild(index) {
                    voteForLooseText(in: index)
                } else {
                    vote(characters: characters[index], commas: commas[index], from: index)
                }
            }
        }
    }

    private func hasBlockChild(_ index: Int) -> Bool {
        document.children(index).contains { isBlockChildTag[Int(document.nodes[$0].tag)] }
    }

    /// Runs of text and inline elements between a container's blocks are paragraphs of it.
    private mutating func voteForLooseText(in container: Int) {
        var runCharacters: Int32 = 0
        var runCommas: Int32 = 0
        for child in document.children(container) where !skipped[child] {
            let tag = document.nodes[child].tag
            if tag == HTMLDocument.textTag || isInlineTag[Int(tag)] {
                runCharacters += characters[child]
                runCommas += commas[child]
            } else {
                voteForRun(characters: runCharacters, commas: runCommas, container: container)
                runCharacters = 0
                runCommas = 0
            }
        }
        voteForRun(characters: runCharacters, commas: runCommas, container: container)
    }

    private mutating func voteForRun(characters: Int32, commas: Int32, container: Int) {
        guard characters >= Self.minimumParagraphCharacters else { return }
        addVote(Self.vote(characters: characters, commas: commas), startingAt: container)
    }

    private mutating func vote(characters: Int32, commas: Int32, from paragraph: Int) {
        guard characters >= Self.minimumParagraphCharacters, let parent = document.parent(paragraph) else { return }
        addVote(Self.vote(characters: characters, commas: commas), startingAt: parent)
    }

    static func vote(characters: Int32, commas: Int32) -> Float {
        1 + Float(commas) + Float(min(Int(characters) / charactersPerVote, maximumLengthVotes))
    }

    private mutating func addVote(_ vote: Float, startingAt first: Int) {
        var ancestor: Int? = first
        for divisor in Self.ancestorDivisors {
            guard let node = ancestor, node != document.root else { return }
            if !isCandidate[node] {
                isCandidate[node] = true
                score[node] = initialScore(node)
            }
            score[node] += vote / divisor
            ancestor = document.parent(node)
        }
    }

    private func initialScore(_ node: Int) -> Float {
        let base: Float
        switch document.name(node) {
        case "div", "article", "main", "section": base = 5
        case "pre", "td", "blockquote": base = 3
        case "address", "ol", "ul", "dl", "dd", "dt", "li", "form": base = -3
        case "h1", "h2", "h3", "h4", "h5", "h6", "th": base = -5
        default: base = 0
        }
        return base + (pass.weighsClasses ? Float(hints.weight[node]) : 0)
    }

    private func bestCandidate(below body: Int) -> Int? {
        var best: Int?
        for index in body..<document.subtreeEnd(body) where isCandidate[index] {
            if best == nil || score[index] > score[best!] { best = index }
        }
        return best
    }

    // MARK: - From the best candidate to the article

    /// Moves from the best-scoring element to the one that holds the whole article.
    private mutating func climb(from best: Int, body: Int) -> Int {
        var top = best
        if let shared = sharedAncestorOfStrongCandidates(best: best, body: body) { top = shared }
        if !isCandidate[top] {
            isCandidate[top] = true
            score[top] = initialScore(top)
        }
        // A parent scoring better than its best child holds more of the article.
        var lastScore = score[top]
        let threshold = lastScore / 3
        var cursor = document.parent(top)
        while let parent = cursor, parent != body {
            defer { cursor = document.parent(parent) }
            guard isCandidate[parent] else { continue }
            if score[parent] < threshold { break }
            if score[parent] > lastScore {
                top = parent
                break
            }
            lastScore = score[parent]
        }
        // A wrapper with nothing else in it is the same article.
        while let parent = document.parent(top), parent != body,
              document.children(parent).filter({ !skipped[$0] && !document.isText($0) }).count == 1 {
            top = parent
        }
        return top
    }

    private func sharedAncestorOfStrongCandidates(best: Int, body: Int) -> Int? {
        let ranked = (body..<document.subtreeEnd(body)).filter { isCandidate[$0] }.sorted { score[$0] > score[$1] }
            .prefix(Self.topCandidateCount)
        let strong = ranked.dropFirst().filter { score[$0] >= score[best] * Self.alternativeCandidateShare }
        guard strong.count >= Self.alternativeCandidatesNeeded else { return nil }
        var cursor = document.parent(best)
        while let ancestor = cursor, ancestor != body {
            let end = document.subtreeEnd(ancestor)
            if strong.filter({ $0 > ancestor && $0 < end }).count >= Self.alternativeCandidatesNeeded { return ancestor }
            cursor = document.parent(ancestor)
        }
        return nil
    }

    /// The winner with those of its siblings that carry more of the article, in document order.
    private func siblings(of top: Int, body: Int) -> [Int] {
        guard top != body, let parent = document.parent(top) else { return [top] }
        let threshold = max(Self.siblingScoreFloor, score[top] * Self.siblingScoreShare)
        let topClass = document.attribute(.class, of: top) ?? ""
        return document.children(parent).filter { sibling in
            if sibling == top { return true }
            guard !skipped[sibling], !document.isText(sibling) else { return false }
            let bonus = !topClass.isEmpty && document.attribute(.class, of: sibling) == topClass ? score[top] * Self.siblingScoreShare : 0
            if isCandidate[sibling] && score[sibling] + bonus >= threshold { return true }
            guard document.name(sibling) == "p" else { return false }
            let length = Int(characters[sibling])
            let density = linkDensity(sibling)
            if length > Self.siblingParagraphCharacters { return density < Self.siblingParagraphMaximumLinkDensity }
            return length > 0 && density == 0 && Self.readsLikeSentence(document.textContent(sibling))
        }
    }

    static func readsLikeSentence(_ text: String) -> Bool {
        let trimmed = UTF8Text.trimmed(text)
        return trimmed.contains(". ") || trimmed.hasSuffix(".") || trimmed.hasSuffix("。")
    }

    // MARK: - Cleaning inside the article

    /// Cuts furniture and boxes that do not read like the article. Inner boxes are judged first,
    /// and what they lose is taken off their ancestors before those are judged.
    private mutating func clean(_ root: Int, excluded: inout [Bool]) {
        let end = document.subtreeEnd(root)
        for index in stride(from: end - 1, through: root, by: -1) where !excluded[index] && !document.isText(index) {
            if index != root, shouldCut(index, root: root) {
                cut(index, root: root, excluded: &excluded)
            }
        }
    }

    private func shouldCut(_ index: Int, root: Int) -> Bool {
        let name = document.name(index)
        if hints.furniture[index] && characters[index] <= Self.maximumFurnitureCharacters { return true }
        if isHeadingTag[Int(document.nodes[index].tag)] { return pass.weighsClasses && hints.weight[index] < 0 }
        guard pass.cleansConditionally, Self.conditionallyCleaned.contains(name), !insideCode[index] else {
            return false
        }
        if name == "table" && isDataTable(index) { return false }
        return looksLikeFurniture(index, name: name)
    }

    /// The tests a box must pass to stay: prose has commas, paragraphs and few links; furniture
    /// has link lists, lone images, inputs and headings.
    private func looksLikeFurniture(_ index: Int, name: String) -> Bool {
        let weight: Float = pass.weighsClasses ? Float(hints.weight[index]) : 0
        if weight < 0 { return true }
        guard commas[index] < Self.proseCommaCount else { return false }
        let isList = name == "ul" || name == "ol"
        let paragraphCount = Float(paragraphs[index])
        let imageCount = Float(images[index])
        let listItemCount = Float(listItems[index]) - 100
        let length = Int(characters[index])
        let density = linkDensity(index)
        let headingDensity = length == 0 ? 0 : Float(headingCharacters[index]) / Float(length)
        if imageCount > 1 && paragraphCount / imageCount < 0.5 && !insideFigure[index] { return true }
        if !isList && listItemCount > paragraphCount { return true }
        if !isList && headingDensity < 0.9 && length < Self.minimumParagraphCharacters && (imageCount == 0 || imageCount > 2)
            && density > 0 {
            return true
        }
        let positiveWeight = Float(ContentHints.classWeight)
        if !isList && weight < positiveWeight && density > 0.2 { return true }
        if weight >= positiveWeight && density > 0.5 { return true }
        return false
    }

    private func isDataTable(_ table: Int) -> Bool {
        if document.attribute(.role, of: table) == "presentation" { return false }
        if document.attribute(.summary, of: table) != nil { return true }
        var rows = 0
        var cells = 0
        for index in (table + 1)..<document.subtreeEnd(table) {
            switch document.name(index) {
            case "caption", "thead", "th", "tfoot", "colgroup", "col": return true
            case "table": return false
            case "tr": rows += 1
            case "td": cells += 1
            default: break
            }
        }
        return rows >= 10 || cells > 10
    }

    private mutating func cut(_ index: Int, root: Int, excluded: inout [Bool]) {
        for node in index..<document.subtreeEnd(index) { excluded[node] = true }
        var cursor = document.parent(index)
        while let ancestor = cursor, ancestor >= root {
            characters[ancestor] -= characters[index]
            linkCharacters[ancestor] -= linkCharacters[index]
            commas[ancestor] -= commas[index]
            paragraphs[ancestor] -= paragraphs[index]
            images[ancestor] -= images[index]
            listItems[ancestor] -= listItems[index]
            headingCharacters[ancestor] -= headingCharacters[index]
            cursor = ancestor == root ? nil : document.parent(ancestor)
        }
    }
}
