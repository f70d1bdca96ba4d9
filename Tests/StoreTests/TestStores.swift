import Foundation
import Logging
import Testing
import TestSupport
@testable import Store

/// A store of its own for one test: a new SQLite file, or a new PostgreSQL schema.
func withTestStore(_ backend: Backend, _ body: (Store) async throws -> Void) async throws {
    let logger = Logger(label: "store-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    let location: DatabaseLocation
    var directory: URL?
    switch backend {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        directory = folder
        location = .sqlite(path: folder.appendingPathComponent("test.sqlite").path)
    case .postgres:
        let url = try Backend.postgresURL()
        let schema = "test_\(UUID().uuidString.prefix(12).lowercased())"
        location = .postgres(url: url + (url.contains("?") ? "&" : "?") + "search_path=\(schema)")
    }
    let store = try await Store.open(location, logger: logger)
    do {
        try await body(store)
    } catch {
        try await tearDown(store, directory: directory)
        throw error
    }
    try await tearDown(store, directory: directory)
}

private func tearDown(_ store: Store, directory: URL?) async throws {
    if let schema = store.schema {
        try await store.database.raw("DROP SCHEMA \(ident: schema) CASCADE").run()
    }
    try await store.close()
    if let directory { try? FileManager.default.removeItem(at: directory) }
}
