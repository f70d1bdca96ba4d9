import CLibXML2
import Foundation
import KawarabanCore

/// Outside HTML (a feed's summary or content, a page's fragment) made safe to put on our pages:
/// parsed the forgiving way a browser would, then written out again from an allowlist, so that
/// whatever was not understood is left out rather than passed through.
public enum HTMLSanitizer {
    /// Deeper elements lose their tags but keep their text: real articles are never this deep,
    /// and hostile markup that is would make every later reader of it recurse that far.
    public static let maximumDepth = 64
    /// Longer attribute values are payloads, not titles or alt text.
    public static let maximumAttributeLength = 2048
    static let linkRelations = "noopener noreferrer"

    /// Without `HTML_PARSE_NOIMPLIED`: libxml2 then leaves `<title>` or `<meta>` open and files the
    /// whole fragment under them. The implied `<html>`, `<head>` and `<body>` are unwrapped instead.
    /// The fragment arrives as text, so a `<meta charset>` inside it must not re-decode it.
    private static let parseOptions = Int32(
        HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)
    private static let initialised: Void = { xmlInitParser() }()

    /// Safe HTML with the fragment's visible text; URLs made absolute against `base` (those that
    /// stay relative without one are dropped).
    public static func sanitize(_ html: String, base: URL?) -> String {
        _ = initialised
        let bytes = Array(html.utf8)
        guard !bytes.isEmpty, bytes.count <= Int32.max else { return "" }
        let parsed = bytes.withUnsafeBytes { buffer in
            htmlReadMemory(buffer.bindMemory(to: CChar.self).baseAddress, Int32(buffer.count), nil, "UTF-8", parseOptions)
        }
        guard let document = parsed else { return "" }
        defer { xmlFreeDoc(document) }
        var writer = SafeHTMLWriter(base: base)
        writer.write(nodesFrom: document.pointee.children)
        return writer.output
    }
}

/// Walks libxml2's tree with its own stack, so that no depth of input can exhaust ours.
private struct SafeHTMLWriter {
    let base: URL?
    var output = ""

    private enum Step {
        /// `depth` counts the tags we have written around this node, not the ones we skipped.
        case node(xmlNodePtr, depth: Int)
        case endTag(String)
    }

    private var pending: [Step] = []

    init(base: URL?) {
        self.base = base
    }

    mutating func write(nodesFrom first: xmlNodePtr?) {
        schedule(siblingsFrom: first, depth: 0)
        while let step = pending.popLast() {
            switch step {
            case .endTag(let name): output += "</\(name)>"
            case .node(let node, let depth): write(node, depth: depth)
            }
        }
    }

    private mutating func schedule(childrenOf node: xmlNodePtr, depth: Int) {
        schedule(siblingsFrom: node.pointee.children, depth: depth)
    }

    private mutating func schedule(siblingsFrom first: xmlNodePtr?, depth: Int) {
        var children: [xmlNodePtr] = []
        var cursor = first
        while let child = cursor {
            children.append(child)
            cursor = child.pointee.next
        }
        pending.append(contentsOf: children.reversed().map { .node($0, depth: depth) })
    }

    private mutating func write(_ node: xmlNodePtr, depth: Int) {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            if let content = node.pointee.content { output += XMLEscaping.escapeHTML(String(cString: content)) }
        case XML_ELEMENT_NODE:
            writeElement(node, depth: depth)
        default:
            // Comments, processing instructions and doctypes carry nothing a reader sees.
            break
        }
    }

    private mutating func writeElement(_ node: xmlNodePtr, depth: Int) {
        let name = node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
        if name == "iframe" {
            // What libxml2 puts inside an iframe is fallback text or, when it was left open, the
            // rest of the fragment; a browser never shows it in the frame, so it follows the frame.
            if let player = attribute("src", of: node).flatMap({ Embeds.playerURL($0, base: base) }) {
                output += "<iframe src=\"\(XMLEscaping.escapeHTML(player))\" sandbox=\"\(Embeds.sandbox)\"></iframe>"
            }
            return schedule(childrenOf: node, depth: depth)
        }
        switch ElementPolicy.treatment(of: name) {
        case .drop:
            return
        case .unwrap:
            schedule(childrenOf: node, depth: depth)
        case .keep:
            guard depth < HTMLSanitizer.maximumDepth, let attributes = keptAttributes(of: node, named: name) else {
                return schedule(childrenOf: node, depth: depth)
            }
            output += "<\(name)"
            for (attribute, value) in attributes { output += " \(attribute)=\"\(XMLEscaping.escapeHTML(value))\"" }
            output += ">"
            // libxml2 does not know every void element and may file what follows under one.
            guard !ElementPolicy.void.contains(name) else { return schedule(childrenOf: node, depth: depth) }
            pending.append(.endTag(name))
            schedule(childrenOf: node, depth: depth + 1)
        }
    }

    /// The attributes to write, or nil when the element cannot stand without what was removed
    /// (a link with no safe target, an image with no safe source, a tracking pixel): then only its
    /// children remain.
    private func keptAttributes(of node: xmlNodePtr, named name: String) -> [(String, String)]? {
        var kept: [(String, String)] = []
        var property = node.pointee.properties
        while let current = property {
            property = current.pointee.next
            guard let rawName = current.pointee.name else { continue }
            let attributeName = String(cString: rawName).lowercased()
            guard let rule = ElementPolicy.valueRule(for: attributeName, of: name),
                  let raw = attribute(String(cString: rawName), of: node),
                  raw.utf8.count <= HTMLSanitizer.maximumAttributeLength,
                  let value = checked(raw, by: rule),
                  !kept.contains(where: { $0.0 == attributeName })
            else { continue }
            kept.append((attributeName, value))
        }
        switch name {
        case "a":
            guard kept.contains(where: { $0.0 == "href" }) else { return nil }
            kept.append(("rel", HTMLSanitizer.linkRelations))
        case "img":
            let source = kept.first { $0.0 == "src" }?.1 ?? kept.first { $0.0 == "srcset" }?.1
            guard let source,
                  !TrackingPixels.isPixel(url: source, width: attribute("width", of: node), height: attribute("height", of: node))
            else { return nil }
        default:
            break
        }
        return kept
    }

    private func checked(_ value: String, by rule: ElementPolicy.Value) -> String? {
        switch rule {
        case .text:
            return value
        case .number:
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= ElementPolicy.maximumNumberDigits, trimmed.allSatisfy(\.isASCIIDigit)
            else { return nil }
            return trimmed
        case .url(let use):
            return URLPolicy.safeURL(value, base: base, for: use)
        case .sourceSet:
            return SourceSet.sanitize(value, base: base)
        case .oneOf(let allowed):
            return allowed.contains(value) ? value : nil
        }
    }

    private func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { kawaraban_xml_free(value) }
        return String(cString: value)
    }
}

/// An image's `srcset`: every candidate URL through the same policy as `src`.
enum SourceSet {
    static func sanitize(_ value: String, base: URL?) -> String? {
        let candidates = candidates(in: value).compactMap { candidate -> String? in
            guard isDescriptor(candidate.descriptor),
                  let safe = URLPolicy.safeURL(candidate.url, base: base, for: .resource)
            else { return nil }
            return candidate.descriptor.isEmpty ? safe : "\(safe) \(candidate.descriptor)"
        }
        return candidates.isEmpty ? nil : candidates.joined(separator: ", ")
    }

    /// The candidates as a browser splits them: a run without spaces is the URL (commas at its end
    /// close the candidate), and its descriptors run to the next comma.
    static func candidates(in value: String) -> [(url: String, descriptor: String)] {
        var candidates: [(url: String, descriptor: String)] = []
        var rest = Substring(value)
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == "," }
            guard !rest.isEmpty else { return candidates }
            let url = rest.prefix { !$0.isWhitespace }
            rest = rest.dropFirst(url.count)
            if url.hasSuffix(",") {
                candidates.append((String(url.dropLast(url.reversed().prefix { $0 == "," }.count)), ""))
            } else {
                let descriptor = rest.prefix { $0 != "," }
                rest = rest.dropFirst(descriptor.count)
                candidates.append((String(url), descriptor.trimmingCharacters(in: .whitespaces)))
            }
        }
    }

    /// Empty, or a width (`640w`) or density (`1.5x`).
    private static func isDescriptor(_ descriptor: String) -> Bool {
        guard let unit = descriptor.last else { return true }
        let number = descriptor.dropLast()
        return (unit == "w" || unit == "x") && !number.isEmpty && number.count <= ElementPolicy.maximumNumberDigits
            && number.allSatisfy { $0.isASCIIDigit || $0 == "." } && number.filter { $0 == "." }.count <= 1
    }
}
