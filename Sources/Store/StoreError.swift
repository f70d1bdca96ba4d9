import PostgresKit

/// Every error the store throws, worded for an operator's log or the CLI.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case invalidLocation(String)
    case duplicateSource(url: String)
    case notFound(String)
    /// The database lacks migrations this build needs, and this process may not apply them.
    case schemaOutdated(pending: [Int])
    /// The operation does not apply to the row as it is; the text says why.
    case refused(String)
    /// The database refused or failed; the text says what the store was doing and why it failed.
    case database(String)

    public var description: String {
        switch self {
        case .invalidLocation(let reason): return "invalid database location: \(reason)"
        case .duplicateSource(let url): return "a source with the URL \(url) already exists"
        case .notFound(let what): return "\(what) does not exist"
        case .refused(let reason): return reason
        case .schemaOutdated(let pending):
            return "the database schema is out of date (migrations \(pending.map(String.init).joined(separator: ", ")) are not applied) and this process is set not to migrate (KAWARABAN_MIGRATE_ON_START=false); run `kawaraban migrate` first"
        case .database(let reason): return "database error: \(reason)"
        }
    }

    /// Wraps whatever the drivers threw, keeping errors the store raised itself.
    static func wrapping(_ error: any Error, while action: String) -> StoreError {
        if let error = error as? StoreError { return error }
        return .database("\(action): \(readableReason(error))")
    }

    /// PostgresNIO hides everything behind a generic `description` so that servers do not leak
    /// details to end users; an operator needs the server's message, so it is spelt out here.
    private static func readableReason(_ error: any Error) -> String {
        guard let postgresError = error as? PSQLError else { return String(describing: error) }
        if let serverInfo = postgresError.serverInfo, let message = serverInfo[.message] {
            let detail = serverInfo[.detail].map { " (\($0))" } ?? ""
            return "\(message)\(detail) [SQLSTATE \(serverInfo[.sqlState] ?? "?")]"
        }
        if let underlying = postgresError.underlying {
            return "\(postgresError.code): \(underlying)"
        }
        return "\(postgresError.code)"
    }
}

/// Runs one store operation, turning any driver error into a `StoreError` that names the operation.
func translatingErrors<Result>(_ action: String, _ body: () async throws -> Result) async throws(StoreError) -> Result {
    do {
        return try await body()
    } catch {
        throw StoreError.wrapping(error, while: action)
    }
}
