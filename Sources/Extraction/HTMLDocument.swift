import CLibXML2
import Foundation
import KawarabanCore

/// A page as a compact tree of elements and text, built from libxml2's HTML parser events.
///
/// libxml2 does the hard part (tokenising, fixing misnested and unclosed tags, charsets); its
/// events are kept in flat arrays rather than its own node tree, which would cost an allocation
/// per node and per attribute. The tree is bounded: pages larger than `maximumInputBytes` are
/// refused, elements deeper than `maximumDepth` are flattened into their deepest kept ancestor,
/// and parsing stops after `maximumNodes` nodes, so neither hostile nesting nor sheer size can
/// exhaust the stack, memory or time.
final class HTMLDocument {
    /// A larger page is refused: the fetcher never delivers more than 15 MiB, and a real article
    /// page is a few hundred kilobytes.
    static let maximumInputBytes = 16 * 1024 * 1024
    /// Deeper elements are flattened into their ancestor at this depth: real articles are never
    /// this deep, hostile pages often are, and every walk over the tree is bounded by it.
    static let maximumDepth = 200
    /// Parsing stops after this many nodes: about forty times a long article page.
    static let maximumNodes = 600_000
    /// Bytes of markup per node on typical pages once script and style bodies are cut, to size
    /// the node array once rather than grow it step by step.
    static let typicalBytesPerNode = 48

    static let textName = "#text"
    /// The tags of text and of the document root, before those of the page's elements.
    static let textTag: Int32 = 0
    static let documentTag: Int32 = 1

    struct Node {
        /// Where the lower-cased tag name is in `names`: later stages compare these numbers
        /// rather than the names, and look a name up in a set once per document, not per node.
        var tag: Int32
        var parent: Int32
        var firstChild: Int32 = -1
        var lastChild: Int32 = -1
        var nextSibling: Int32 = -1
        /// The characters of a text node; empty for elements.
        var text = ""
        /// The node's kept attributes are `attributeList[firstAttribute..<firstAttribute + attributeCount]`.
        var firstAttribute: Int32 = 0
        var attributeCount: Int32 = 0
    }

    typealias Attribute = (name: HTMLAttribute, value: String)

    /// Nodes in document order; index 0 is the document root, whose children are the top elements.
    let nodes: [Node]
    /// Every distinct tag name, indexed by `Node.tag`; `textName` is at `textTag`.
    let names: [String]
    /// All elements' kept attributes in one array, rather than an array allocated per element.
    let attributeList: [Attribute]
    /// True when parsing stopped at `maximumNodes`.
    let truncated: Bool

    var count: Int { nodes.count }

    static let parserOptions = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                                     | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)
    private static let initialised: Void = { xmlInitParser() }()

    /// Parses `data` in `encoding` (a name libxml2 or iconv knows); nil when it is empty, too
    /// large, or holds no element.
    init?(_ data: Data, encoding: String) {
        guard !data.isEmpty, data.count <= Self.maximumInputBytes else { return nil }
        _ = Self.initialised
        guard let context = htmlNewParserCtxt() else { return nil }
        defer { htmlFreeParserCtxt(context) }
        let input = RawText.prepared(data)
        // The builder is reached through a plain pointer rather than a class reference: the
        // parser calls it for every tag and text run, and a class's stored properties would be
        // checked for exclusive access on each of those calls.
        let builder = UnsafeMutablePointer<TreeBuilder>.allocate(capacity: 1)
        builder.initialize(to: TreeBuilder(context: context, expectedNodes: input.count / Self.typicalBytesPerNode))
        defer {
            builder.pointee.releaseText()
            builder.deinitialize(count: 1)
            builder.deallocate()
        }
        context.pointee.sax.pointee = Self.eventHandler()
        context.pointee.userData = UnsafeMutableRawPointer(builder)
        input.withUnsafeBytes { bytes in
            _ = htmlCtxtReadMemory(context, bytes.bindMemory(to: CChar.self).baseAddress, Int32(bytes.count), nil,
                                   encoding, Self.parserOptions)
        }
        builder.pointee.flushText()
        guard builder.pointee.nodes.count > 1 else { return nil }
        nodes = builder.pointee.nodes
        names = builder.pointee.tagNames
        attributeList = builder.pointee.attributes
        truncated = builder.pointee.stopped
    }

    // MARK: - Reading the tree

    func name(_ index: Int) -> String { names[Int(nodes[index].tag)] }
    func isText(_ index: Int) -> Bool { nodes[index].tag == Self.textTag }

    /// For each tag, whether its name is in `set`, to be indexed by `Node.tag`.
    func tags(in set: Set<String>) -> [Bool] { names.map(set.contains) }
    func parent(_ index: Int) -> Int? { let parent = nodes[index].parent; return parent > 0 ? Int(parent) : nil }
    func text(_ index: Int) -> String { nodes[index].text }

    func attribute(_ name: HTMLAttribute, of index: Int) -> String? {
        attributes(of: index).first { $0.name == name }?.value
    }

    func attributes(of index: Int) -> ArraySlice<Attribute> {
        let first = Int(nodes[index].firstAttribute)
        return attributeList[first..<first + Int(nodes[index].attributeCount)]
    }

    /// The node's children, text included, in order.
    func children(_ index: Int) -> ChildSequence { ChildSequence(nodes: nodes, first: nodes[index].firstChild) }

    func elementChildren(_ index: Int) -> [Int] { children(index).filter { !isText($0) } }

    /// One past the last node of `index`'s subtree: nodes are stored in document order, so a
    /// subtree is the contiguous range `index..<subtreeEnd(index)`.
    func subtreeEnd(_ index: Int) -> Int {
        var cursor = index
        while cursor > 0 {
            let next = nodes[cursor].nextSibling
            if next >= 0 { return Int(next) }
            cursor = Int(nodes[cursor].parent)
        }
        return nodes.count
    }

    /// The first element named `name` at or below `index`, in document order.
    func first(_ name: String, in index: Int) -> Int? {
        guard let tag = names.firstIndex(of: name) else { return nil }
        return (index..<subtreeEnd(index)).first { nodes[$0].tag == tag }
    }

    /// All text below `index`, as written.
    func textContent(_ index: Int) -> String {
        var result = ""
        for node in index..<subtreeEnd(index) where nodes[node].tag == Self.textTag { result += nodes[node].text }
        return result
    }

    /// Nodes that `marked` picks, and everything below them. Parents come before their children
    /// in the node array, so one forward sweep carries a mark down.
    func subtreesMarked(_ marked: (Int) -> Bool) -> [Bool] {
        var result = Array(repeating: false, count: nodes.count)
        for index in 1..<nodes.count {
            let parent = Int(nodes[index].parent)
            result[index] = parent > 0 && result[parent] || marked(index)
        }
        return result
    }

    /// The top `<html>` element, or the document itself when the parser made none. Scoring asks
    /// for it at every vote, so children are searched in place rather than gathered into an array.
    var root: Int { children(0).first { name($0) == "html" } ?? 0 }
    var head: Int? { children(root).first { name($0) == "head" } }
    var body: Int? { children(root).first { name($0) == "body" } }

    struct ChildSequence: Sequence, IteratorProtocol {
        let nodes: [Node]
        var cursor: Int32

        init(nodes: [Node], first: Int32) {
            self.nodes = nodes
            cursor = first
        }

        mutating func next() -> Int? {
            guard cursor >= 0 else { return nil }
            defer { cursor = nodes[Int(cursor)].nextSibling }
            return Int(cursor)
        }
    }

    // MARK: - Parser events

    private static func eventHandler() -> htmlSAXHandler {
        var handler = htmlSAXHandler()
        handler.startElement = { context, name, attributes in
            TreeBuilder.from(context).pointee.start(name, attributes: attributes)
        }
        handler.endElement = { context, _ in TreeBuilder.from(context).pointee.end() }
        handler.characters = { context, characters, length in TreeBuilder.from(context).pointee.characters(characters, length) }
        handler.ignorableWhitespace = handler.characters
        handler.cdataBlock = { context, characters, length in TreeBuilder.from(context).pointee.rawText(characters, length) }
        // Structured errors go nowhere: a page's markup errors are not ours to report.
        handler.serror = { _, _ in }
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        return handler
    }
}

/// The attributes extraction reads; the rest are not kept.
enum HTMLAttribute: String, Sendable {
    case `class`, id, style, hidden, role, itemprop, href, src, srcset, alt, width, height, rel, property, name, content, type
    case datetime, lang, title, summary
    case ariaHidden = "aria-hidden"
    case dataSrc = "data-src"
    case dataOriginal = "data-original"
    case dataLazySrc = "data-lazy-src"
    case dataSrcset = "data-srcset"
}

/// Turns parser events into `HTMLDocument` nodes, keeping the open elements on a stack.
private struct TreeBuilder {
    let context: htmlParserCtxtPtr
    var nodes: [HTMLDocument.Node] = [HTMLDocument.Node(tag: HTMLDocument.documentTag, parent: -1)]
    var tagNames = [HTMLDocument.textName, "#document"]
    var attributes: [HTMLDocument.Attribute] = []
    /// Open elements, innermost last; an element the parser opened but that was not kept (after
    /// the node limit) is pushed as nil, so that every end event pops what its start pushed.
    var open: [Int?] = []
    /// The innermost open element, where content goes.
    var current = 0
    /// Each node's depth below the document, to keep the tree within `maximumDepth`.
    var depths: [Int32] = [0]
    /// Tag and attribute names come from libxml2's dictionary, so each distinct name is converted once.
    var tagsByPointer: [UnsafeRawPointer: Int32] = [:]
    /// Names that differ only in case ("DIV", "div") are different pointers but one tag.
    var tagsByName: [String: Int32] = [:]
    var attributeNames: [UnsafeRawPointer: HTMLAttribute?] = [:]
    /// Set when the node limit is reached and parsing has been told to stop.
    var stopped = false
    /// The text node being added to, and the bytes not yet added to it.
    var pendingTextNode = -1
    var pendingTextParent = -1
    /// Memory of its own rather than Data or an array: their append costs far more than a byte
    /// when called once per byte. Freed by `releaseText`.
    var pendingText = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    var pendingTextCount = 0

    init(context: htmlParserCtxtPtr, expectedNodes: Int) {
        self.context = context
        let capacity = min(expectedNodes, HTMLDocument.maximumNodes)
        nodes.reserveCapacity(capacity)
        depths.reserveCapacity(capacity)
        attributes.reserveCapacity(capacity)
    }

    static func from(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<TreeBuilder> {
        context!.assumingMemoryBound(to: TreeBuilder.self)
    }

    mutating func start(_ rawName: UnsafePointer<xmlChar>?, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard !stopped, let rawName, admitNode() else { open.append(nil); return }
        // At the depth limit an element becomes its parent's sibling instead of its child: deep
        // structure is flattened, but paragraphs stay paragraphs.
        let parent = depths[current] >= HTMLDocument.maximumDepth ? Int(nodes[current].parent) : current
        var node = HTMLDocument.Node(tag: tag(rawName), parent: Int32(parent))
        node.firstAttribute = Int32(self.attributes.count)
        if let attributes {
            var cursor = attributes
            while let attributeName = cursor.pointee {
                let value = cursor.advanced(by: 1).pointee
                if let kept = keptAttributeName(attributeName) {
                    self.attributes.append((kept, value.map { String(cString: $0) } ?? ""))
                }
                cursor = cursor.advanced(by: 2)
            }
        }
        node.attributeCount = Int32(self.attributes.count) - node.firstAttribute
        current = append(node)
        open.append(current)
    }

    mutating func end() {
        guard case .some(.some) = open.popLast() else { return }
        current = open.last.flatMap { $0 } ?? 0
    }

    /// Text goes on growing the current element's last text node. The parser may deliver it a
    /// byte at a time (a page of 16 MiB of `<`), so bytes are gathered here and made a string
    /// once, when text goes to another node or parsing ends.
    mutating func characters(_ characters: UnsafePointer<xmlChar>?, _ length: Int32) {
        guard !stopped, let characters, length > 0 else { return }
        // Still the current element's last child when no node was added since and the parser
        // is still in its parent: checked without reading a node, for the byte-at-a-time case.
        if pendingTextNode != nodes.count - 1 || pendingTextParent != current {
            flushText()
            let last = Int(nodes[current].lastChild)
            if last >= 0, nodes[last].tag == HTMLDocument.textTag {
                pendingTextNode = last
            } else if admitNode() {
                pendingTextNode = append(HTMLDocument.Node(tag: HTMLDocument.textTag, parent: Int32(current)))
            } else {
                return
            }
            pendingTextParent = current
        }
        let length = Int(length)
        if pendingTextCount + length > pendingText.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(4096, 2 * (pendingTextCount + length)), alignment: 1)
            if let old = pendingText.baseAddress {
                grown.baseAddress!.copyMemory(from: old, byteCount: pendingTextCount)
                pendingText.deallocate()
            }
            pendingText = grown
        }
        (pendingText.baseAddress! + pendingTextCount).copyMemory(from: characters, byteCount: length)
        pendingTextCount += length
    }

    mutating func flushText() {
        guard pendingTextNode >= 0 else { return }
        if let base = pendingText.baseAddress {
            let bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: pendingTextCount)
            nodes[pendingTextNode].text += String(decoding: bytes, as: UTF8.self)
        }
        pendingTextCount = 0
        pendingTextNode = -1
    }

    /// Frees the text buffer; the builder is not used after this.
    mutating func releaseText() {
        pendingText.deallocate()
        pendingText = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }

    private mutating func append(_ node: HTMLDocument.Node) -> Int {
        let index = nodes.count
        let parent = Int(node.parent)
        nodes.append(node)
        depths.append(depths[parent] + 1)
        if nodes[parent].lastChild >= 0 {
            nodes[Int(nodes[parent].lastChild)].nextSibling = Int32(index)
        } else {
            nodes[parent].firstChild = Int32(index)
        }
        nodes[parent].lastChild = Int32(index)
        return index
    }

    /// Script and style bodies: only JSON-LD is read, for the page's metadata.
    mutating func rawText(_ characters: UnsafePointer<xmlChar>?, _ length: Int32) {
        guard tagNames[Int(nodes[current].tag)] == "script",
              attributes[Int(nodes[current].firstAttribute)..<Int(nodes[current].firstAttribute + nodes[current].attributeCount)]
                .first(where: { $0.name == .type })?.value.lowercased() == "application/ld+json"
        else { return }
        self.characters(characters, length)
    }

    private mutating func admitNode() -> Bool {
        guard nodes.count < HTMLDocument.maximumNodes else {
            stopped = true
            xmlStopParser(context)
            return false
        }
        return true
    }

    private mutating func tag(_ raw: UnsafePointer<xmlChar>) -> Int32 {
        let key = UnsafeRawPointer(raw)
        if let known = tagsByPointer[key] { return known }
        let name = String(cString: raw).lowercased()
        let tag = tagsByName[name] ?? Int32(tagNames.count)
        if tag == tagNames.count {
            tagNames.append(name)
            tagsByName[name] = tag
        }
        tagsByPointer[key] = tag
        return tag
    }

    private mutating func keptAttributeName(_ raw: UnsafePointer<xmlChar>) -> HTMLAttribute? {
        let key = UnsafeRawPointer(raw)
        if let known = attributeNames[key] { return known }
        let kept = HTMLAttribute(rawValue: String(cString: raw).lowercased())
        attributeNames[key] = kept
        return kept
    }
}

/// Questions asked of every character of a page, answered on its UTF-8 bytes without decoding
/// or Unicode property lookups. Plain comparisons rather than range patterns: a range pattern is
/// a generic call per byte in a debug build, which made a page of 16 MiB of text take seconds.
enum UTF8Text {
    /// Bytes in the sequence a lead byte starts (1 for a stray continuation byte).
    static func sequenceLength(_ lead: UInt8) -> Int {
        if lead >= 0xF0 { return 4 }
        if lead >= 0xE0 { return 3 }
        if lead >= 0xC0 { return 2 }
        return 1
    }

    /// White space by Unicode's definition: ASCII's, NEL, no-break space, the Ogham space mark,
    /// the en quad to hair space, the line and paragraph separators, narrow and medium
    /// mathematical spaces, and the ideographic space.
    static func isWhiteSpace(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let lead = bytes[index]
        if lead < 0x80 { return isASCIIWhiteSpace(lead) }
        if lead == 0xC2 { return index + 1 < bytes.count && (bytes[index + 1] == 0x85 || bytes[index + 1] == 0xA0) }
        guard lead >= 0xE1 && lead <= 0xE3 && index + 2 < bytes.count else { return false }
        let second = bytes[index + 1], third = bytes[index + 2]
        if lead == 0xE1 { return second == 0x9A && third == 0x80 }
        if lead == 0xE3 { return second == 0x80 && third == 0x80 }
        return second == 0x80 && ((third >= 0x80 && third <= 0x8A) || third == 0xA8 || third == 0xA9 || third == 0xAF)
            || second == 0x81 && third == 0x9F
    }

    /// `text` without the leading and trailing bytes `isTrimmed` picks, which must be ASCII.
    /// Foundation's trimming goes through UTF-16 and costs more than the rest of a link's handling.
    static func trimmed(_ text: String, _ isTrimmed: (UInt8) -> Bool = isASCIIWhiteSpace) -> String {
        let bytes = text.utf8
        guard let first = bytes.firstIndex(where: { !isTrimmed($0) }), let last = bytes.lastIndex(where: { !isTrimmed($0) }) else {
            return ""
        }
        if first == bytes.startIndex && last == bytes.index(before: bytes.endIndex) { return text }
        return String(text[first...last])
    }

    static func isASCIIWhiteSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
    static func isNewline(_ byte: UInt8) -> Bool { byte == 0x0A || byte == 0x0D }

    /// Commas and full stops that separate clauses: , ، 、 。 ，
    static func isClauseMark(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let lead = bytes[index]
        if lead == 0x2C { return true }
        if lead == 0xD8 { return index + 1 < bytes.count && bytes[index + 1] == 0x8C }
        guard (lead == 0xE3 || lead == 0xEF) && index + 2 < bytes.count else { return false }
        let second = bytes[index + 1], third = bytes[index + 2]
        return lead == 0xE3 ? second == 0x80 && (third == 0x81 || third == 0x82) : second == 0xBC && third == 0x8C
    }

}
