import CLibXML2
import Foundation

/// One linear pass over a document's bytes before libxml2 reads them, so that libxml2 only ever
/// sees input it handles in linear time and reads the same way whatever else is wrong with it.
///
/// - libxml2 checks each attribute of a tag against every earlier one: a tag with tens of
///   thousands of attributes costs seconds, a 15 MiB one an hour. Tags are measured here first.
/// - Every entity reference becomes a character reference (`&eacute;` → `&#233;`, `&amp;` →
///   `&#38;`) or, for a name neither XML nor HTML defines, text (`&#38;name;`, as HTML reads it).
///   libxml2 then never looks up an entity, so an entity a document declares for itself is never
///   expanded (no billion laughs, no external file); HTML's names, which feeds use without declaring them, keep their meaning,
///   in attribute values too (libxml2 2.9 copies only the first byte of a multibyte predefined
///   entity there); and recovery, which drops every named reference once a document is known
///   ill-formed, cannot corrupt later text, since character references are kept regardless.
/// - A bare `&` or a `<` that cannot open markup ("1 < 2") is escaped rather than left to halt
///   the parser.
enum MarkupPrescan {
    /// More attributes than any element of a feed or page carries (SVG inside XHTML content
    /// has a few dozen); the quadratic check stays below a millisecond a tag.
    static let maximumAttributes = 128
    /// One tag from `<` to `>`: room for an inline data: image, far below a hostile tag.
    static let maximumTagBytes = 1 << 20
    /// Names longer than this are read as text, not as a reference: HTML's longest is 8 bytes.
    static let maximumReferenceName = 32

    /// The document as libxml2's XML parser should read it, references rewritten as above, or nil
    /// when it needs no change. Kept as an array, not copied into `Data`: feeds run to 15 MiB.
    static func xml(_ data: Data) throws(FeedParseError) -> [UInt8]? {
        var failure: FeedParseError?
        let rewritten = data.withUnsafeBytes { raw -> [UInt8]? in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var scanner = Scanner(base: base, count: raw.count, dialect: .xml)
            do throws(FeedParseError) {
                try scanner.scan()
            } catch {
                failure = error
                return nil
            }
            return scanner.finishedOutput()
        }
        if let failure { throw failure }
        return rewritten
    }

    /// How many leading bytes of an HTML page libxml2's HTML parser may read: the whole page, or
    /// the part before the first tag over a limit. Nothing is rewritten: HTML's parser knows
    /// HTML's entities and reads no declarations.
    static func htmlPrefixWithinLimits(_ data: Data) -> Int {
        data.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return 0 }
            var scanner = Scanner(base: base, count: raw.count, dialect: .html)
            do throws(FeedParseError) {
                try scanner.scan()
                return raw.count
            } catch {
                return scanner.tagStart
            }
        }
    }

    enum Dialect { case xml, html }

    private struct Scanner {
        let base: UnsafePointer<UInt8>
        let count: Int
        let dialect: Dialect
        /// Where the tag being read starts, for errors and for trimming HTML.
        var tagStart = 0
        private var depth = 0
        private var output: [UInt8]?
        private var copiedUpTo = 0

        init(base: UnsafePointer<UInt8>, count: Int, dialect: Dialect) {
            self.base = base
            self.count = count
            self.dialect = dialect
        }

        mutating func scan() throws(FeedParseError) {
            var index = 0
            var nextAmpersand = dialect == .xml ? find(UInt8(ascii: "&"), from: 0) : count
            while index < count {
                let open = find(UInt8(ascii: "<"), from: index)
                while nextAmpersand < open {
                    let after = rewriteReference(at: nextAmpersand)
                    nextAmpersand = find(UInt8(ascii: "&"), from: after)
                }
                guard open < count else { return }
                let (end, literal) = try markup(at: open)
                index = end
                // Inside comments, CDATA and declarations an `&` is not a reference.
                if literal && dialect == .xml && nextAmpersand < end { nextAmpersand = find(UInt8(ascii: "&"), from: end) }
            }
        }

        /// The rewritten document, or nil when it needs no change.
        mutating func finishedOutput() -> [UInt8]? {
            guard output != nil else { return nil }
            output!.append(contentsOf: UnsafeBufferPointer(start: base + copiedUpTo, count: count - copiedUpTo))
            return output
        }

        /// Reads the markup that starts at `open`; answers where it ends and whether its inside
        /// is literal (comments, CDATA, processing instructions, declarations).
        private mutating func markup(at open: Int) throws(FeedParseError) -> (end: Int, literal: Bool) {
            let next = open + 1 < count ? base[open + 1] : 0
            if next == UInt8(ascii: "!") {
                if hasPrefix("<!--", at: open) { return (end(of: "-->", from: open + 4), true) }
                if hasPrefix("<![CDATA[", at: open) { return (end(of: "]]>", from: open + 9), true) }
                if dialect == .xml && hasPrefix("<!DOCTYPE", at: open) { return (doctypeEnd(from: open + 9), true) }
                return (declarationEnd(from: open + 2), true)
            }
            if next == UInt8(ascii: "?") {
                if dialect == .xml { return (end(of: "?>", from: open + 2), true) }
                return (min(find(UInt8(ascii: ">"), from: open) + 1, count), true)
            }
            if next == UInt8(ascii: "/") {
                depth = max(0, depth - 1)
                return (min(find(UInt8(ascii: ">"), from: open) + 1, count), false)
            }
            guard Self.startsName(next) else {
                if dialect == .xml { replace(open..<open + 1, with: Self.lessThanReference) }
                return (open + 1, false)
            }
            tagStart = open
            let (end, selfClosing) = try startTag(at: open)
            if dialect == .xml && !selfClosing {
                depth += 1
                if depth > XMLTree.maximumDepth { throw .tooDeep(limit: XMLTree.maximumDepth, line: line(at: open)) }
            }
            if dialect == .html, let rawTextEnd = rawTextEnd(tagAt: open, contentFrom: end) { return (rawTextEnd, true) }
            return (end, false)
        }

        /// A start tag's end, counting its attributes on the way.
        private func startTag(at open: Int) throws(FeedParseError) -> (end: Int, selfClosing: Bool) {
            var index = open + 1
            while index < count, !Self.isSpace(base[index]), base[index] != UInt8(ascii: ">"), base[index] != UInt8(ascii: "/") {
                index += 1
            }
            var attributes = 0
            var inName = false
            var previous: UInt8 = 0
            while index < count {
                guard index - open <= MarkupPrescan.maximumTagBytes else {
                    throw .tagTooLong(limit: MarkupPrescan.maximumTagBytes, line: line(at: open))
                }
                let byte = base[index]
                switch byte {
                case UInt8(ascii: ">"):
                    return (index + 1, previous == UInt8(ascii: "/"))
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    index = find(byte, from: index + 1) + 1
                    inName = false
                case UInt8(ascii: "="):
                    index += 1
                    while index < count, Self.isSpace(base[index]) { index += 1 }
                    // An unquoted value (HTML allows them) is a value, not another attribute.
                    if index < count, base[index] != UInt8(ascii: "\""), base[index] != UInt8(ascii: "'") {
                        while index < count, !Self.isSpace(base[index]), base[index] != UInt8(ascii: ">") { index += 1 }
                    }
                    inName = false
                case _ where Self.isSpace(byte) || byte == UInt8(ascii: "/"):
                    index += 1
                    inName = false
                default:
                    if !inName {
                        attributes += 1
                        guard attributes <= MarkupPrescan.maximumAttributes else {
                            throw .tooManyAttributes(limit: MarkupPrescan.maximumAttributes, line: line(at: open))
                        }
                        inName = true
                    }
                    index += 1
                }
                previous = byte
            }
            return (count, false)
        }

        /// HTML's script and style hold text up to their end tag, whatever it looks like.
        private func rawTextEnd(tagAt open: Int, contentFrom start: Int) -> Int? {
            for name in ["script", "style"] where hasPrefix("<" + name, at: open, ignoringCase: true) {
                let after = open + 1 + name.utf8.count
                guard after >= count || Self.isSpace(base[after]) || base[after] == UInt8(ascii: ">") || base[after] == UInt8(ascii: "/")
                else { return nil }
                var index = start
                while index < count {
                    let close = find(UInt8(ascii: "<"), from: index)
                    if close >= count || hasPrefix("</" + name, at: close, ignoringCase: true) { return close }
                    index = close + 1
                }
                return count
            }
            return nil
        }

        /// `<!DOCTYPE …>` with its internal subset, whose declarations may hold `>` and quotes.
        private func doctypeEnd(from start: Int) -> Int {
            var index = start
            var brackets = 0
            while index < count {
                switch base[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "'"): index = find(base[index], from: index + 1)
                case UInt8(ascii: "["): brackets += 1
                case UInt8(ascii: "]"): brackets -= 1
                case UInt8(ascii: "<") where hasPrefix("<!--", at: index): index = end(of: "-->", from: index + 4) - 1
                case UInt8(ascii: ">") where brackets <= 0: return index + 1
                default: break
                }
                index += 1
            }
            return count
        }

        private func declarationEnd(from start: Int) -> Int {
            var index = start
            while index < count {
                switch base[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "'"): index = find(base[index], from: index + 1)
                case UInt8(ascii: ">"): return index + 1
                default: break
                }
                index += 1
            }
            return count
        }

        /// Rewrites the reference at `ampersand`; answers where scanning goes on.
        private mutating func rewriteReference(at ampersand: Int) -> Int {
            var index = ampersand + 1
            if index < count, base[index] == UInt8(ascii: "#") {
                index += 1
                let hex = index < count && (base[index] | 0x20) == UInt8(ascii: "x")
                if hex { index += 1 }
                let digits = index
                var value: UInt32 = 0
                while index < count, index - digits < 8, Self.isDigit(base[index], hex: hex) {
                    value = value * (hex ? 16 : 10) + Self.digitValue(base[index])
                    index += 1
                }
                if index > digits, index < count, base[index] == UInt8(ascii: ";") {
                    // XML writes hexadecimal with a small x only; HTML and feeds use both.
                    if hex && base[ampersand + 2] == UInt8(ascii: "X") {
                        startReplacing(ampersand..<index + 1)
                        appendCharacterReference(value)
                    }
                    return index + 1
                }
            } else if index < count, FeedText.isLetter(base[index]) {
                while index < count, index - ampersand <= MarkupPrescan.maximumReferenceName, Self.isNameByte(base[index]) { index += 1 }
                if index < count, base[index] == UInt8(ascii: ";"),
                   let scalar = HTMLEntityTable.scalar(named: UnsafeBufferPointer(start: base + ampersand + 1, count: index - ampersand - 1)) {
                    startReplacing(ampersand..<index + 1)
                    appendCharacterReference(scalar)
                    return index + 1
                }
            }
            replace(ampersand..<ampersand + 1, with: Self.ampersandReference)
            return ampersand + 1
        }

        private mutating func replace(_ range: Range<Int>, with replacement: [UInt8]) {
            startReplacing(range)
            output!.append(contentsOf: replacement)
        }

        /// Copies what comes before `range` and skips `range`; the caller appends its replacement.
        private mutating func startReplacing(_ range: Range<Int>) {
            if output == nil {
                output = []
                output!.reserveCapacity(count + count / 8)
            }
            output!.append(contentsOf: UnsafeBufferPointer(start: base + copiedUpTo, count: range.lowerBound - copiedUpTo))
            copiedUpTo = range.upperBound
        }

        /// `&#233;`, written digit by digit: feeds of escaped HTML hold millions of `&lt;`.
        private mutating func appendCharacterReference(_ scalar: UInt32) {
            output!.append(UInt8(ascii: "&"))
            output!.append(UInt8(ascii: "#"))
            var divisor: UInt32 = 1
            while divisor <= scalar / 10 { divisor *= 10 }
            var rest = scalar
            while divisor > 0 {
                output!.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
            output!.append(UInt8(ascii: ";"))
        }

        /// The index of `byte` at or after `start`, else `count`.
        private func find(_ byte: UInt8, from start: Int) -> Int {
            guard start < count, let found = memchr(base + start, Int32(byte), count - start) else { return count }
            return UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
        }

        /// The index just past `needle` at or after `start`, else `count`.
        private func end(of needle: StaticString, from start: Int) -> Int {
            let length = needle.utf8CodeUnitCount
            var index = start
            while true {
                index = find(needle.utf8Start[0], from: index)
                guard index + length <= count else { return count }
                if memcmp(base + index, needle.utf8Start, length) == 0 { return index + length }
                index += 1
            }
        }

        private func hasPrefix(_ prefix: String, at index: Int, ignoringCase: Bool = false) -> Bool {
            var cursor = index
            for byte in prefix.utf8 {
                guard cursor < count else { return false }
                let actual = ignoringCase && FeedText.isLetter(base[cursor]) ? base[cursor] | 0x20 : base[cursor]
                guard actual == byte else { return false }
                cursor += 1
            }
            return true
        }

        /// The 1-based line of a byte, counted only when an error needs it.
        private func line(at index: Int) -> Int {
            var lines = 1
            var cursor = 0
            while true {
                let newline = find(UInt8(ascii: "\n"), from: cursor)
                guard newline < index else { return lines }
                lines += 1
                cursor = newline + 1
            }
        }

        static let ampersandReference = Array("&#38;".utf8)
        static let lessThanReference = Array("&#60;".utf8)

        /// What can start an element's name: a letter, `_`, `:` or any non-ASCII character.
        static func startsName(_ byte: UInt8) -> Bool {
            FeedText.isLetter(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte >= 0x80
        }

        static func isNameByte(_ byte: UInt8) -> Bool {
            startsName(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }

        static func isDigit(_ byte: UInt8, hex: Bool) -> Bool {
            (0x30...0x39).contains(byte) || hex && (0x61...0x66).contains(byte | 0x20)
        }

        static func digitValue(_ byte: UInt8) -> UInt32 {
            byte <= UInt8(ascii: "9") ? UInt32(byte - UInt8(ascii: "0")) : UInt32((byte | 0x20) - UInt8(ascii: "a") + 10)
        }

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }
    }
}

/// HTML 4's named character references (libxml2's table) and XML's `&apos;`, by name, for lookups
/// without a string per reference: every name is at most eight ASCII bytes, packed into a word.
enum HTMLEntityTable {
    static func scalar<Name: Collection<UInt8>>(named name: Name) -> UInt32? {
        guard name.count <= 8 else { return nil }
        return byPackedName[pack(name)]
    }

    private static func pack<Name: Collection<UInt8>>(_ name: Name) -> UInt64 {
        name.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// libxml2 exports the table only through lookups; asking for every value it covers lists it.
    private static let byPackedName: [UInt64: UInt32] = {
        var table: [UInt64: UInt32] = [pack("apos".utf8): 0x27]
        for value in UInt32(0)...0x2666 {
            guard let entry = htmlEntityValueLookup(value), let name = entry.pointee.name else { continue }
            table[pack(String(cString: name).utf8)] = entry.pointee.value
        }
        return table
    }()
}
