import Logging
import SQLKit

/// What SQL repositories need from a database: a connection for reads, and exclusive access
/// for writes and transactions. SQLite implements it today; PostgreSQL will with a pool.
public protocol SQLStore: Sendable {
    /// For reads.
    var reader: any SQLDatabase { get }
    /// Runs `body` with exclusive write access.
    func write<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
}

extension SQLiteStore: SQLStore {
    public var reader: any SQLDatabase { sql(logger: Logger(label: "sqlite")) }
}
