import Foundation
import Logging
import PostgresKit
import Store

/// A database of its own for one test, so that tests run in parallel: a SQLite file in a new
/// folder, or a new PostgreSQL schema named through `search_path` in the URL (the first migration
/// creates it). The one way every test target makes a store, for the store itself, the pipeline,
/// the site, or the `kawaraban` executable.
public struct TestDatabase: Sendable {
    public let databaseLocation: DatabaseLocation
    private let drop: @Sendable () async throws -> Void

    public static let logger = Logger(label: "test-database", factory: { _ in SwiftLogNoOpLogHandler() })

    /// What KAWARABAN_DATABASE is set to.
    public var location: String {
        switch databaseLocation {
        case .sqlite(let path): return path
        case .postgres(let url): return url
        }
    }

    public static func create(_ backend: Backend) async throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return TestDatabase(databaseLocation: .sqlite(path: folder.appendingPathComponent("kawaraban.sqlite").path)) {
                try? FileManager.default.removeItem(at: folder)
            }
        case .postgres:
            let serverURL = try Backend.postgresURL()
            // Letters and digits only, so that the name needs no quoting.
            let schema = "test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
            let url = serverURL + (serverURL.contains("?") ? "&" : "?") + "search_path=\(schema)"
            return TestDatabase(databaseLocation: .postgres(url: url)) {
                try await administer(serverURL, "DROP SCHEMA IF EXISTS \(schema) CASCADE")
            }
        }
    }

    public func remove() async throws { try await drop() }

    private static func administer(_ url: String, _ statement: String) async throws {
        let configuration = try SQLPostgresConfiguration(url: url)
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

/// A database of its own for the duration of `body`, removed afterwards whether `body` succeeded or not.
public func withTestLocation<T: Sendable>(_ backend: Backend, _ body: (DatabaseLocation) async throws -> T) async throws -> T {
    let database = try await TestDatabase.create(backend)
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await body(database.databaseLocation))
    } catch {
        outcome = .failure(error)
    }
    try await database.remove()
    return try outcome.get()
}

/// An open store on a database of its own; see `withTestLocation`.
public func withTestStore<T: Sendable>(_ backend: Backend = .sqlite, _ body: (Store) async throws -> T) async throws -> T {
    try await withTestLocation(backend) { location in
        try await withStores(1, at: location) { stores in try await body(stores[0]) }
    }
}

/// `count` stores opened at the same moment on one database, like processes starting together.
/// Every store that opened is closed afterwards: an unclosed SQLite connection traps in debug builds.
public func withStores<T: Sendable>(_ count: Int, at location: DatabaseLocation, _ body: ([Store]) async throws -> T) async throws -> T {
    let opened = await withTaskGroup(of: Result<Store, any Error>.self) { group in
        for _ in 0..<count {
            group.addTask {
                do {
                    return .success(try await Store.open(location, logger: TestDatabase.logger))
                } catch {
                    return .failure(error)
                }
            }
        }
        return await group.reduce(into: []) { $0.append($1) }
    }
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await body(opened.map { try $0.get() }))
    } catch {
        outcome = .failure(error)
    }
    for case .success(let store) in opened { try await store.close() }
    return try outcome.get()
}
