import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit

/// The embedded SQLite database: one file in WAL mode, a pool of reader connections served by
/// as many reader threads, and one writer connection on a thread of its own
/// (``DatabaseThreads``), each connection with its statements prepared once
/// (``SQLiteConnectionHandle``), over the system's libsqlite3.
///
/// A request's reads are one unit of work (``read(_:)``): one reader connection, one read
/// transaction (one snapshot: a page's `articlesCount` always agrees with its articles), run on
/// a reader thread from start to end, so the request crosses threads twice whatever the number
/// of statements. Units wait in one queue for the first free reader thread. WAL lets readers
/// run beside the writer; SQLite allows one writer at a time, so writes and transactions take
/// the writer in turn. Repositories see connections only as sql-kit `SQLDatabase`s, the same
/// interface the PostgreSQL store offers.
public final class SQLiteStore: Sendable {
    public let path: String
    private let readers: [SQLiteSession]
    private let writer: SQLiteSession
    private let readerThreads: DatabaseThreads
    private let writerThread: DatabaseThreads
    /// Which reader connections units of work hold.
    private let readerLease: ConnectionLease
    /// Whether a unit of work holds the writer.
    private let writerLease = ConnectionLease(connections: 1)
    /// Connections the store holds: the readers and the writer (the pool size in metrics).
    public var connectionCount: Int { readers.count + 1 }
    /// The virtual machine steps all its connections have run (``SQLiteConnectionHandle``).
    var virtualMachineSteps: Int { (readers + [writer]).reduce(0) { $0 + $1.connection.virtualMachineSteps } }

    /// Readers when none are asked for: one per core, as many as the event loops by default.
    public static var defaultReaders: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    private init(path: String, readers: [SQLiteSession], writer: SQLiteSession) {
        self.path = path
        self.readers = readers
        self.writer = writer
        readerThreads = readers[0].threads
        writerThread = writer.threads
        readerLease = ConnectionLease(connections: readers.count)
    }

    /// Opens (creating if needed) the database file and sets the connections up.
    public static func open(path: String, readers readerCount: Int = defaultReaders, logger: Logger) async throws -> SQLiteStore {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let driverLogger = DriverLogger.make(from: logger)
        let writerThread = DatabaseThreads(names: ["sqlite-writer"])
        let readerThreads = DatabaseThreads(names: (0..<max(1, readerCount)).map { "sqlite-reader-\($0)" })
        do {
            // WAL first, on the writer: it is a property of the file, which readers then share.
            let writer = try await connect(path: path, on: writerThread, logger: driverLogger, pragmas: ["PRAGMA journal_mode = WAL"])
            var readers: [SQLiteSession] = []
            for _ in 0..<max(1, readerCount) {
                readers.append(try await connect(path: path, on: readerThreads, logger: driverLogger, pragmas: []))
            }
            return SQLiteStore(path: path, readers: readers, writer: writer)
        } catch {
            writerThread.stop()
            readerThreads.stop()
            throw error
        }
    }

    /// synchronous=NORMAL in WAL mode keeps every committed transaction across a process crash
    /// (SIGKILL); only an OS crash or power loss can lose the last ones. busy_timeout: wait for
    /// a lock rather than fail.
    private static func connect(path: String, on threads: DatabaseThreads, logger: Logger, pragmas: [String]) async throws -> SQLiteSession {
        try await withTaskExecutorPreference(threads) {
            let connection = try SQLiteConnectionHandle(path: path, readOnly: false)
            for pragma in pragmas + ["PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"] {
                try connection.execute(pragma, []) { _, _ in }
            }
            return SQLiteSession(connection: connection, threads: threads, logger: logger)
        }
    }

    /// Runs `body` as one read unit of work: on one reader connection, in one read
    /// transaction, on the first free reader thread. Statements `body` sends through
    /// ``SQLStore/reader`` use that connection. Nested calls join the unit they are in.
    public func read<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        if ReadUnit.current != nil { return try await body() }
        return try await withReader { session in
            try session.connection.runCached("BEGIN")
            do {
                let result = try await ReadUnit.$current.withValue(session) { try await body() }
                try session.connection.runCached("COMMIT")
                return result
            } catch {
                try? session.connection.runCached("ROLLBACK")
                throw error
            }
        }
    }

    /// For reads: the current unit's reader, or else a reader taken for each statement.
    public func sql(logger: Logger) -> any SQLDatabase { readerDatabase }

    var readerDatabase: any SQLDatabase {
        ReadUnit.current ?? LeasedSQLiteReader(store: self, logger: writer.logger)
    }

    /// Runs `body` with a reader connection, alone, on the first free reader thread: a read
    /// unit, or one statement outside a unit of work.
    fileprivate func withReader<T: Sendable>(_ body: @Sendable (SQLiteSession) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(readerThreads) {
            let index = await readerLease.acquire(preferring: readerThreads.currentIndex)
            defer { readerLease.release(index) }
            return try await body(readers[index])
        }
    }

    /// Runs `body` with the writer connection, alone, on the writer's thread.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let writer = self.writer
        return try await withTaskExecutorPreference(writerThread) {
            let index = await writerLease.acquire()
            defer { writerLease.release(index) }
            return try await body(writer)
        }
    }

    /// Runs `body` in one transaction on the writer: committed if it returns, rolled back if it throws.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await write { database in
            try await database.inTransaction(begin: DatabaseEngine.sqlite.beginStatement) { try await body(database) }
        }
    }

    /// Runs a trivial query: what the readiness probe asks.
    public func ping() async throws {
        try await sql(logger: writer.logger).raw("SELECT 1").run()
    }

    /// Settings worth checking from outside (tests, diagnostics).
    public enum Setting: String, Sendable {
        case journalMode = "PRAGMA journal_mode"
        case foreignKeys = "PRAGMA foreign_keys"
        case synchronous = "PRAGMA synchronous"
    }

    /// A setting's current value on the writer, as text.
    public func current(_ setting: Setting) async throws -> String? {
        try await write { database in
            guard let row = try await database.raw(SQLQueryString(setting.rawValue)).first() as? SQLiteRow else { return nil }
            switch row.values.first {
            case let .text(text): return text
            case let .integer(number): return String(number)
            default: return nil
            }
        }
    }

    /// Waits for work in progress on every connection, then closes them and ends their threads.
    public func close() async {
        for _ in readers { _ = await readerLease.acquire() }
        _ = await writerLease.acquire()
        readerThreads.stop()
        writerThread.stop()
    }
}

/// The reader session of the read unit the current task is in, if any.
enum ReadUnit {
    @TaskLocal static var current: (any SQLDatabase)?
}

/// Reads outside a unit of work: each statement leases a reader for its duration.
private struct LeasedSQLiteReader: AsyncSQLDatabase {
    let store: SQLiteStore
    let logger: Logger

    var dialect: any SQLDialect { SQLiteSQLDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await store.withReader { session in try await session.execute(sql: query, onRow) }
    }
}
