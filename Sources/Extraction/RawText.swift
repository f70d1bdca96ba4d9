import Foundation

/// Script, style and inline SVG bodies, cut out before parsing.
///
/// Scripts and styles are often half of a page's bytes (bundled code, inline JSON state,
/// critical CSS), and extraction never reads them, except JSON-LD, which holds the page's
/// metadata. A script or style body ends at the first `</script` or `</style`, as the HTML
/// parser ends it too. SVG icons and drawings are dropped from every reading, and their long
/// path attributes are the slowest markup for the parser to read; an SVG body ends at the
/// `</svg` that closes it, counting nested ones, and a self-closed `<svg/>` has none. Comments
/// are stepped over, so that a commented-out `<script` does not swallow the page.
enum RawText {
    static func withoutUnreadBodies(_ data: Data) -> Data {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Data in
            var kept: [Range<Int>] = []
            var copiedFrom = 0
            var index = 0
            while let open = find(UInt8(ascii: "<"), in: bytes, from: index) {
                if starts(bytes, at: open, with: "<!--") {
                    index = (findSequence("-->", in: bytes, from: open + 4) ?? bytes.count - 3) + 3
                    continue
                }
                guard let element = unreadElement(bytes, at: open),
                      let tagEnd = find(UInt8(ascii: ">"), in: bytes, from: open + 1),
                      !(element == "svg" && isSelfClosed(bytes, at: open))
                else {
                    index = open + 1
                    continue
                }
                let closing = findClosingTag(element, nested: element == "svg", in: bytes, from: tagEnd + 1) ?? bytes.count
                if !(element == "script" && isLinkedData(bytes[open...tagEnd])) {
                    kept.append(copiedFrom..<(tagEnd + 1))
                    copiedFrom = closing
                }
                index = closing
            }
            guard !kept.isEmpty else { return data }
            kept.append(copiedFrom..<bytes.count)
            var result = Data(capacity: kept.reduce(0) { $0 + $1.count })
            for range in kept { result.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range])) }
            return result
        }
    }

    /// "script", "style" or "svg" when a start tag of one begins at `index`.
    private static func unreadElement(_ bytes: UnsafeRawBufferPointer, at index: Int) -> String? {
        ["script", "style", "svg"].first { startsTag($0, in: bytes, at: index + 1) }
    }

    /// Whether the tag name `name` begins at `index` and ends there, as `<svg>` but not `<svgx>`.
    private static func startsTag(_ name: String, in bytes: UnsafeRawBufferPointer, at index: Int) -> Bool {
        guard startsIgnoringCase(bytes, at: index, with: name) else { return false }
        let after = index + name.utf8.count
        guard after < bytes.count else { return false }
        let next = bytes[after]
        return next == UInt8(ascii: ">") || next == UInt8(ascii: "/") || next == 0x20 || (0x09...0x0D).contains(next)
    }

    private static func isLinkedData(_ tag: Slice<UnsafeRawBufferPointer>) -> Bool {
        let lowered = tag.map { $0 | 0x20 }
        let marker = Array("ld+json".utf8)
        return lowered.count >= marker.count && (0...(lowered.count - marker.count)).contains { lowered[$0..<$0 + marker.count].elementsEqual(marker) }
    }

    /// Whether the tag that begins at `index` ends with `/>`.
    private static func isSelfClosed(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Bool {
        guard let tagEnd = find(UInt8(ascii: ">"), in: bytes, from: index + 1) else { return false }
        return bytes[tagEnd - 1] == UInt8(ascii: "/")
    }

    /// Where the end tag of `element` begins; when `nested`, end tags of inner elements of the
    /// same name are passed over.
    private static func findClosingTag(_ element: String, nested: Bool, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        var depth = 0
        while let open = find(UInt8(ascii: "<"), in: bytes, from: index) {
            if open + 1 < bytes.count, bytes[open + 1] == UInt8(ascii: "/"), startsIgnoringCase(bytes, at: open + 2, with: element) {
                if depth == 0 { return open }
                depth -= 1
            } else if nested, startsTag(element, in: bytes, at: open + 1), !isSelfClosed(bytes, at: open) {
                depth += 1
            }
            index = open + 1
        }
        return nil
    }

    private static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    private static func findSequence(_ sequence: String, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        let first = sequence.utf8.first!
        var index = start
        while let candidate = find(first, in: bytes, from: index) {
            if starts(bytes, at: candidate, with: sequence) { return candidate }
            index = candidate + 1
        }
        return nil
    }

    private static func starts(_ bytes: UnsafeRawBufferPointer, at index: Int, with text: String) -> Bool {
        let pattern = text.utf8
        guard index + pattern.count <= bytes.count else { return false }
        return zip(bytes[index..<index + pattern.count], pattern).allSatisfy { $0 == $1 }
    }

    /// ASCII case folding; `text` is lower case.
    private static func startsIgnoringCase(_ bytes: UnsafeRawBufferPointer, at index: Int, with text: String) -> Bool {
        let pattern = text.utf8
        guard index + pattern.count <= bytes.count else { return false }
        return zip(bytes[index..<index + pattern.count], pattern).allSatisfy { $0 | 0x20 == $1 }
    }
}
