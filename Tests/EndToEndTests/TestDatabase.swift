import Foundation
import Logging
import PostgresKit
import TestSupport

/// A database of its own for one test, removed afterwards.
struct TestDatabase: Sendable {
    /// What KAWARABAN_DATABASE is set to.
    let location: String
    private let drop: @Sendable () async throws -> Void

    static func create(_ backend: Backend) async throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("kawaraban-e2e-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return TestDatabase(location: directory.appendingPathComponent("kawaraban.sqlite").path) {
                try? FileManager.default.removeItem(at: directory)
            }
        case .postgres:
            let serverURL = try Backend.postgresURL()
            let name = "kawaraban_e2e_\(UUID().uuidString.prefix(8).lowercased())"
            try await administer(serverURL, "CREATE DATABASE \(name)")
            guard var components = URLComponents(string: serverURL) else {
                throw ProcessFailure("\(Backend.postgresURLVariable) is not a URL")
            }
            components.path = "/\(name)"
            return TestDatabase(location: components.string!) {
                try await administer(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            }
        }
    }

    func remove() async throws { try await drop() }

    private static func administer(_ url: String, _ statement: String) async throws {
        let configuration = try SQLPostgresConfiguration(url: url)
        let logger = Logger(label: "e2e-postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let connection = try await PostgresConnection.connect(
            configuration: configuration.coreConfiguration, id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
