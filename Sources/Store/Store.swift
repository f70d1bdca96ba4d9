import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// Kawaraban's data: sources, items and the work queue, in SQLite or PostgreSQL through one
/// query layer. Opening a store applies pending migrations.
public final class Store: Sendable {
    /// Connections each event loop keeps to PostgreSQL.
    static let postgresConnectionsPerEventLoop = 4
    /// How long SQLite waits for another process's write lock before giving up.
    static let sqliteBusyTimeoutMilliseconds = 10_000

    let database: any SQLDatabase
    let dialect: Dialect
    let logger: Logger
    /// The PostgreSQL schema named by `search_path` in the URL, created on first use.
    let schema: String?
    private let backend: Backend

    // The pool is safe to share: AsyncKit guards it with a lock but predates Sendable annotations.
    private enum Backend: @unchecked Sendable {
        case sqlite(SQLiteConnection)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    private init(database: any SQLDatabase, dialect: Dialect, backend: Backend, logger: Logger, schema: String? = nil) {
        self.database = database
        self.dialect = dialect
        self.schema = schema
        self.backend = backend
        self.logger = logger
    }

    public static func open(_ location: DatabaseLocation, logger: Logger) async throws -> Store {
        let store: Store
        switch location {
        case .sqlite(let path):
            // One connection per process: SQLite serialises writers anyway, and a single connection
            // keeps each statement atomic without cross-connection locking inside the process.
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let database = connection.sql(queryLogLevel: .trace)
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = \(sqliteBusyTimeoutMilliseconds)",
                           "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"] {
                try await database.raw(SQLQueryString(pragma)).run()
            }
            store = Store(database: database, dialect: .sqlite, backend: .sqlite(connection), logger: logger)
        case .postgres(let url):
            var configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                throw StoreError.invalidLocation("\(DatabaseLocation.postgres(url: url)): \(error)")
            }
            let schema = URLComponents(string: url)?.queryItems?.first { $0.name == "search_path" }?.value
            configuration.searchPath = schema.map { [$0] }
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: postgresConnectionsPerEventLoop, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton)
            let database = pool.database(logger: logger).sql(queryLogLevel: .trace)
            store = Store(database: database, dialect: .postgres, backend: .postgres(pool), logger: logger, schema: schema)
        }
        do {
            _ = try await store.migrate()
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    public func close() async throws {
        switch backend {
        case .sqlite(let connection): try await connection.close()
        case .postgres(let pool): try await pool.shutdownAsync()
        }
    }

    /// Runs `body` on one connection, for statements that must share a transaction.
    func withSingleConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite:
            return try await body(database)
        case .postgres(let pool):
            let connection = try await pool.requestConnection(logger: logger).get()
            do {
                let result = try await body(connection.sql(queryLogLevel: .trace))
                pool.releaseConnection(connection, logger: logger)
                return result
            } catch {
                pool.releaseConnection(connection, logger: logger)
                throw error
            }
        }
    }
}

extension Date {
    /// How timestamps are stored: seconds since 1970.
    var storedValue: Double { timeIntervalSince1970 }

    init(stored seconds: Double) { self.init(timeIntervalSince1970: seconds) }
}
