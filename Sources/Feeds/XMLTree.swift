import CLibXML2
import Foundation

/// Read-only helpers over libxml2's tree, so the format parsers read like the formats.
struct XMLElement {
    let node: xmlNodePtr

    var name: String { String(cString: node.pointee.name) }

    var namespace: String? {
        node.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) }
    }

    var children: [XMLElement] {
        var result: [XMLElement] = []
        var cursor = node.pointee.children
        while let child = cursor {
            if child.pointee.type == XML_ELEMENT_NODE { result.append(XMLElement(node: child)) }
            cursor = child.pointee.next
        }
        return result
    }

    func children(_ name: String, namespace: String? = nil) -> [XMLElement] {
        children.filter { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    func child(_ name: String, namespace: String? = nil) -> XMLElement? {
        var cursor = node.pointee.children
        while let child = cursor {
            if child.pointee.type == XML_ELEMENT_NODE {
                let element = XMLElement(node: child)
                if element.name == name && (namespace == nil || element.namespace == namespace) { return element }
            }
            cursor = child.pointee.next
        }
        return nil
    }

    /// All text below the element, entities and CDATA included.
    var text: String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { kawaraban_xml_free(content) }
        return String(cString: content)
    }

    var trimmedText: String? {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    func attribute(_ name: String) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { kawaraban_xml_free(value) }
        return String(cString: value)
    }

    /// The text, or the serialised markup when a feed put HTML in without escaping it.
    var markupOrText: String? {
        guard children.isEmpty else {
            let inner = innerXML.trimmingCharacters(in: .whitespacesAndNewlines)
            return inner.isEmpty ? nil : inner
        }
        return trimmedText
    }

    /// The element's markup children serialised, for XHTML content and unescaped HTML.
    var innerXML: String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        var cursor = node.pointee.children
        while let child = cursor {
            xmlNodeDump(buffer, node.pointee.doc, child, 0, 0)
            cursor = child.pointee.next
        }
        return String(cString: xmlBufferContent(buffer))
    }

    /// The base URL in force at this element: xml:base attributes resolved against the document's URL.
    var base: URL? {
        guard let value = xmlNodeGetBase(node.pointee.doc, node) else { return nil }
        defer { kawaraban_xml_free(value) }
        return URL(string: String(cString: value))
    }

    /// `reference` made absolute against this element's base.
    func resolve(_ reference: String) -> String {
        let trimmed = reference.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let base, let url = URL(string: trimmed, relativeTo: base) else { return trimmed }
        return url.absoluteString
    }
}

/// A parsed XML document, freed when it goes away.
final class XMLTree {
    /// libxml2's defaults bound entity expansion; NOENT and DTDLOAD stay off so no external
    /// entity is ever read, and NONET forbids network access outright.
    static let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_RECOVER.rawValue
                               | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
    private static let initialised: Void = { xmlInitParser() }()

    let document: xmlDocPtr

    init(_ data: Data, baseURL: URL?) throws(FeedParseError) {
        _ = Self.initialised
        guard data.count <= Int32.max else { throw .malformed("the document is larger than libxml2 reads at once") }
        guard let context = xmlNewParserCtxt() else { throw .malformed("the XML parser could not start") }
        defer { xmlFreeParserCtxt(context) }
        HTMLEntityFallback.install(on: context)
        let parsed: xmlDocPtr? = data.withUnsafeBytes { bytes in
            xmlCtxtReadMemory(context, bytes.bindMemory(to: CChar.self).baseAddress, Int32(bytes.count),
                              baseURL?.absoluteString, nil, Self.options)
        }
        guard let parsed, xmlDocGetRootElement(parsed) != nil else {
            if let parsed { xmlFreeDoc(parsed) }
            let error = context.pointee.lastError
            let message = error.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) }
            throw .malformed("\(message ?? "no root element") (line \(error.line))")
        }
        document = parsed
    }

    deinit { xmlFreeDoc(document) }

    var root: XMLElement { XMLElement(node: xmlDocGetRootElement(document)) }
}
