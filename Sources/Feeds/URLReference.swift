/// Relative references made absolute (RFC 3986, section 5.2) on the strings themselves: faster than
/// Foundation's URL for the thousands of links a feed holds, and IRIs ("http://例え.jp/à") keep their
/// characters instead of coming back percent-encoded.
enum URLReference {
    /// `reference` made absolute against `base`; unchanged when it already is absolute or `base` is not.
    static func resolve(_ reference: String, against base: String) -> String {
        let reference = FeedText.trim(reference)
        if scheme(of: reference) != nil { return reference }
        guard let baseParts = Parts(base), baseParts.scheme != nil else { return reference }
        guard let parts = Parts(reference) else { return reference }
        var result = Parts(scheme: baseParts.scheme, authority: nil, path: "", query: nil, fragment: parts.fragment)
        if let authority = parts.authority {
            result.authority = authority
            result.path = removeDotSegments(parts.path)
            result.query = parts.query
        } else {
            result.authority = baseParts.authority
            if parts.path.isEmpty {
                result.path = baseParts.path
                result.query = parts.query ?? baseParts.query
            } else {
                result.path = removeDotSegments(parts.path.hasPrefix("/") ? parts.path : merge(baseParts, parts.path))
                result.query = parts.query
            }
        }
        return result.text
    }

    /// The scheme when `text` starts with one ("https:"), else nil.
    static func scheme(of text: String) -> Substring? {
        guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let candidate = text[..<colon]
        guard let first = candidate.utf8.first, isLetter(first),
              candidate.utf8.allSatisfy({ isLetter($0) || isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { return nil }
        return candidate
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private struct Parts {
        var scheme: Substring?
        var authority: Substring?
        var path: String
        var query: Substring?
        var fragment: Substring?

        init(scheme: Substring?, authority: Substring?, path: String, query: Substring?, fragment: Substring?) {
            self.scheme = scheme
            self.authority = authority
            self.path = path
            self.query = query
            self.fragment = fragment
        }

        init?(_ text: String) {
            var rest = Substring(text)
            if let hash = rest.firstIndex(of: "#") {
                fragment = rest[rest.index(after: hash)...]
                rest = rest[..<hash]
            }
            if let question = rest.firstIndex(of: "?") {
                query = rest[rest.index(after: question)...]
                rest = rest[..<question]
            }
            if let scheme = URLReference.scheme(of: String(rest)) {
                self.scheme = scheme
                rest = rest.dropFirst(scheme.count + 1)
            }
            if rest.hasPrefix("//") {
                let afterSlashes = rest.dropFirst(2)
                let end = afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex
                authority = afterSlashes[..<end]
                rest = afterSlashes[end...]
            }
            path = String(rest)
        }

        var text: String {
            var output = ""
            if let scheme { output += scheme + ":" }
            if let authority { output += "//" + authority }
            output += path
            if let query { output += "?" + query }
            if let fragment { output += "#" + fragment }
            return output
        }
    }

    private static func merge(_ base: Parts, _ path: String) -> String {
        if base.authority != nil && base.path.isEmpty { return "/" + path }
        guard let slash = base.path.lastIndex(of: "/") else { return path }
        return base.path[...slash] + path
    }

    private static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if output.count > 1 || (output.count == 1 && !output[0].isEmpty) { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        let joined = output.joined(separator: "/")
        return path.hasPrefix("/") && !joined.hasPrefix("/") ? "/" + joined : joined
    }
}

/// Relative links and image sources inside HTML made absolute, so content reads the same wherever
/// it is shown. A byte scan over the markup, not a parse: attribute values that hold URLs are
/// rewritten, everything else is copied as it is.
enum HTMLReferences {
    /// HTML attributes whose value is one URL.
    static let urlAttributes: Set<String> = [
        "href", "src", "action", "background", "cite", "codebase", "data", "longdesc", "poster", "usemap",
    ]

    static func resolve(_ html: String, against base: String) -> String {
        let bytes = Array(html.utf8)
        var output: [UInt8] = []
        var copiedUpTo = 0
        var index = 0
        var insideTag = false
        while index < bytes.count {
            let byte = bytes[index]
            if !insideTag {
                insideTag = byte == UInt8(ascii: "<") && index + 1 < bytes.count && isNameByte(bytes[index + 1])
                index += 1
                continue
            }
            if byte == UInt8(ascii: ">") {
                insideTag = false
                index += 1
                continue
            }
            guard isNameByte(byte) else {
                index += 1
                continue
            }
            // An attribute name, then perhaps `= value`.
            let nameStart = index
            while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
            var cursor = index
            while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x0A || bytes[cursor] == 0x09 { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else { continue }
            cursor += 1
            while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x0A || bytes[cursor] == 0x09 { cursor += 1 }
            guard cursor < bytes.count else { break }
            let quote = bytes[cursor]
            let valueStart: Int, valueEnd: Int
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                valueStart = cursor + 1
                valueEnd = bytes[valueStart...].firstIndex(of: quote) ?? bytes.count
                index = min(valueEnd + 1, bytes.count)
            } else {
                valueStart = cursor
                var end = cursor
                while end < bytes.count, bytes[end] != 0x20, bytes[end] != UInt8(ascii: ">") { end += 1 }
                valueEnd = end
                index = end
            }
            guard urlAttributes.contains(name) else { continue }
            let value = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
            let decoded = HTMLEntities.decode(value)
            guard URLReference.scheme(of: FeedText.trim(decoded)) == nil else { continue }
            let resolved = URLReference.resolve(decoded, against: base)
            output += bytes[copiedUpTo..<valueStart]
            output += Array(FeedText.escapeAttribute(resolved).utf8)
            copiedUpTo = valueEnd
        }
        guard copiedUpTo > 0 else { return html }
        output += bytes[copiedUpTo...]
        return String(decoding: output, as: UTF8.self)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_")
    }
}
