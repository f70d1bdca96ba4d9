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
        case sqlite(SQLiteConnection, NIOThreadPool)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    private init(database: any SQLDatabase, dialect: Dialect, backend: Backend, logger: Logger, schema: String? = nil) {
        self.database = database
        self.dialect = dialect
        self.schema = schema
        self.backend = backend
        self.logger = logger
    }

    /// What opening a store does about the schema.
    public enum SchemaHandling: Sendable {
        /// Applies pending migrations, so that a store once open has the current schema.
        case migrate
        /// Changes nothing and refuses (`StoreError.schemaOutdated`) a schema with migrations pending.
        case requireCurrent
        /// Changes and checks nothing: the caller migrates (`kawaraban migrate`).
        case leaveAsIs
    }

    /// Connects, and by default applies pending migrations.
    public static func open(_ location: DatabaseLocation, logger: Logger,
                            schema: SchemaHandling = .migrate) async throws(StoreError) -> Store {
        let store = try await translatingErrors("opening the \(location)") {
            switch location {
            case .sqlite(let path): try await openSQLite(path: path, logger: logger)
            case .postgres(let url): try openPostgres(url: url, logger: logger)
            }
        }
        do throws(StoreError) {
            switch schema {
            case .migrate: _ = try await store.migrate()
            case .requireCurrent:
                let pending = try await store.pendingMigrations()
                if !pending.isEmpty { throw StoreError.schemaOutdated(pending: pending) }
            case .leaveAsIs: break
            }
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    private static func openSQLite(path: String, logger: Logger) async throws -> Store {
        // A thread of its own rather than the shared pool: while another process holds the write
        // lock, SQLite waits out busy_timeout by blocking the calling thread, and that must not
        // starve everything else in this process that uses the shared pool.
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        // One connection per process: SQLite serialises writers anyway, and a single connection
        // keeps each statement atomic without cross-connection locking inside the process.
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
        let store = Store(database: connection.sql(queryLogLevel: .trace), dialect: .sqlite,
                          backend: .sqlite(connection, threadPool), logger: logger)
        do {
            // busy_timeout comes first: switching to WAL needs a lock another process may hold.
            for pragma in ["PRAGMA busy_timeout = \(sqliteBusyTimeoutMilliseconds)", "PRAGMA journal_mode = WAL",
                           "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"] {
                try await store.database.raw(SQLQueryString(pragma)).run()
            }
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// Connections are made lazily by the pool, so a server that is down shows up at the first query.
    private static func openPostgres(url: String, logger: Logger) throws -> Store {
        var configuration: SQLPostgresConfiguration
        do {
            configuration = try SQLPostgresConfiguration(url: url)
        } catch {
            // The library's error carries the whole URL, password included: say what to check instead.
            throw StoreError.invalidLocation(
                "\(DatabaseLocation.postgres(url: url)) is not a URL PostgreSQL accepts (expected postgres://user:password@host:5432/database, sslmode disable, prefer or require)")
        }
        let schema = URLComponents(string: url)?.queryItems?.first { $0.name == "search_path" }?.value
        configuration.searchPath = schema.map { [$0] }
        let pool = EventLoopGroupConnectionPool(
            source: PostgresConnectionSource(sqlConfiguration: configuration),
            maxConnectionsPerEventLoop: postgresConnectionsPerEventLoop, logger: logger,
            on: MultiThreadedEventLoopGroup.singleton)
        let database = pool.database(logger: logger).sql(queryLogLevel: .trace)
        return Store(database: database, dialect: .postgres, backend: .postgres(pool), logger: logger, schema: schema)
    }

    public func close() async throws(StoreError) {
        try await translatingErrors("closing the store") {
            switch backend {
            case .sqlite(let connection, let threadPool):
                do {
                    try await connection.close()
                } catch {
                    try? await threadPool.shutdownGracefully()
                    throw error
                }
                try await threadPool.shutdownGracefully()
            case .postgres(let pool): try await pool.shutdownAsync()
            }
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
