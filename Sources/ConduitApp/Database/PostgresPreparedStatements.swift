import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// Named prepared statements for the SELECTs the repositories send.
///
/// Without them every statement is parsed and planned again: for an article page (a join and
/// five correlated subqueries) planning took 0.19 ms of the backend's 0.33 ms, measured with
/// `EXPLAIN (ANALYZE, SUMMARY)` on a warm connection; a prepared statement's cached plan takes
/// 0.01 ms. postgres-nio prepares a `PostgresPreparedStatement` on each connection the first
/// time it runs there and then only binds and executes it: one round trip, as before.
///
/// postgres-nio names a prepared statement by its type and reads its SQL from a static
/// property, while sql-kit produces statement texts at run time. Each distinct SELECT text gets
/// a slot, and each slot is a type (``PreparedSlot``, two octal digits: 64 slots) whose static
/// SQL is the slot's text. Texts past the last slot, statements with binds other than text and
/// integers, and statements inside transactions run unprepared, as sql-kit sends them.
final class PostgresPreparedStatements: Sendable {
    private struct State {
        var slots: [String] = []
        var slotOfText: [String: Int] = [:]
    }

    private let state = Mutex(State())
    /// Statements prepared at most (the slot types there are).
    static let capacity = 64

    /// The process's slots: the statement types are process-wide, so their texts are too.
    static let shared = PostgresPreparedStatements()

    /// The slot of `sql`, assigned on first use; nil when it is not to be prepared.
    func slot(for sql: String) -> Int? {
        guard sql.hasPrefix("SELECT ") else { return nil }
        return state.withLock { state in
            if let slot = state.slotOfText[sql] { return slot }
            guard state.slots.count < Self.capacity else { return nil }
            state.slots.append(sql)
            state.slotOfText[sql] = state.slots.count - 1
            return state.slots.count - 1
        }
    }

    func sql(at slot: Int) -> String { state.withLock { $0.slots[slot] } }

    /// sql-kit's binds as postgres-nio's, or nil when one is of a type not sent prepared.
    static func bindings(of binds: [any Encodable & Sendable]) -> PostgresBindings? {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case let text as String: bindings.append(text)
            case let number as Int: bindings.append(Int64(number))
            case let number as Int64: bindings.append(number)
            default: return nil
            }
        }
        return bindings
    }

    /// Runs the statement of `slot` with `bindings` on `connection`, its rows to `onRow`.
    static func execute(
        slot: Int, bindings: PostgresBindings, on connection: PostgresConnection, logger: Logger,
        _ onRow: @escaping @Sendable (any SQLRow) -> Void
    ) async throws {
        switch slot / 8 {
        case 0: try await execute(high: Octal0.self, slot % 8, bindings, connection, logger, onRow)
        case 1: try await execute(high: Octal1.self, slot % 8, bindings, connection, logger, onRow)
        case 2: try await execute(high: Octal2.self, slot % 8, bindings, connection, logger, onRow)
        case 3: try await execute(high: Octal3.self, slot % 8, bindings, connection, logger, onRow)
        case 4: try await execute(high: Octal4.self, slot % 8, bindings, connection, logger, onRow)
        case 5: try await execute(high: Octal5.self, slot % 8, bindings, connection, logger, onRow)
        case 6: try await execute(high: Octal6.self, slot % 8, bindings, connection, logger, onRow)
        default: try await execute(high: Octal7.self, slot % 8, bindings, connection, logger, onRow)
        }
    }

    private static func execute<High: OctalDigit>(
        high: High.Type, _ low: Int, _ bindings: PostgresBindings, _ connection: PostgresConnection, _ logger: Logger,
        _ onRow: @escaping @Sendable (any SQLRow) -> Void
    ) async throws {
        switch low {
        case 0: try await run(PreparedSlot<High, Octal0>(bindings: bindings), connection, logger, onRow)
        case 1: try await run(PreparedSlot<High, Octal1>(bindings: bindings), connection, logger, onRow)
        case 2: try await run(PreparedSlot<High, Octal2>(bindings: bindings), connection, logger, onRow)
        case 3: try await run(PreparedSlot<High, Octal3>(bindings: bindings), connection, logger, onRow)
        case 4: try await run(PreparedSlot<High, Octal4>(bindings: bindings), connection, logger, onRow)
        case 5: try await run(PreparedSlot<High, Octal5>(bindings: bindings), connection, logger, onRow)
        case 6: try await run(PreparedSlot<High, Octal6>(bindings: bindings), connection, logger, onRow)
        default: try await run(PreparedSlot<High, Octal7>(bindings: bindings), connection, logger, onRow)
        }
    }

    private static func run<Statement: PostgresPreparedStatement>(
        _ statement: Statement, _ connection: PostgresConnection, _ logger: Logger, _ onRow: @escaping @Sendable (any SQLRow) -> Void
    ) async throws where Statement.Row == PostgresRow {
        for try await row in try await connection.execute(statement, logger: logger) { onRow(PostgresPositionalRow(row)) }
    }
}

protocol OctalDigit { static var value: Int { get } }
enum Octal0: OctalDigit { static let value = 0 }
enum Octal1: OctalDigit { static let value = 1 }
enum Octal2: OctalDigit { static let value = 2 }
enum Octal3: OctalDigit { static let value = 3 }
enum Octal4: OctalDigit { static let value = 4 }
enum Octal5: OctalDigit { static let value = 5 }
enum Octal6: OctalDigit { static let value = 6 }
enum Octal7: OctalDigit { static let value = 7 }

/// The prepared statement of slot `High * 8 + Low`; the parameter types are those of the
/// bindings (as sql-kit's unprepared statements send them).
struct PreparedSlot<High: OctalDigit, Low: OctalDigit>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var slot: Int { High.value * 8 + Low.value }
    static var name: String { "conduit_\(slot)" }
    static var sql: String { PostgresPreparedStatements.shared.sql(at: slot) }
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
