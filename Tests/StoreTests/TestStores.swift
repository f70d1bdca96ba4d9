@testable import Store

/// The migration versions the store has recorded as applied, in order.
func recordedMigrations(_ store: Store) async throws -> [Int] {
    try await store.database.raw("SELECT version FROM kawaraban_migrations ORDER BY version").all()
        .map { try $0.decode(column: "version", as: Int.self) }
}

/// Moves every lease and scheduled retry `seconds` earlier, as if the database's clock had run on
/// that far: leases run out and retries come due without a test waiting for them.
func passTime(_ seconds: Double, in store: Store) async throws {
    try await store.database.raw("""
        UPDATE items SET lease_until = lease_until - \(bind: seconds), next_attempt_at = next_attempt_at - \(bind: seconds)
        """).run()
}
