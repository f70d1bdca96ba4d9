import CLibXML2
import Foundation

/// Read-only helpers over libxml2's tree, so the format parsers read like the formats. Names are
/// compared as C strings in place, so walking a feed makes no Swift string per node.
struct XMLElement {
    let node: xmlNodePtr

    var name: String { String(cString: node.pointee.name) }

    var namespace: String? {
        node.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) }
    }

    func isIn(_ namespace: String) -> Bool {
        guard let href = node.pointee.ns?.pointee.href else { return false }
        return xmlStrEqual(href, namespace) != 0
    }

    /// Whether the element belongs to the format its parent is written in: no namespace, the
    /// parent's own, or one of RSS's (RSS 1.0 puts channel and items in its namespace under rdf:RDF).
    private func isCore(under parent: XMLElement) -> Bool {
        guard let href = node.pointee.ns?.pointee.href else { return true }
        if let parentHref = parent.node.pointee.ns?.pointee.href, xmlStrEqual(href, parentHref) != 0 { return true }
        return FeedNamespace.rssVariants.contains { xmlStrEqual(href, $0) != 0 }
    }

    var elements: ElementChildren { ElementChildren(first: node.pointee.children) }

    /// Children with this local name, in the format's own namespace or, when given, in `namespace`.
    func children(_ name: String, namespace: String? = nil) -> [XMLElement] {
        elements.filter { $0.matches(name, namespace: namespace, under: self) }
    }

    func child(_ name: String, namespace: String? = nil) -> XMLElement? {
        elements.first { $0.matches(name, namespace: namespace, under: self) }
    }

    /// Whether this is `name` in `namespace`, or, without one, in the format of `parent`.
    func matches(_ name: String, namespace: String?, under parent: XMLElement) -> Bool {
        guard hasName(name) else { return false }
        if let namespace { return isIn(namespace) }
        return isCore(under: parent)
    }

    /// Compared byte by byte in place: handing a short Swift string to C copies it to the heap first.
    private func hasName(_ name: String) -> Bool {
        guard var cursor = node.pointee.name else { return false }
        for byte in name.utf8 {
            guard cursor.pointee == byte else { return false }
            cursor += 1
        }
        return cursor.pointee == 0
    }

    var hasElementChildren: Bool { elements.first { _ in true } != nil }

    /// All text below the element, entities and CDATA included.
    var text: String {
        // The common case, one text node, is read in place rather than copied out and back.
        if let only = node.pointee.children, only.pointee.next == nil, only.pointee.type == XML_TEXT_NODE,
           let content = only.pointee.content {
            return FeedText.replacingC1Controls(String(cString: content))
        }
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { kawaraban_xml_free(content) }
        return FeedText.replacingC1Controls(String(cString: content))
    }

    var trimmedText: String? {
        let value = FeedText.trim(text)
        return value.isEmpty ? nil : value
    }

    /// An attribute without a namespace.
    func attribute(_ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { kawaraban_xml_free(value) }
        return String(cString: value)
    }

    func attribute(_ name: String, namespace: String) -> String? {
        guard let value = xmlGetNsProp(node, name, namespace) else { return nil }
        defer { kawaraban_xml_free(value) }
        return String(cString: value)
    }

    /// xml:lang in force here: nil when none is declared, "" when one was declared empty.
    var declaredLanguage: String? {
        guard let value = xmlNodeGetLang(node) else { return nil }
        defer { kawaraban_xml_free(value) }
        return String(cString: value)
    }

    /// The xml:base attribute on this element itself.
    var declaredBase: String? { attribute("base", namespace: FeedNamespace.xml) }

    var parent: XMLElement? {
        guard let parent = node.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
        return XMLElement(node: parent)
    }

    /// The element's children as markup, namespace declarations and XHTML prefixes left out, as
    /// HTML readers expect: for XHTML content and for HTML a feed put in without escaping it.
    var innerXML: String {
        var output = ""
        XHTMLWriter.writeChildren(of: node, into: &output)
        return output
    }

    /// The text, or the serialised markup when a feed put HTML in without escaping it.
    var markupOrText: String {
        hasElementChildren ? FeedText.trim(innerXML) : FeedText.trim(text)
    }
}

/// The element children of a node, walked without building an array.
struct ElementChildren: Sequence, IteratorProtocol {
    var cursor: xmlNodePtr?

    init(first: xmlNodePtr?) { cursor = first }

    mutating func next() -> XMLElement? {
        while let current = cursor {
            cursor = current.pointee.next
            if current.pointee.type == XML_ELEMENT_NODE { return XMLElement(node: current) }
        }
        return nil
    }
}

/// Writes a subtree as markup without libxml2's serialiser, which would repeat namespace
/// declarations and prefixes that mean nothing to an HTML reader.
enum XHTMLWriter {
    /// HTML's elements that never have content, written as `<br />`.
    static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    ]

    static func writeChildren(of node: xmlNodePtr, into output: inout String, depth: Int = 0) {
        // libxml2 already refuses deeper documents; this keeps our own recursion bounded whatever it does.
        guard depth < XMLTree.maximumDepth else { return }
        var cursor = node.pointee.children
        while let child = cursor {
            write(child, into: &output, depth: depth)
            cursor = child.pointee.next
        }
    }

    private static func write(_ node: xmlNodePtr, into output: inout String, depth: Int) {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            if let content = node.pointee.content { output += FeedText.escape(FeedText.replacingC1Controls(String(cString: content))) }
        case XML_ELEMENT_NODE:
            let name = qualifiedName(node)
            output += "<" + name
            var attribute = node.pointee.properties
            while let current = attribute {
                let attributeName = String(cString: current.pointee.name)
                let prefix = current.pointee.ns.flatMap { $0.pointee.prefix }.map { String(cString: $0) + ":" } ?? ""
                var value = ""
                if let content = xmlNodeGetContent(UnsafeMutableRawPointer(current).assumingMemoryBound(to: xmlNode.self)) {
                    value = String(cString: content)
                    kawaraban_xml_free(content)
                }
                output += " " + prefix + attributeName + "=\"" + FeedText.escapeAttribute(value) + "\""
                attribute = current.pointee.next
            }
            if node.pointee.children == nil && voidElements.contains(name) {
                output += " />"
            } else {
                output += ">"
                writeChildren(of: node, into: &output, depth: depth + 1)
                output += "</" + name + ">"
            }
        default:
            return  // comments and processing instructions are not content
        }
    }

    /// XHTML elements by their local name; foreign ones (MathML, SVG) keep their prefix.
    private static func qualifiedName(_ node: xmlNodePtr) -> String {
        let local = String(cString: node.pointee.name)
        guard let namespace = node.pointee.ns, let prefix = namespace.pointee.prefix,
              let href = namespace.pointee.href, xmlStrEqual(href, FeedNamespace.xhtml) == 0
        else { return local }
        return String(cString: prefix) + ":" + local
    }
}

/// A parsed XML document, freed when it goes away.
final class XMLTree {
    /// No NOENT and no DTDLOAD, so no external entity or DTD is ever read, and NONET forbids the
    /// network outright. Without HUGE, libxml2 bounds nesting depth and text node size itself.
    /// COMPACT keeps short text inside its node, one allocation fewer each: the tree is only read.
    static let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_RECOVER.rawValue
                               | XML_PARSE_IGNORE_ENC.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                               | XML_PARSE_COMPACT.rawValue)
    /// Deeper than any feed nests: libxml2's own limit without XML_PARSE_HUGE, which we never set.
    static let maximumDepth = 256
    /// How many elements libxml2 reads between two looks at the budget's clock.
    static let elementsBetweenBudgetChecks = 1024
    private static let initialised: Void = { xmlInitParser() }()

    let document: xmlDocPtr

    /// `utf8` must already be UTF-8: libxml2 is told so and ignores the document's declaration.
    /// What libxml2 reads is the prescanned document (`MarkupPrescan`), in which no entity is
    /// referenced by name; on top of that, declarations are never recorded, so an entity a
    /// document declares for itself has nothing to expand to, by construction.
    init(utf8 data: Data, meter: BudgetMeter) throws(FeedParseError) {
        _ = Self.initialised
        let rewritten = try MarkupPrescan.xml(data)
        guard (rewritten?.count ?? data.count) <= Int32.max else { throw .malformed("the document is larger than libxml2 reads at once") }
        guard let context = xmlNewParserCtxt(), let sax = context.pointee.sax else {
            throw .malformed("the XML parser could not start")
        }
        defer { xmlFreeParserCtxt(context) }
        sax.pointee.entityDecl = nil
        sax.pointee.unparsedEntityDecl = nil
        // Errors are read from the context afterwards; none is printed, whatever part of libxml2 raises it.
        sax.pointee.serror = { _, _ in }
        let watch = BudgetWatch(meter: meter, startElement: sax.pointee.startElementNs)
        context.pointee._private = Unmanaged.passUnretained(watch).toOpaque()
        sax.pointee.startElementNs = { context, name, prefix, uri, namespaceCount, namespaces, attributeCount, defaulted, attributes in
            guard let context else { return }
            let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
            let watch = Unmanaged<BudgetWatch>.fromOpaque(parser.pointee._private).takeUnretainedValue()
            watch.startElement?(context, name, prefix, uri, namespaceCount, namespaces, attributeCount, defaulted, attributes)
            if watch.elementStartedAndBudgetSpent() { xmlStopParser(parser) }
        }
        func read(_ bytes: UnsafeRawBufferPointer) -> xmlDocPtr? {
            xmlCtxtReadMemory(context, bytes.bindMemory(to: CChar.self).baseAddress, Int32(bytes.count), nil, "UTF-8", Self.options)
        }
        let parsed = withExtendedLifetime(watch) { rewritten?.withUnsafeBytes(read) ?? data.withUnsafeBytes(read) }
        let error = context.pointee.lastError
        let message = error.message.map { FeedText.trim(String(cString: $0)) }
        guard let parsed, xmlDocGetRootElement(parsed) != nil else {
            if let parsed { xmlFreeDoc(parsed) }
            try meter.check()
            throw .malformed("\(message ?? "no root element") (line \(error.line))")
        }
        // Recovery goes on after ordinary errors, but a limit (a text node too large, nesting too
        // deep, the budget spent) stops the parser halfway: what was read is not the whole feed.
        if context.pointee.disableSAX != 0 {
            xmlFreeDoc(parsed)
            try meter.check()
            throw .malformed("\(message ?? "the parser stopped") (line \(error.line)); a limit on size or depth was reached")
        }
        document = parsed
    }

    deinit { xmlFreeDoc(document) }

    var root: XMLElement { XMLElement(node: xmlDocGetRootElement(document)) }
}

/// What libxml2's element callback needs to look at the budget now and then: a C callback
/// captures nothing, so it finds this through the parser context.
private final class BudgetWatch {
    let meter: BudgetMeter
    /// libxml2's own handler, which builds the tree.
    let startElement: startElementNsSAX2Func?
    private var elements = 0

    init(meter: BudgetMeter, startElement: startElementNsSAX2Func?) {
        self.meter = meter
        self.startElement = startElement
    }

    func elementStartedAndBudgetSpent() -> Bool {
        elements += 1
        return elements % XMLTree.elementsBetweenBudgetChecks == 0 && meter.isSpent
    }
}
