import Foundation

extension InjectionDetector {
    /// The text a page holds but does not show a reader: alt, title and aria-label attributes,
    /// and the text inside hidden elements. One pass over the bytes, no tree: a hidden element is
    /// followed by counting only the open and close tags of its own name, which is all that
    /// deciding where it ends needs, and what is collected is capped.
    enum HiddenPageText {
        /// Characters kept of one attribute value.
        static let maximumAttributeBytes = 2_000
        /// Elements whose content is not text a page shows (or that the detector reads).
        static let rawTextElements = Set(["script", "style", "template", "svg", "math"].map(NameKey.init))
        static let voidElements = Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                                       "param", "source", "track", "wbr"].map(NameKey.init))

        /// A tag or attribute name without an allocation: its first seven bytes, lower-cased, and
        /// its length. Distinct names share a key only past seven bytes, which no name here is.
        struct NameKey: Hashable {
            let value: UInt64

            init(_ bytes: ArraySlice<UInt8>) {
                var packed = UInt64(min(bytes.count, 255)) << 56
                var index = bytes.startIndex
                var shift: UInt64 = 0
                while index < bytes.endIndex && shift < 56 {
                    packed |= UInt64(lowercased(bytes[index])) << shift
                    index += 1
                    shift += 8
                }
                value = packed
            }

            init(_ name: String) { self.init(Array(name.utf8)[...]) }
        }

        /// The attributes the detector reads; every other attribute is skipped unread.
        enum Attribute {
            case channel(InjectionEvidence.Channel)
            case hidden, className, style
        }

        static let attributes: [NameKey: Attribute] = [
            NameKey("alt"): .channel(.altText), NameKey("title"): .channel(.titleAttribute),
            NameKey("aria-label"): .channel(.ariaLabel), NameKey("aria-description"): .channel(.ariaLabel),
            NameKey("hidden"): .hidden,
            NameKey("class"): .className, NameKey("style"): .style,
        ]
        /// Class names sites give text meant only for screen readers, or hidden by a style sheet.
        static let hidingClasses: Set<String> = ["sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text",
                                                 "screen-reader-only", "hidden", "hide", "d-none", "invisible"]
        static let whiteColours: Set<String> = ["#fff", "#ffffff", "white", "rgb(255,255,255)", "#fefefe", "transparent"]

        static func collect(from html: String) -> [(InjectionEvidence.Channel, String)] {
            let bytes = Array(html.utf8.prefix(InjectionDetector.maximumPageBytes))
            var collected: [(InjectionEvidence.Channel, String)] = []
            var budget = InjectionDetector.maximumHiddenScalars
            func keep(_ channel: InjectionEvidence.Channel, _ raw: ArraySlice<UInt8>) {
                guard budget > 0, raw.contains(where: { $0 > 0x20 }) else { return }
                let piece = raw.prefix(budget)
                budget -= piece.count
                collected.append((channel, decodeEntities(piece)))
            }
            // The hidden element being followed (innermost last) and how deep its own name nests.
            var hidden: [(name: NameKey, depth: Int)] = []
            var hiddenText: [UInt8] = []
            var index = 0
            while index < bytes.count, budget > 0 {
                guard bytes[index] == UInt8(ascii: "<"), index + 1 < bytes.count else {
                    if !hidden.isEmpty && hiddenText.count < budget { hiddenText.append(bytes[index]) }
                    index += 1
                    continue
                }
                let next = bytes[index + 1]
                if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                    if bytes[index...].starts(with: commentOpen) {
                        index = find(commentClose, in: bytes, from: index + 4).map { $0 + commentClose.count } ?? bytes.count
                    } else {
                        index = find(UInt8(ascii: ">"), in: bytes, from: index + 2).map { $0 + 1 } ?? bytes.count
                    }
                    continue
                }
                if next == UInt8(ascii: "/") {
                    let (name, afterName) = readName(bytes, from: index + 2)
                    index = find(UInt8(ascii: ">"), in: bytes, from: afterName).map { $0 + 1 } ?? bytes.count
                    if let top = hidden.last, top.name == name {
                        hidden[hidden.count - 1].depth -= 1
                        if hidden[hidden.count - 1].depth == 0 {
                            hidden.removeLast()
                            // A space, so that words either side of the element do not run together.
                            hiddenText.append(UInt8(ascii: " "))
                            if hidden.isEmpty {
                                keep(.hiddenText, hiddenText[...])
                                hiddenText.removeAll(keepingCapacity: true)
                            }
                        }
                    }
                    continue
                }
                guard isLetter(next) else {
                    if !hidden.isEmpty { hiddenText.append(bytes[index]) }
                    index += 1
                    continue
                }
                let tag = readTag(bytes, from: index + 1)
                index = tag.end
                for (attribute, value) in tag.attributes {
                    if case .channel(let channel) = attribute { keep(channel, value.prefix(maximumAttributeBytes)) }
                }
                if rawTextElements.contains(tag.name) {
                    index = findClosingTag(tag.name, in: bytes, from: index)
                    continue
                }
                if voidElements.contains(tag.name) || tag.selfClosing { continue }
                if let top = hidden.last, top.name == tag.name {
                    hidden[hidden.count - 1].depth += 1
                } else if hides(tag.attributes) {
                    hidden.append((tag.name, 1))
                }
            }
            keep(.hiddenText, hiddenText[...])
            return collected
        }

        /// Whether an element's own attributes hide it: `hidden`, an inline style that removes,
        /// shrinks, fades, moves off screen or whitens it, or a class named for hiding.
        static func hides(_ attributes: [(Attribute, ArraySlice<UInt8>)]) -> Bool {
            for (attribute, value) in attributes {
                switch attribute {
                case .hidden:
                    return true
                case .className:
                    let classes = String(decoding: value.prefix(maximumAttributeBytes), as: UTF8.self).lowercased()
                        .split(whereSeparator: { $0.isWhitespace })
                    if classes.contains(where: { hidingClasses.contains(String($0)) }) { return true }
                case .style:
                    if styleHides(String(decoding: value.prefix(maximumAttributeBytes), as: UTF8.self)) { return true }
                case .channel:
                    continue
                }
            }
            return false
        }

        static func styleHides(_ style: String) -> Bool {
            var declarations: [String: String] = [:]
            for declaration in style.lowercased().split(separator: ";") {
                let parts = declaration.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let value = parts[1].filter { !$0.isWhitespace }.replacingOccurrences(of: "!important", with: "")
                declarations[parts[0].trimmingCharacters(in: .whitespaces)] = value
            }
            func number(_ value: String?) -> Double? {
                value.flatMap { Double($0.prefix { $0.isNumber || $0 == "." || $0 == "-" }) }
            }
            if declarations["display"] == "none" || declarations["visibility"] == "hidden" { return true }
            if let opacity = number(declarations["opacity"]), opacity <= 0.05 { return true }
            if let size = number(declarations["font-size"]), size <= 1 { return true }
            for offset in ["left", "top", "text-indent", "margin-left"] {
                if let value = number(declarations[offset]), value <= -999 { return true }
            }
            if let colour = declarations["color"] {
                let background = declarations["background-color"] ?? declarations["background"]
                if colour == background || (whiteColours.contains(colour) && (background.map(whiteColours.contains) ?? true)) {
                    return true
                }
            }
            return false
        }

        struct Tag {
            var name: NameKey
            var attributes: [(Attribute, ArraySlice<UInt8>)]
            var selfClosing: Bool
            var end: Int
        }

        /// The start tag whose name begins at `start`, read to its `>`; quoted values may hold `>`.
        static func readTag(_ bytes: [UInt8], from start: Int) -> Tag {
            let (name, afterName) = readName(bytes, from: start)
            var tag = Tag(name: name, attributes: [], selfClosing: false, end: bytes.count)
            var index = afterName
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ">") {
                    tag.end = index + 1
                    tag.selfClosing = index > start && bytes[index - 1] == UInt8(ascii: "/")
                    return tag
                }
                guard !isSpace(byte), byte != UInt8(ascii: "/") else {
                    index += 1
                    continue
                }
                var nameEnd = index
                while nameEnd < bytes.count, !isSpace(bytes[nameEnd]), bytes[nameEnd] != UInt8(ascii: "="),
                      bytes[nameEnd] != UInt8(ascii: ">"), bytes[nameEnd] != UInt8(ascii: "/") {
                    nameEnd += 1
                }
                let attribute = attributes[NameKey(bytes[index..<nameEnd])]
                index = nameEnd
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                    if let attribute { tag.attributes.append((attribute, [])) }
                    continue
                }
                index += 1
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                guard index < bytes.count else { break }
                let quote = bytes[index]
                if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                    let close = find(quote, in: bytes, from: index + 1) ?? bytes.count
                    if let attribute { tag.attributes.append((attribute, bytes[(index + 1)..<close])) }
                    index = min(close + 1, bytes.count)
                } else {
                    var valueEnd = index
                    while valueEnd < bytes.count, !isSpace(bytes[valueEnd]), bytes[valueEnd] != UInt8(ascii: ">") { valueEnd += 1 }
                    if let attribute { tag.attributes.append((attribute, bytes[index..<valueEnd])) }
                    index = valueEnd
                }
            }
            return tag
        }

        static func readName(_ bytes: [UInt8], from start: Int) -> (NameKey, Int) {
            var end = start
            while end < bytes.count, isLetter(bytes[end]) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end])
                    || bytes[end] == UInt8(ascii: "-") {
                end += 1
            }
            return (NameKey(bytes[start..<end]), end)
        }

        /// The index after `</name …>`, found without regard to case; the end when there is none.
        static func findClosingTag(_ name: NameKey, in bytes: [UInt8], from start: Int) -> Int {
            var index = start
            while let open = find(endTagOpen, in: bytes, from: index) {
                let (found, afterName) = readName(bytes, from: open + 2)
                if found == name { return find(UInt8(ascii: ">"), in: bytes, from: afterName).map { $0 + 1 } ?? bytes.count }
                index = open + 2
            }
            return bytes.count
        }

        static let commentOpen = Array("<!--".utf8)
        static let commentClose = Array("-->".utf8)
        static let endTagOpen = Array("</".utf8)

        static func find(_ byte: UInt8, in bytes: [UInt8], from start: Int) -> Int? {
            guard start < bytes.count else { return nil }
            return bytes[start...].firstIndex(of: byte)
        }

        /// The first index of `needle` at or after `start`. Needles are at most four bytes, so this
        /// is linear in what it passes over.
        static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
            guard let first = needle.first, start < bytes.count else { return nil }
            var index = start
            while index + needle.count <= bytes.count {
                if bytes[index] == first && bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
                index += 1
            }
            return nil
        }

        /// Character references: numeric ones and the few named ones text is written with.
        static func decodeEntities(_ bytes: ArraySlice<UInt8>) -> String {
            let text = String(decoding: bytes, as: UTF8.self)
            guard text.contains("&") else { return text }
            var result = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                result += rest[..<amp]
                let reference = rest[amp...].prefix(12)
                if let semicolon = reference.firstIndex(of: ";"), let decoded = decodeReference(rest[rest.index(after: amp)..<semicolon]) {
                    result.unicodeScalars.append(decoded)
                    rest = rest[rest.index(after: semicolon)...]
                } else {
                    result += "&"
                    rest = rest[rest.index(after: amp)...]
                }
            }
            return result + rest
        }

        static let namedReferences: [Substring: Unicode.Scalar] = [
            "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ",
        ]

        static func decodeReference(_ name: Substring) -> Unicode.Scalar? {
            if name.hasPrefix("#x") || name.hasPrefix("#X") { return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
            if name.hasPrefix("#") { return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init) }
            return namedReferences[name]
        }

        static func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
        }

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
        }

        static func lowercased(_ byte: UInt8) -> UInt8 {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
        }
    }
}
