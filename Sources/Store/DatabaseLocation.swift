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
        case .sqlite(let path):
            return "SQLite file \(path)"
        case .postgres(let url):
            guard var components = URLComponents(string: url) else { return "PostgreSQL" }
            if components.password != nil { components.password = "***" }
            return "PostgreSQL \(components.string ?? "")"
        }
    }
}
