import CLibXML2
import Foundation
@testable import Sanitizer

/// Reads sanitised HTML back the way a browser would receive it and lists everything in it that
/// could run code, load something unvetted or change the page around it. Written from the threat
/// side (what must never appear), independently of the sanitiser's own allowlists.
struct SafetyInspector {
    /// Elements that run code, embed other documents, submit data or change how the rest parses.
    static let dangerousElements: Set<String> = [
        "script", "style", "object", "embed", "applet", "form", "input", "button", "select", "textarea",
        "meta", "base", "link", "svg", "math", "frame", "frameset", "template", "noscript", "xmp",
        "plaintext", "noembed", "noframes", "param", "title", "isindex", "portal", "video", "audio",
    ]
    /// Attributes that hold a URL a browser would follow or load.
    static let urlAttributes: Set<String> = [
        "href", "src", "srcset", "action", "formaction", "poster", "cite", "background", "xlink:href",
        "data", "codebase", "longdesc", "usemap", "dynsrc", "lowsrc", "profile", "manifest", "ping", "srcdoc",
    ]
    static let dangerousAttributes: Set<String> = ["style", "srcdoc", "formaction", "action", "http-equiv", "target", "is"]
    static let safeSchemes = ["http://", "https://", "mailto:"]
    static let allowedPlayers = ["https://www.youtube-nocookie.com/embed/", "https://player.vimeo.com/video/"]
    static let requiredSandbox = "allow-scripts allow-same-origin allow-presentation"

    private(set) var problems: [String] = []
    /// The text a reader sees, whitespace collapsed.
    private(set) var visibleText = ""
    private(set) var elements: [(name: String, attributes: [String: String])] = []
    private(set) var maximumDepth = 0

    init(_ html: String) {
        if html.contains("<!--") { problems.append("a comment survived") }
        let bytes = Array(html.utf8)
        guard !bytes.isEmpty else { return }
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                            | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOIMPLIED.rawValue)
        // Without implied html and body, so that the elements listed are the ones written.
        guard let document = bytes.withUnsafeBytes({
            htmlReadMemory($0.bindMemory(to: CChar.self).baseAddress, Int32($0.count), nil, "UTF-8", options)
        }) else { return }
        defer { xmlFreeDoc(document) }
        var text = ""
        var stack: [(xmlNodePtr, Int)] = []
        var cursor = document.pointee.children
        while let node = cursor { stack.append((node, 0)); cursor = node.pointee.next }
        while let (node, depth) = stack.popLast() {
            maximumDepth = max(maximumDepth, depth)
            switch node.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                text += node.pointee.content.map { String(cString: $0) } ?? ""
            case XML_ELEMENT_NODE:
                inspect(node)
                text += " "
                var child = node.pointee.children
                var children: [xmlNodePtr] = []
                while let current = child { children.append(current); child = current.pointee.next }
                stack.append(contentsOf: children.reversed().map { ($0, depth + 1) })
            default:
                break
            }
        }
        visibleText = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    var isSafe: Bool { problems.isEmpty }

    private mutating func inspect(_ node: xmlNodePtr) {
        let name = String(cString: node.pointee.name).lowercased()
        var attributes: [String: String] = [:]
        var property = node.pointee.properties
        while let current = property {
            let attribute = String(cString: current.pointee.name)
            let value = xmlGetProp(node, current.pointee.name).map { raw in
                defer { kawaraban_xml_free(raw) }
                return String(cString: raw)
            } ?? ""
            attributes[attribute.lowercased()] = value
            property = current.pointee.next
        }
        elements.append((name, attributes))
        if Self.dangerousElements.contains(name) || name.contains(":") { problems.append("element <\(name)>") }
        for (attribute, value) in attributes {
            if attribute.hasPrefix("on") { problems.append("event handler \(attribute) on <\(name)>") }
            if Self.dangerousAttributes.contains(attribute) || attribute.contains(":") {
                problems.append("attribute \(attribute) on <\(name)>")
            }
            if Self.urlAttributes.contains(attribute) {
                let urls = attribute == "srcset" ? SourceSet.candidates(in: value).map(\.url) : [value]
                for url in urls where !Self.safeSchemes.contains(where: url.hasPrefix) {
                    problems.append("\(attribute)=\(url.debugDescription) on <\(name)>")
                }
            }
        }
        if name == "iframe" {
            let source = attributes["src"] ?? ""
            if !Self.allowedPlayers.contains(where: source.hasPrefix) { problems.append("iframe from \(source)") }
            if attributes["sandbox"] != Self.requiredSandbox { problems.append("iframe without the sandbox") }
            if attributes.count != 2 { problems.append("iframe with attributes \(attributes.keys.sorted())") }
        }
        if name == "a", attributes["href"] != nil, attributes["rel"] != "noopener noreferrer" {
            problems.append("link without rel=noopener noreferrer")
        }
    }
}
