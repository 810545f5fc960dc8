import Foundation
import Logging
import NIOPosix
import SQLiteKit

/// The embedded SQLite database: one file, WAL mode, foreign keys on.
///
/// Every libsqlite3 call runs on SQLiteNIO's thread pool (dedicated threads), never on an event
/// loop; a handler awaiting a query resumes on its loop when the pool is done. Repositories see
/// it only as an `SQLDatabase` (sql-kit), the same interface the PostgreSQL driver offers.
public final class SQLiteStore: Sendable {
    public let path: String
    /// Serves reads; each statement sees the latest committed data (WAL).
    private let readConnection: SQLiteConnection
    /// The only connection that writes, one writer at a time (SQLite allows no more), so that a
    /// multi-statement transaction never interleaves with another request's statements.
    private let writer: SQLiteConnection
    private let writeLock = AsyncLock()
    /// Connections the store holds: one reader, one writer (reported as the pool size).
    public static let connectionCount = 2

    private init(path: String, reader: SQLiteConnection, writer: SQLiteConnection) {
        self.path = path
        self.readConnection = reader
        self.writer = writer
    }

    /// The sql-kit view for reads (repositories, readiness).
    public func sql(logger: Logger) -> any SQLDatabase { readConnection.sql(queryLogLevel: nil) }

    /// Runs `body` with the writer connection, alone.
    public func write<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        await writeLock.lock()
        do {
            let result = try await body(writer.sql(queryLogLevel: nil))
            await writeLock.unlock()
            return result
        } catch {
            await writeLock.unlock()
            throw error
        }
    }

    /// Runs `body` in one transaction on the writer: committed if it returns, rolled back if it throws.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await write { database in
            try await database.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Opens (creating if needed) the database file and sets the connections up.
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let writer = try await connect(path: path, logger: logger)
        do {
            // WAL first, on the writer: it is a property of the file, which readers then share.
            try await configure(writer, ["PRAGMA journal_mode = WAL"])
            let reader = try await connect(path: path, logger: logger)
            do {
                try await configure(reader, [])
            } catch {
                try? await reader.close()
                throw error
            }
            return SQLiteStore(path: path, reader: reader, writer: writer)
        } catch {
            try? await writer.close()
            throw error
        }
    }

    private static func connect(path: String, logger: Logger) async throws -> SQLiteConnection {
        try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: NIOThreadPool.singleton, logger: DriverLogger.make(from: logger),
            on: MultiThreadedEventLoopGroup.singleton.any())
    }

    /// synchronous=NORMAL in WAL mode keeps every committed transaction across a process crash
    /// (SIGKILL); only an OS crash or power loss can lose the last ones. busy_timeout: wait for
    /// a lock rather than fail.
    private static func configure(_ connection: SQLiteConnection, _ first: [String]) async throws {
        for pragma in first + ["PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"] {
            try await connection.query(pragma, []) { _ in }
        }
    }

    /// Runs a trivial query: what the readiness probe asks.
    public func ping() async throws {
        try await readConnection.query("SELECT 1", []) { _ in }
    }

    /// Settings worth checking from outside (tests, diagnostics).
    public enum Setting: String, Sendable {
        case journalMode = "PRAGMA journal_mode"
        case foreignKeys = "PRAGMA foreign_keys"
        case synchronous = "PRAGMA synchronous"
    }

    /// A setting's current value, as text.
    public func current(_ setting: Setting) async throws -> String? {
        let rows = try await writer.query(setting.rawValue)
        guard let data = rows.first?.columns.first?.data else { return nil }
        return data.string ?? data.integer.map(String.init)
    }

    public func close() async {
        try? await readConnection.close()
        try? await writer.close()
    }
}
