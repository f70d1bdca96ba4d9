/// Text from outside made safe to store and to show on a terminal or in a log: no control
/// characters (C0, DEL, C1: escape sequences, carriage returns that overwrite a line, bells) and
/// no bidirectional overrides that reorder what a reader sees.
public enum StoredText {
    /// One line: a name or a title. Line breaks and tabs become one space, runs of spaces one.
    public static func line(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isLineBreakOrTab(scalar) || scalar == " " {
                pendingSpace = !cleaned.isEmpty
                continue
            }
            if isHidden(scalar) { continue }
            if pendingSpace {
                cleaned.append(" ")
                pendingSpace = false
            }
            cleaned.append(scalar)
        }
        return String(cleaned)
    }

    /// Several lines: a reason or a message. Line feeds and tabs stay; every other control
    /// character goes, and a carriage return or a Unicode line separator becomes a line feed.
    public static func lines(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        var afterCarriageReturn = false
        for scalar in text.unicodeScalars {
            defer { afterCarriageReturn = scalar == "\r" }
            switch scalar {
            case "\n": if !afterCarriageReturn { cleaned.append(scalar) }
            case "\t": cleaned.append(scalar)
            case "\r", "\u{2028}", "\u{2029}", "\u{85}": cleaned.append("\n")
            default: if !isHidden(scalar) { cleaned.append(scalar) }
            }
        }
        return String(cleaned)
    }

    private static func isLineBreakOrTab(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// Control characters and the bidirectional embeddings, overrides and isolates.
    private static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
