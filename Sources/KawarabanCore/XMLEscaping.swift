/// Text made safe for markup we write: XML (feeds, subscription lists) and HTML (pages).
public enum XMLEscaping {
    /// Safe inside element content and double-quoted attributes alike. Tabs and line breaks
    /// become character references, which attribute-value normalisation would otherwise turn
    /// into spaces; characters XML 1.0 cannot carry at all are dropped.
    public static func escape(_ text: String) -> String {
        escape(text) { scalar in
            switch scalar {
            case "\t": return "&#9;"
            case "\n": return "&#10;"
            case "\r": return "&#13;"
            default: return isAllowedInXML(scalar) ? nil : ""
            }
        }
    }

    /// Safe between HTML tags and inside a single- or double-quoted attribute value.
    public static func escapeHTML(_ text: String) -> String {
        escape(text) { $0 == "'" ? "&#39;" : nil }
    }

    /// The four characters markup always needs escaped, then whatever `special` replaces
    /// (nil keeps the scalar as it is).
    private static func escape(_ text: String, special: (Unicode.Scalar) -> String?) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default:
                if let replacement = special(scalar) {
                    escaped += replacement
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped
    }

    private static func isAllowedInXML(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
