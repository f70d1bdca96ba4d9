import Foundation

/// Script and style bodies, cut out before parsing.
///
/// They are often half of a page's bytes (bundled code, inline JSON state, critical CSS), and
/// extraction never reads them, except JSON-LD, which holds the page's metadata. A body ends at
/// the first `</script` or `</style`, as the HTML parser ends it too; comments are stepped over,
/// so that a commented-out `<script` does not swallow the page.
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
                guard let element = rawTextElement(bytes, at: open),
                      let tagEnd = find(UInt8(ascii: ">"), in: bytes, from: open + 1)
                else {
                    index = open + 1
                    continue
                }
                let closing = findClosingTag(element, in: bytes, from: tagEnd + 1) ?? bytes.count
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

    /// "script" or "style" when a start tag of one begins at `index`.
    private static func rawTextElement(_ bytes: UnsafeRawBufferPointer, at index: Int) -> String? {
        for name in ["script", "style"] where startsIgnoringCase(bytes, at: index + 1, with: name) {
            let after = index + 1 + name.utf8.count
            guard after < bytes.count else { return nil }
            let next = bytes[after]
            if next == UInt8(ascii: ">") || next == UInt8(ascii: "/") || next == 0x20 || (0x09...0x0D).contains(next) { return name }
        }
        return nil
    }

    private static func isLinkedData(_ tag: Slice<UnsafeRawBufferPointer>) -> Bool {
        let lowered = tag.map { $0 | 0x20 }
        let marker = Array("ld+json".utf8)
        return lowered.count >= marker.count && (0...(lowered.count - marker.count)).contains { lowered[$0..<$0 + marker.count].elementsEqual(marker) }
    }

    private static func findClosingTag(_ element: String, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while let open = find(UInt8(ascii: "<"), in: bytes, from: index) {
            if open + 1 < bytes.count, bytes[open + 1] == UInt8(ascii: "/"), startsIgnoringCase(bytes, at: open + 2, with: element) {
                return open
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
