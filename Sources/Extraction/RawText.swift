import Foundation

/// A page's markup cut down before libxml2 reads it, in one pass over its bytes.
///
/// Script, style and inline SVG bodies are cut out. Scripts and styles are often half of a
/// page's bytes (bundled code, inline JSON state, critical CSS), and extraction never reads
/// them, except JSON-LD, which holds the page's metadata. A script or style body ends at the
/// first `</script` or `</style`, as the HTML parser ends it too. SVG icons and drawings are
/// dropped from every reading, and their long path attributes are the slowest markup for the
/// parser to read; an SVG body ends at the `</svg` that closes it, counting nested ones, and a
/// self-closed `<svg/>` has none. Comments are stepped over, so that a commented-out `<script`
/// does not swallow the page.
///
/// Start tags keep their first `maximumAttributes` attributes: libxml2 2.9 compares each
/// attribute of a tag with every one before it, so one tag of 100,000 attributes takes it
/// minutes. A start tag is read as the parser reads it (a quoted value may hold `>` and `<`),
/// and the scan goes on after its end, so every byte is looked at a bounded number of times,
/// whatever the page. The code walks raw bytes with plain loops: it runs over hostile pages of
/// millions of tags, in debug builds too.
enum RawText {
    /// No real tag has this many attributes; a tag with more keeps only these.
    static let maximumAttributes = 64

    static func prepared(_ data: Data) -> Data {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Data in
            var scanner = Scanner(bytes)
            var output = Output(bytes)
            let count = bytes.count
            var index = 0
            while let open = scanner.find(Byte.lessThan, from: index) {
                output.repairReferences(in: index..<open, scanner)
                let next = open + 1 < count ? bytes[open + 1] : 0
                if next == Byte.exclamation && scanner.starts(at: open, with: "<!--") {
                    index = scanner.findCommentEnd(from: open + 4).map { $0 + 3 } ?? count
                    continue
                }
                guard Byte.isLetter(next) else {
                    index = open + 1
                    continue
                }
                let tag = scanner.startTag(at: open)
                if let cut = tag.cut { output.leaveOut(cut..<tag.end) }
                guard tag.end < count, let element = scanner.unreadElement(named: (open + 1)..<tag.nameEnd),
                      !(element == .svg && bytes[tag.end - 1] == Byte.slash)
                else {
                    index = tag.end + 1
                    continue
                }
                let closing = scanner.findClosingTag(element, from: tag.end + 1) ?? count
                if !(element == .script && scanner.containsIgnoringCase("ld+json", in: open..<tag.end)) {
                    output.leaveOut((tag.end + 1)..<closing)
                }
                index = closing
            }
            output.repairReferences(in: min(index, count)..<count, scanner)
            return output.finished() ?? data
        }
    }

    /// Text may hold this many references that need a repair, each repaired; later ones are
    /// left out. libxml2 2.9 formats an error message for each one, which made a page of 16 MiB
    /// of `&` take seconds, and a repair grows the page by at most four bytes. No article has this many.
    static let maximumRepairedReferences = 100_000

    /// The prepared page, written only once it differs from the input: cuts shrink it, and
    /// repairs grow it by at most four bytes each, so it is allocated once.
    struct Output {
        let bytes: UnsafeRawBufferPointer
        private var buffer: UnsafeMutableRawBufferPointer?
        private var written = 0
        /// Input before this is written or left out.
        private var copiedFrom = 0
        private(set) var repairs = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        /// The input's bytes in `range` do not reach the parser.
        mutating func leaveOut(_ range: Range<Int>) {
            copy(upTo: range.lowerBound)
            copiedFrom = range.upperBound
        }

        /// Every `&` in text that libxml2 would report as an error is rewritten to what libxml2
        /// makes of it, read without an error: a stray `&` (no name and `;` after it) becomes
        /// `&amp;`, a character reference without its `;` gets one, and one that stands for no
        /// character is left out, as libxml2 leaves it out.
        mutating func repairReferences(in range: Range<Int>, _ scanner: Scanner) {
            var index = range.lowerBound
            while let ampersand = scanner.find(Byte.ampersand, from: index, to: range.upperBound) {
                // Each `&` of a run but the last is followed by `&`, so stray: a run is repaired
                // at once rather than one `&` at a time.
                var last = ampersand
                while last + 1 < range.upperBound && bytes[last + 1] == Byte.ampersand { last += 1 }
                repairStrayAmpersands(ampersand..<last)
                index = last + 1
                if let reference = scanner.characterReference(at: last) {
                    index = reference.end
                    if reference.isCharacter && reference.hasSemicolon { continue }
                    if reference.isCharacter && repairs < RawText.maximumRepairedReferences {
                        repairs += 1
                        copy(upTo: reference.end)
                        write(";")
                    } else {
                        leaveOut(last..<reference.end)
                    }
                } else if !scanner.startsNamedReference(at: last) {
                    repairStrayAmpersands(last..<index)
                }
            }
        }

        /// Escapes the `&` at each position of `run`, as far as the repairs allowed go, and leaves out the rest.
        private mutating func repairStrayAmpersands(_ run: Range<Int>) {
            var position = run.lowerBound
            while position < run.upperBound && repairs < RawText.maximumRepairedReferences {
                copy(upTo: position + 1)
                write("amp;")
                repairs += 1
                position += 1
            }
            if position < run.upperBound { leaveOut(position..<run.upperBound) }
        }

        /// The prepared page, or nil when it is the input unchanged.
        mutating func finished() -> Data? {
            guard buffer != nil else { return nil }
            copy(upTo: bytes.count)
            guard let base = buffer?.baseAddress else { return Data() }
            return Data(bytesNoCopy: base, count: written, deallocator: .custom { pointer, _ in pointer.deallocate() })
        }

        /// Pointers and counts rather than slices: this runs for every `&` of a hostile page, in debug builds too.
        private mutating func copy(upTo end: Int) {
            let target = allocated()
            guard end > copiedFrom, let source = bytes.baseAddress else { return }
            (target.baseAddress! + written).copyMemory(from: source + copiedFrom, byteCount: end - copiedFrom)
            written += end - copiedFrom
            copiedFrom = end
        }

        private mutating func write(_ literal: StaticString) {
            let target = allocated()
            (target.baseAddress! + written).copyMemory(from: literal.utf8Start, byteCount: literal.utf8CodeUnitCount)
            written += literal.utf8CodeUnitCount
        }

        private mutating func allocated() -> UnsafeMutableRawBufferPointer {
            if let buffer { return buffer }
            let capacity = max(1, bytes.count + 4 * RawText.maximumRepairedReferences)
            let made = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
            buffer = made
            return made
        }
    }

    /// Elements whose bodies are cut out.
    enum UnreadElement {
        case script, style, svg

        var name: StaticString {
            switch self {
            case .script: return "script"
            case .style: return "style"
            case .svg: return "svg"
            }
        }

        /// Whether the body ends at the matching end tag, counting nested ones, rather than at the first.
        var nests: Bool { self == .svg }
    }

    /// A start tag as the HTML parser reads it.
    struct StartTag {
        /// One past the tag name's last byte.
        var nameEnd: Int
        /// Where its closing `>` is; the end of the page when it has none.
        var end: Int
        /// Where the attributes past `maximumAttributes` begin, when there are more.
        var cut: Int?
    }

    /// A character reference as libxml2 reads it.
    struct CharacterReference {
        /// One past its last byte, its `;` included.
        var end: Int
        var hasSemicolon: Bool
        /// Whether it stands for a character XML allows; libxml2 drops one that does not.
        var isCharacter: Bool

        static let beyondUnicode = 0x110000

        static func isXMLCharacter(_ value: Int) -> Bool {
            value == 0x9 || value == 0xA || value == 0xD || (value >= 0x20 && value <= 0xD7FF)
                || (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value < beyondUnicode)
        }
    }

    enum Byte {
        static let lessThan: UInt8 = 0x3C
        static let greaterThan: UInt8 = 0x3E
        static let slash: UInt8 = 0x2F
        static let exclamation: UInt8 = 0x21
        static let equals: UInt8 = 0x3D
        static let doubleQuote: UInt8 = 0x22
        static let singleQuote: UInt8 = 0x27
        static let hyphen: UInt8 = 0x2D
        static let ampersand: UInt8 = 0x26
        static let hash: UInt8 = 0x23
        static let semicolon: UInt8 = 0x3B

        /// A byte libxml2 may read as part of an entity name: ASCII letters, digits and `.-_:`,
        /// and any byte of a non-ASCII character, which covers the Unicode letters it accepts.
        static func isNameByte(_ byte: UInt8) -> Bool {
            isLetter(byte) || byte >= 0x80 || (byte >= 0x30 && byte <= 0x3A) || byte == 0x2E || byte == hyphen || byte == 0x5F
        }

        static func isLetter(_ byte: UInt8) -> Bool {
            let folded = byte | 0x20
            return folded >= 0x61 && folded <= 0x7A
        }

        static func digitValue(_ byte: UInt8, hex: Bool) -> Int? {
            if byte >= 0x30 && byte <= 0x39 { return Int(byte - 0x30) }
            let folded = byte | 0x20
            return hex && folded >= 0x61 && folded <= 0x66 ? Int(folded - 0x61 + 10) : nil
        }
    }

    struct Scanner {
        let bytes: UnsafeRawBufferPointer
        let count: Int
        /// The last `>` found and where that search began: a later search from between the two
        /// finds it again without rereading the bytes, so that many `<svg` without a `>` stay linear.
        private var tagEndSearch = (from: Int.max, found: Int?.none)

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
            count = bytes.count
        }

        func find(_ byte: UInt8, from start: Int) -> Int? {
            find(byte, from: start, to: count)
        }

        func find(_ byte: UInt8, from start: Int, to end: Int) -> Int? {
            guard start < end, let base = bytes.baseAddress else { return nil }
            guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }

        /// Whether the `&` at `index` starts a name followed by `;`, which libxml2 reads without
        /// an error (an unknown name is then kept as written).
        func startsNamedReference(at index: Int) -> Bool {
            var cursor = index + 1
            guard cursor < count else { return false }
            let first = bytes[cursor]
            guard Byte.isLetter(first) || first >= 0x80 || first == 0x5F || first == 0x3A else { return false }
            while cursor < count && Byte.isNameByte(bytes[cursor]) { cursor += 1 }
            return cursor < count && bytes[cursor] == Byte.semicolon
        }

        /// The character reference (`&#` and decimal digits, or `&#x` and hex digits) whose `&`
        /// is at `index`, read as libxml2 2.9 reads it: as many digits as follow, then a `;` if
        /// there is one.
        func characterReference(at index: Int) -> CharacterReference? {
            guard index + 1 < count, bytes[index + 1] == Byte.hash else { return nil }
            let isHex = index + 2 < count && bytes[index + 2] | 0x20 == 0x78
            var cursor = index + (isHex ? 3 : 2)
            var value = 0
            var digits = 0
            while cursor < count, let digit = Byte.digitValue(bytes[cursor], hex: isHex) {
                value = min(value * (isHex ? 16 : 10) + digit, CharacterReference.beyondUnicode)
                digits += 1
                cursor += 1
            }
            let hasSemicolon = cursor < count && bytes[cursor] == Byte.semicolon
            return CharacterReference(end: hasSemicolon ? cursor + 1 : cursor, hasSemicolon: hasSemicolon,
                                      isCharacter: digits > 0 && CharacterReference.isXMLCharacter(value))
        }

        /// Where the `-->` that ends a comment begins.
        func findCommentEnd(from start: Int) -> Int? {
            var index = start
            while let candidate = find(Byte.hyphen, from: index) {
                if starts(at: candidate, with: "-->") { return candidate }
                index = candidate + 1
            }
            return nil
        }

        /// Reads the start tag whose `<` is at `open` and whose name begins after it, counting
        /// its attributes the way the parser splits them.
        func startTag(at open: Int) -> StartTag {
            var index = open + 1
            while index < count && !UTF8Text.isASCIIWhiteSpace(bytes[index]) && bytes[index] != Byte.slash && bytes[index] != Byte.greaterThan {
                index += 1
            }
            let nameEnd = index
            var attributes = 0
            var cut: Int?
            while true {
                while index < count && (UTF8Text.isASCIIWhiteSpace(bytes[index]) || bytes[index] == Byte.slash) { index += 1 }
                guard index < count, bytes[index] != Byte.greaterThan else { break }
                let attributeStart = index
                // A name's first byte may be anything, `=` included; the rest runs to a space, `/`, `>` or `=`.
                index += 1
                while index < count && !UTF8Text.isASCIIWhiteSpace(bytes[index]) && bytes[index] != Byte.slash
                    && bytes[index] != Byte.greaterThan && bytes[index] != Byte.equals {
                    index += 1
                }
                var afterName = index
                while afterName < count && UTF8Text.isASCIIWhiteSpace(bytes[afterName]) { afterName += 1 }
                if afterName < count && bytes[afterName] == Byte.equals {
                    index = afterName + 1
                    while index < count && UTF8Text.isASCIIWhiteSpace(bytes[index]) { index += 1 }
                    if index < count && (bytes[index] == Byte.doubleQuote || bytes[index] == Byte.singleQuote) {
                        index = find(bytes[index], from: index + 1).map { $0 + 1 } ?? count
                    } else {
                        while index < count && !UTF8Text.isASCIIWhiteSpace(bytes[index]) && bytes[index] != Byte.greaterThan { index += 1 }
                    }
                }
                attributes += 1
                if attributes == RawText.maximumAttributes + 1 { cut = attributeStart }
            }
            return StartTag(nameEnd: nameEnd, end: index, cut: cut)
        }

        /// The element whose body is cut, when `name` is one.
        func unreadElement(named name: Range<Int>) -> UnreadElement? {
            let element: UnreadElement
            switch name.count {
            case 6: element = .script
            case 5: element = .style
            case 3: element = .svg
            default: return nil
            }
            return startsIgnoringCase(at: name.lowerBound, with: element.name) ? element : nil
        }

        /// Where the end tag of `element` begins; when it nests, end tags of inner elements of
        /// the same name are passed over.
        mutating func findClosingTag(_ element: UnreadElement, from start: Int) -> Int? {
            let name = element.name
            var index = start
            var depth = 0
            while let open = find(Byte.lessThan, from: index) {
                if open + 1 < count && bytes[open + 1] == Byte.slash && startsIgnoringCase(at: open + 2, with: name) {
                    if depth == 0 { return open }
                    depth -= 1
                } else if element.nests && startsTag(name, at: open + 1) && !isSelfClosed(open) {
                    depth += 1
                }
                index = open + 1
            }
            return nil
        }

        /// Whether the tag name `name` begins at `index` and ends there, as `<svg>` but not `<svgx>`.
        private func startsTag(_ name: StaticString, at index: Int) -> Bool {
            guard startsIgnoringCase(at: index, with: name) else { return false }
            let after = index + name.utf8CodeUnitCount
            guard after < count else { return false }
            let next = bytes[after]
            return next == Byte.greaterThan || next == Byte.slash || UTF8Text.isASCIIWhiteSpace(next)
        }

        /// Whether the tag that begins at `open` ends with `/>`.
        private mutating func isSelfClosed(_ open: Int) -> Bool {
            guard let tagEnd = nextTagEnd(from: open + 1) else { return false }
            return bytes[tagEnd - 1] == Byte.slash
        }

        private mutating func nextTagEnd(from start: Int) -> Int? {
            if start >= tagEndSearch.from {
                guard let found = tagEndSearch.found else { return nil }
                if found >= start { return found }
            }
            let found = find(Byte.greaterThan, from: start)
            tagEndSearch = (start, found)
            return found
        }

        func starts(at index: Int, with pattern: StaticString) -> Bool {
            starts(at: index, with: pattern, folding: 0)
        }

        /// ASCII case folding; `pattern` is lower case.
        func startsIgnoringCase(at index: Int, with pattern: StaticString) -> Bool {
            starts(at: index, with: pattern, folding: 0x20)
        }

        /// Whether `pattern` is at `index`, each byte or'ed with `folding` first.
        private func starts(at index: Int, with pattern: StaticString, folding: UInt8) -> Bool {
            let length = pattern.utf8CodeUnitCount
            guard index + length <= count else { return false }
            let expected = pattern.utf8Start
            var offset = 0
            while offset < length {
                if bytes[index + offset] | folding != expected[offset] { return false }
                offset += 1
            }
            return true
        }

        func containsIgnoringCase(_ pattern: StaticString, in range: Range<Int>) -> Bool {
            let first = pattern.utf8Start[0]
            var index = range.lowerBound
            while index + pattern.utf8CodeUnitCount <= range.upperBound {
                if bytes[index] | 0x20 == first && startsIgnoringCase(at: index, with: pattern) { return true }
                index += 1
            }
            return false
        }
    }
}
