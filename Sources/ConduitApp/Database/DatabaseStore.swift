import SQLKit

/// The database engine behind a store; the few statements that differ between dialects
/// (schema DDL, how a transaction begins) branch on it.
public enum DatabaseEngine: String, Sendable {
    case sqlite, postgres

    /// The engine an sql-kit database speaks (its dialect's name).
    init(dialectName: String) {
        self = dialectName.lowercased().hasPrefix("postgres") ? .postgres : .sqlite
    }

    /// How a writing transaction begins: SQLite takes the write lock up front, so two
    /// processes never deadlock upgrading a read lock.
    var beginStatement: String { self == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN" }
}

/// A whole database as the application uses it: what repositories need (``SQLStore``), plus
/// readiness, migrations and shutdown. ``SQLiteStore`` and ``PostgresStore`` implement it.
public protocol DatabaseStore: SQLStore {
    var engine: DatabaseEngine { get }
    /// Connections the store may hold at once (metrics: the pool's size).
    var connectionCount: Int { get }
    /// Runs a trivial query: what the readiness probe asks. Throws when the database is unreachable.
    func ping() async throws
    /// Runs `body` on one connection that no other process migrates through at the same time
    /// (SQLite: the writer under its lock and the file's write lock; PostgreSQL: one leased
    /// connection holding an advisory lock), so that instances starting together migrate once.
    func migrationSession<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func close() async
}

extension SQLiteStore: DatabaseStore {
    public var engine: DatabaseEngine { .sqlite }

    public func migrationSession<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await write(body)
    }
}
