import Foundation

/// The databases the store and end-to-end tests run on. PostgreSQL runs when
/// KAWARABAN_TEST_POSTGRES_URL is set; under CI=true it always runs, so a missing server fails
/// instead of being skipped.
public enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public static let postgresURLVariable = "KAWARABAN_TEST_POSTGRES_URL"

    public static var available: [Backend] {
        let environment = ProcessInfo.processInfo.environment
        return environment[postgresURLVariable] != nil || environment["CI"] == "true" ? [.sqlite, .postgres] : [.sqlite]
    }

    /// The server's URL, or an error that says how to start one.
    public static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment[postgresURLVariable] else {
            throw MissingPostgres()
        }
        return url
    }

    public var description: String { rawValue }
}

public struct MissingPostgres: Error, CustomStringConvertible {
    public var description: String {
        "\(Backend.postgresURLVariable) is not set, and CI=true requires the PostgreSQL tests; start a server with scripts/test-postgres start"
    }
}
