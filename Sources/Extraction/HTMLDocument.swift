import CLibXML2
import Foundation
import KawarabanCore

/// A node of libxml2's HTML tree, read-only.
struct HTMLNode {
    let pointer: xmlNodePtr

    var isElement: Bool { pointer.pointee.type == XML_ELEMENT_NODE }
    var isText: Bool { pointer.pointee.type == XML_TEXT_NODE || pointer.pointee.type == XML_CDATA_SECTION_NODE }

    /// Lower-cased tag name; libxml2's HTML parser already folds case.
    var name: String { pointer.pointee.name.map { String(cString: $0) } ?? "" }

    var children: [HTMLNode] {
        var result: [HTMLNode] = []
        var cursor = pointer.pointee.children
        while let child = cursor {
            result.append(HTMLNode(pointer: child))
            cursor = child.pointee.next
        }
        return result
    }

    var elementChildren: [HTMLNode] { children.filter(\.isElement) }

    var parent: HTMLNode? {
        guard let parent = pointer.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
        return HTMLNode(pointer: parent)
    }

    var nextElementSibling: HTMLNode? {
        var cursor = pointer.pointee.next
        while let sibling = cursor {
            if sibling.pointee.type == XML_ELEMENT_NODE { return HTMLNode(pointer: sibling) }
            cursor = sibling.pointee.next
        }
        return nil
    }

    /// The text of a text node.
    var content: String {
        guard let raw = pointer.pointee.content else { return "" }
        return String(cString: raw)
    }

    func attribute(_ name: String) -> String? {
        guard let value = xmlGetProp(pointer, name) else { return nil }
        defer { kawaraban_xml_free(value) }
        return String(cString: value)
    }

    /// class and id together, lower-cased, for hints about what an element holds.
    var classAndID: String {
        ((attribute("class") ?? "") + " " + (attribute("id") ?? "")).lowercased()
    }

    /// All descendant text, without entering elements `skip` rejects, up to `depth` levels.
    func text(depth: Int = HTMLDocument.maximumDepth, skip: (HTMLNode) -> Bool = { _ in false }) -> String {
        var result = ""
        collectText(into: &result, depth: depth, skip: skip)
        return result
    }

    private func collectText(into result: inout String, depth: Int, skip: (HTMLNode) -> Bool) {
        guard depth > 0 else { return }
        for child in children {
            if child.isText {
                result += child.content
            } else if child.isElement && !skip(child) {
                child.collectText(into: &result, depth: depth - 1, skip: skip)
            }
        }
    }

    /// Elements below this one, depth-first, down to `depth` levels.
    func descendants(depth: Int = HTMLDocument.maximumDepth) -> [HTMLNode] {
        var result: [HTMLNode] = []
        var stack: [(HTMLNode, Int)] = [(self, 0)]
        while let (node, level) = stack.popLast() {
            guard level < depth else { continue }
            for child in node.elementChildren.reversed() {
                result.append(child)
                stack.append((child, level + 1))
            }
        }
        return result
    }
}

/// A page parsed by libxml2's forgiving HTML parser; freed when it goes away.
final class HTMLDocument {
    /// Deeper markup is not read: real articles are never this deep, hostile pages often are.
    static let maximumDepth = 256
    static let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                               | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOBLANKS.rawValue)
    private static let initialised: Void = { xmlInitParser() }()

    let document: htmlDocPtr

    /// `encoding` names the bytes' charset; nil means the page's own declaration, else UTF-8
    /// (libxml2 would otherwise fall back to Latin-1).
    init?(_ data: Data, url: URL?, encoding knownEncoding: String? = nil) {
        _ = Self.initialised
        let encoding = knownEncoding ?? CharsetDeclaration.find(in: data) ?? "UTF-8"
        let parsed: htmlDocPtr? = data.withUnsafeBytes { bytes in
            htmlReadMemory(bytes.bindMemory(to: CChar.self).baseAddress, Int32(bytes.count), url?.absoluteString,
                           encoding, Self.options)
        }
        guard let parsed else { return nil }
        document = parsed
    }

    deinit { xmlFreeDoc(document) }

    var root: HTMLNode? { xmlDocGetRootElement(document).map(HTMLNode.init) }
}
