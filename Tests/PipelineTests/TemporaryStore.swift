import Foundation
import Logging
import Pipeline
import Store

/// A SQLite store in a fresh folder for the duration of `body`, removed afterwards.
func withTemporaryStore<T: Sendable>(_ body: @Sendable (Store) async throws -> T) async throws -> T {
    let logger = Logger(label: "pipeline-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let store = try await Store.open(.sqlite(path: folder.appendingPathComponent("db.sqlite").path), logger: logger)
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await body(store))
    } catch {
        outcome = .failure(error)
    }
    try await store.close()
    try? FileManager.default.removeItem(at: folder)
    return try outcome.get()
}

/// The CPU pool the tests' collectors, catalogs and workers share, as a process's services do.
let testPool = CPUPool(threadCount: 2)
