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
    private let connection: SQLiteConnection

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    /// The sql-kit view repositories and migrations use.
    public func sql(logger: Logger) -> any SQLDatabase { connection.sql() }

    /// Opens (creating if needed) the database file and sets the connection up.
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: NIOThreadPool.singleton, logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any())
        let store = SQLiteStore(path: path, connection: connection)
        do {
            // WAL: readers do not block the writer. synchronous=NORMAL in WAL mode keeps every
            // committed transaction across a process crash (SIGKILL); only an OS crash or power
            // loss can lose the last ones. busy_timeout: wait for a lock rather than fail.
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                           "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"] {
                try await connection.query(pragma, []) { _ in }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        return store
    }

    /// Runs a trivial query: what the readiness probe asks.
    public func ping() async throws {
        try await connection.query("SELECT 1", []) { _ in }
    }

    /// Settings worth checking from outside (tests, diagnostics).
    public enum Setting: String, Sendable {
        case journalMode = "PRAGMA journal_mode"
        case foreignKeys = "PRAGMA foreign_keys"
        case synchronous = "PRAGMA synchronous"
    }

    /// A setting's current value, as text.
    public func current(_ setting: Setting) async throws -> String? {
        let rows = try await connection.query(setting.rawValue)
        guard let data = rows.first?.columns.first?.data else { return nil }
        return data.string ?? data.integer.map(String.init)
    }

    public func close() async {
        try? await connection.close()
    }
}
