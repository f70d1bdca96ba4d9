@testable import Store

/// The migration versions the store has recorded as applied, in order.
func recordedMigrations(_ store: Store) async throws -> [Int] {
    try await store.database.raw("SELECT version FROM kawaraban_migrations ORDER BY version").all()
        .map { try $0.decode(column: "version", as: Int.self) }
}
