import Foundation
import Logging
import Testing
import TestSupport
@testable import Store

let quietLogger = Logger(label: "store-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A database of its own for one test, so that tests run in parallel: a SQLite file in a new
/// folder, or a new PostgreSQL schema (named through `search_path`, created by the migration).
/// Removed afterwards, whether `body` succeeded or not.
func withTestLocation(_ backend: Backend, _ body: (DatabaseLocation) async throws -> Void) async throws {
    switch backend {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await body(.sqlite(path: folder.appendingPathComponent("test.sqlite").path))
    case .postgres:
        let url = try Backend.postgresURL()
        let schema = "test_\(UUID().uuidString.prefix(12).lowercased())"
        let location = DatabaseLocation.postgres(url: url + (url.contains("?") ? "&" : "?") + "search_path=\(schema)")
        let outcome = await Result { try await body(location) }
        try await withStores(1, at: location) { stores in
            try await stores[0].database.raw("DROP SCHEMA \(ident: schema) CASCADE").run()
        }
        try outcome.get()
    }
}

/// An open store on a database of its own; see `withTestLocation`.
func withTestStore(_ backend: Backend, _ body: (Store) async throws -> Void) async throws {
    try await withTestLocation(backend) { location in
        try await withStores(1, at: location) { stores in try await body(stores[0]) }
    }
}

/// `count` stores opened at the same moment on one database, like processes starting together.
/// Every store that opened is closed afterwards: an unclosed SQLite connection traps in debug builds.
func withStores(_ count: Int, at location: DatabaseLocation, _ body: ([Store]) async throws -> Void) async throws {
    let opened = await withTaskGroup(of: Result<Store, any Error>.self) { group in
        for _ in 0..<count {
            group.addTask { await Result { try await Store.open(location, logger: quietLogger) } }
        }
        return await group.reduce(into: []) { $0.append($1) }
    }
    let outcome = await Result { try await body(opened.map { try $0.get() }) }
    for case .success(let store) in opened { try await store.close() }
    try outcome.get()
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// The migration versions the store has recorded as applied, in order.
func recordedMigrations(_ store: Store) async throws -> [Int] {
    try await store.database.raw("SELECT version FROM kawaraban_migrations ORDER BY version").all()
        .map { try $0.decode(column: "version", as: Int.self) }
}
