import Foundation

/// Where the data lives: a SQLite file by default, or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public init(parsing text: String) throws(StoreError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .invalidLocation("an empty database location") }
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: trimmed), components.host?.isEmpty == false else {
                throw .invalidLocation("not a valid postgres:// URL (postgres://user:password@host:5432/database)")
            }
            self = .postgres(url: trimmed)
        } else if lowered.contains("://") {
            throw .invalidLocation("expected a file path or a postgres:// URL")
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

public enum StoreError: Error, Sendable, CustomStringConvertible {
    case invalidLocation(String)
    case duplicateSource(url: String)
    case database(String)

    public var description: String {
        switch self {
        case .invalidLocation(let reason): return reason
        case .duplicateSource(let url): return "a source with the URL \(url) already exists"
        case .database(let reason): return "database error: \(reason)"
        }
    }
}
