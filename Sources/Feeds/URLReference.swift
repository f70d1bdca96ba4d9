import Foundation

/// Relative references made absolute (RFC 3986, section 5.2) on the strings themselves: faster than
/// Foundation's URL for the thousands of links a feed holds, and IRIs ("http://例え.jp/à") keep their
/// characters instead of coming back percent-encoded.
enum URLReference {
    /// `reference` made absolute against `base`; unchanged when it already is absolute or `base` is not.
    static func resolve(_ reference: String, against base: String) -> String {
        Resolver(base: base).resolve(reference)
    }

    /// One base, read once, for the many links of one piece of content.
    struct Resolver {
        private let base: Parts?

        init(base: String) {
            let parts = Parts(base)
            self.base = parts?.scheme == nil ? nil : parts
        }

        func resolve(_ reference: String) -> String {
            let reference = FeedText.trim(reference)
            guard let base, URLReference.scheme(of: reference) == nil, let parts = Parts(reference) else { return reference }
            return URLReference.resolve(parts, against: base)
        }
    }

    private static func resolve(_ parts: Parts, against baseParts: Parts) -> String {
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
    static func scheme(of text: String) -> Substring? { scheme(of: Substring(text)) }

    static func scheme(of text: Substring) -> Substring? {
        guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let candidate = text[..<colon]
        guard let first = candidate.utf8.first, FeedText.isLetter(first),
              candidate.utf8.allSatisfy({ FeedText.isLetter($0) || (0x30...0x39).contains($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { return nil }
        return candidate
    }

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
            if let hash = rest.utf8.firstIndex(of: UInt8(ascii: "#")) {
                fragment = rest[rest.index(after: hash)...]
                rest = rest[..<hash]
            }
            if let question = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
                query = rest[rest.index(after: question)...]
                rest = rest[..<question]
            }
            if let scheme = URLReference.scheme(of: rest) {
                self.scheme = scheme
                rest = rest.dropFirst(scheme.count + 1)
            }
            if rest.utf8.starts(with: [UInt8(ascii: "/"), UInt8(ascii: "/")]) {
                let afterSlashes = rest.dropFirst(2)
                let end = afterSlashes.utf8.firstIndex(of: UInt8(ascii: "/")) ?? afterSlashes.endIndex
                authority = afterSlashes[..<end]
                rest = afterSlashes[end...]
            }
            path = String(rest)
        }

        var text: String {
            var output = ""
            output.reserveCapacity((scheme?.utf8.count ?? 0) + (authority?.utf8.count ?? 0) + path.utf8.count
                                   + (query?.utf8.count ?? 0) + (fragment?.utf8.count ?? 0) + 5)
            if let scheme {
                output += scheme
                output += ":"
            }
            if let authority {
                output += "//"
                output += authority
            }
            output += path
            if let query {
                output += "?"
                output += query
            }
            if let fragment {
                output += "#"
                output += fragment
            }
            return output
        }
    }

    /// Whether a segment of the path is "." or "..": most paths have a dot only in a file name
    /// ("post.html"), and splitting them would be wasted work.
    private static func hasDotSegment(_ path: String) -> Bool {
        var atSegmentStart = true
        var dots = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                if dots > 0 { return true }
                atSegmentStart = true
            } else if byte == UInt8(ascii: "."), atSegmentStart, dots < 2 {
                dots += 1
                continue
            } else {
                atSegmentStart = false
            }
            dots = 0
        }
        return dots > 0
    }

    private static func merge(_ base: Parts, _ path: String) -> String {
        if base.authority != nil && base.path.isEmpty { return "/" + path }
        guard let slash = base.path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return base.path[...slash] + path
    }

    private static func removeDotSegments(_ path: String) -> String {
        guard hasDotSegment(path) else { return path }
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
    static let urlAttributes: [[UInt8]] = ["href", "src", "action", "background", "cite", "codebase", "data", "longdesc",
                                           "poster", "usemap"].map { Array($0.utf8) }

    static func resolve(_ html: String, against base: String) -> String {
        guard FeedText.contains(html, UInt8(ascii: "=")) else { return html }
        let resolver = URLReference.Resolver(base: base)
        var scanned = html
        let replacements = scanned.withUTF8 { bytes in
            var replacements: [(range: Range<Int>, value: String)] = []
            var index = 0
            var insideTag = false
            while index < bytes.count {
                let byte = bytes[index]
                if !insideTag {
                    // Outside tags only "<" matters; memchr finds it.
                    guard let next = memchr(bytes.baseAddress! + index, Int32(UInt8(ascii: "<")), bytes.count - index) else { break }
                    index = UnsafePointer<UInt8>(next.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! + 1
                    insideTag = index < bytes.count && FeedText.isLetter(bytes[index])
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
                let isURLAttribute = isURLAttributeName(bytes[nameStart..<index])
                var cursor = index
                while cursor < bytes.count, isSpace(bytes[cursor]) { cursor += 1 }
                guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else { continue }
                cursor += 1
                while cursor < bytes.count, isSpace(bytes[cursor]) { cursor += 1 }
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
                    while end < bytes.count, !isSpace(bytes[end]), bytes[end] != UInt8(ascii: ">") { end += 1 }
                    valueEnd = end
                    index = end
                }
                guard isURLAttribute else { continue }
                let value = HTMLEntities.decode(String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self))
                guard URLReference.scheme(of: FeedText.trim(value)) == nil else { continue }
                replacements.append((valueStart..<valueEnd, FeedText.escapeAttribute(resolver.resolve(value))))
            }
            return replacements
        }
        guard !replacements.isEmpty else { return html }
        // Every boundary is next to an ASCII quote, space, "=" or ">", so the pieces between are
        // whole characters of `html` and are copied as they are, not decoded again.
        let utf8 = html.utf8
        var output = ""
        output.reserveCapacity(utf8.count + replacements.reduce(0) { $0 + $1.value.utf8.count })
        var copiedUpTo = utf8.startIndex
        for replacement in replacements {
            let valueStart = utf8.index(utf8.startIndex, offsetBy: replacement.range.lowerBound)
            output += html[copiedUpTo..<valueStart]
            output += replacement.value
            copiedUpTo = utf8.index(utf8.startIndex, offsetBy: replacement.range.upperBound)
        }
        output += html[copiedUpTo...]
        return output
    }

    private static func isURLAttributeName(_ name: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        urlAttributes.contains { candidate in
            candidate.count == name.count && zip(candidate, name).allSatisfy { $0 == ($1 | 0x20) }
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        FeedText.isLetter(byte) || (0x30...0x39).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_")
    }
}
