import Logging
import SQLKit

/// One schema change, identified by a version that never changes once released. The version
/// and its meaning are the same on both engines; only the DDL spelling differs.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    /// SQLite statements, run in order inside one transaction with the version bookkeeping.
    public let statements: [String]
    /// The same change for PostgreSQL.
    public let postgres: [String]

    public init(version: Int, name: String, statements: [String], postgres: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
        self.postgres = postgres
    }

    func ddl(for engine: DatabaseEngine) -> [String] { engine == .sqlite ? statements : postgres }
}

/// Applies the migrations a database has not seen yet, in version order, each in its own
/// transaction, and records them in `schema_migrations`. Running it again is a no-op.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = Schema.migrations) {
        precondition(
            zip(migrations, migrations.dropFirst()).allSatisfy { $0.version < $1.version },
            "migration versions must increase")
        self.migrations = migrations
    }

    /// Brings `store` up to date through its migration session: safe when several instances
    /// start at once (PostgreSQL: an advisory lock; SQLite: the file's write lock).
    @discardableResult
    public func run(on store: any DatabaseStore, logger: Logger) async throws -> [Int] {
        try await store.migrationSession { database in try await run(on: database, logger: logger) }
    }

    /// Returns the versions it applied. `database` must be one connection (a session), not a pool.
    @discardableResult
    public func run(on database: any SQLDatabase, logger: Logger) async throws -> [Int] {
        let engine = DatabaseEngine(dialectName: database.dialect.name)
        switch engine {
        case .sqlite:
            try await database.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                )
                """).run()
        case .postgres:
            try await database.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                )
                """).run()
        }
        let applied = Set(try await appliedVersions(on: database))
        var ran: [Int] = []
        for migration in migrations where !applied.contains(migration.version) {
            try await database.inTransaction(begin: engine.beginStatement) {
                for statement in migration.ddl(for: engine) {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await database.raw(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(bind: migration.version), \(bind: migration.name))"
                ).run()
            }
            logger.notice("migration applied", metadata: ["version": .stringConvertible(migration.version), "name": .string(migration.name)])
            ran.append(migration.version)
        }
        return ran
    }

    public func appliedVersions(on database: any SQLDatabase) async throws -> [Int] {
        try await database.raw("SELECT version FROM schema_migrations ORDER BY version").all()
            .map { try $0.decode(column: "version", as: Int.self) }
    }
}
