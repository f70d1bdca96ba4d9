import Foundation

/// Where the data lives: a SQLite file by default, or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The text is never echoed in errors: it may hold a password.
    public init(parsing text: String) throws(StoreError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .invalidLocation("it is empty") }
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: trimmed), components.host?.isEmpty == false else {
                throw .invalidLocation("not a valid URL; expected postgres://user:password@host:5432/database")
            }
            self = .postgres(url: trimmed)
        } else if lowered.contains("://") {
            throw .invalidLocation("a URL that is not postgres:// (expected a file path or a postgres:// URL)")
        } else {
            self = .sqlite(path: trimmed)
        }
    }

    /// The location without a password, for logs and status output.
    public var description: String {
        switch self {
        case .sqlite(let path): return "SQLite file \(path)"
        case .postgres(let url): return "PostgreSQL \(Self.redacting(url))"
        }
    }

    /// `text` with its password replaced by ***, whether or not it parses as a URL, so that even
    /// the message about a malformed URL cannot show it: the user information between `://` and
    /// the last `@` keeps only the user name, and query values whose name holds "password"
    /// (libpq's `?password=`) go too.
    public static func redacting(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        var redacted = String(text[..<schemeEnd.upperBound])
        var rest = text[schemeEnd.upperBound...]
        if let at = rest.lastIndex(of: "@") {
            let userInformation = rest[..<at]
            if let colon = userInformation.firstIndex(of: ":") {
                redacted += userInformation[..<colon] + ":" + hiddenPassword
            } else {
                redacted += userInformation
            }
            redacted += "@"
            rest = rest[rest.index(after: at)...]
        } else if let colon = rest.firstIndex(of: ":") {
            // No user information, but something after a colon that is not a port: the user
            // forgot the @, and what follows may be the password.
            let end = rest[colon...].firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            let after = rest[rest.index(after: colon)..<end]
            if after.contains(where: { !$0.isASCII || !$0.isNumber }) {
                redacted += rest[...colon] + hiddenPassword
                rest = rest[end...]
            }
        }
        guard let question = rest.firstIndex(of: "?") else { return redacted + rest }
        redacted += rest[...question]
        let parameters = rest[rest.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false)
        redacted += parameters.map { parameter in
            let name = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return name.lowercased().contains("password") ? name + "=" + hiddenPassword : String(parameter)
        }.joined(separator: "&")
        return redacted
    }

    static let hiddenPassword = "***"
}
