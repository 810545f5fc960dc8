import Logging
import SQLKit

/// What SQL repositories need from a database: a connection for reads, exclusive access for
/// writes and transactions, and units of work that group a request's reads.
/// ``SQLiteStore`` and ``PostgresStore`` implement it.
public protocol SQLStore: Sendable {
    /// For reads: inside a unit of work (``read(_:)``) the unit's connection, otherwise any.
    var reader: any SQLDatabase { get }
    /// Runs `body` as one unit of reads: one connection and one snapshot for every statement
    /// `body` sends through ``reader``, leased once (not per statement). Nested calls join.
    func read<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T
    /// Runs `body` with exclusive write access.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
}

extension SQLiteStore: SQLStore {
    public var reader: any SQLDatabase { readerDatabase }
}
