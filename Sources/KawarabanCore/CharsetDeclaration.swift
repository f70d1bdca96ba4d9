import Foundation

/// The charset a document declares about itself near its top: `<meta charset>`, an
/// `http-equiv` content type, or an XML declaration's encoding.
public enum CharsetDeclaration {
    /// How far into a document the declaration is looked for.
    public static let window = 4096

    /// The declared name, lower-cased, or nil when there is none.
    public static func find(in data: Data) -> String? {
        let head = String(decoding: data.prefix(window), as: UTF8.self).lowercased()
        for pattern in [#"charset\s*=\s*["']?([a-z0-9_\-:.]+)"#, #"encoding\s*=\s*["']([a-z0-9_\-:.]+)"#] {
            if let range = head.range(of: pattern, options: .regularExpression) {
                let match = head[range]
                guard let separator = match.firstIndex(of: "=") else { continue }
                let name = match[match.index(after: separator)...].trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
                if !name.isEmpty { return name }
            }
        }
        return nil
    }
}
