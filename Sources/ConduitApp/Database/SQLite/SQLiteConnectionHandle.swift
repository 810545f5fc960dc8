import CSQLite3
import Foundation
import Synchronization

/// A value SQLite stores or returns.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// An SQLite result code with the connection's message: what the error middleware logs as a
/// 503's cause (`SQLITE_FULL (13): database or disk is full`).
struct SQLiteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    var description: String {
        let name = String(cString: sqlite3_errstr(code))
        return "SQLite error \(code) (\(name)): \(message)"
    }
}

/// One sqlite3 connection, used only on its store's database threads (``DatabaseThreads``) by
/// one unit of work at a time, with its prepared statements cached by SQL text: a statement is
/// parsed once per connection, then reset and rebound.
final class SQLiteConnectionHandle: @unchecked Sendable {
    // @unchecked: the store's lease (``ConnectionLease``) hands it to one unit of work at a
    // time, whose statements run one after another on a database thread; SQLite's
    // multi-thread mode (SQLITE_OPEN_NOMUTEX) allows that, never two threads at once.

    private let db: OpaquePointer
    /// Prepared statements by SQL text, with their column names (read once, not per execution).
    private var statements: [String: (statement: OpaquePointer, names: [String])] = [:]
    private let steps = Atomic<Int>(0)
    /// The virtual machine steps this connection's statements have run: their work, counted
    /// alike on any machine, which tests compare to show that a cost does not grow with the data.
    var virtualMachineSteps: Int { steps.load(ordering: .relaxed) }
    /// Distinct statements kept at most; `IN (...)` lists of every length make new texts.
    static let maxCachedStatements = 512

    /// Set once, before the first connection initializes the library (``init(path:readOnly:)``).
    private static let libraryConfiguration: Int32 = conduit_sqlite_disable_memory_statistics()

    /// Whether SQLite's memory statistics are off (false if something opened SQLite before us).
    static var memoryStatisticsOff: Bool { libraryConfiguration == SQLITE_OK }

    init(path: String, readOnly: Bool) throws {
        _ = Self.libraryConfiguration
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: code, message: message)
        }
        db = handle
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        for prepared in statements.values { sqlite3_finalize(prepared.statement) }
        sqlite3_close_v2(db)
    }

    /// Runs one statement with its bound values, calling `onRow` with each row's values (by
    /// column index) and the column names (the same array for every row of the statement).
    func execute(_ sql: String, _ binds: [SQLiteValue], onRow: ([SQLiteValue], [String]) throws -> Void) throws {
        let (statement, names) = try prepared(sql)
        // Every parameter is bound on every execution (sql-kit numbers them all), so the
        // previous execution's values need no clearing.
        defer {
            steps.add(Int(sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_VM_STEP, 1)), ordering: .relaxed)
            sqlite3_reset(statement)
        }
        guard binds.count == Int(sqlite3_bind_parameter_count(statement)) else {
            throw SQLiteError(code: SQLITE_RANGE, message: "\(binds.count) values for \(sqlite3_bind_parameter_count(statement)) parameters")
        }
        for (index, value) in binds.enumerated() {
            try check(bind(value, at: Int32(index + 1), to: statement))
        }
        let columnCount = Int32(names.count)
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { return }
            guard step == SQLITE_ROW else { throw error(step) }
            var values: [SQLiteValue] = []
            values.reserveCapacity(names.count)
            for column in 0..<columnCount { values.append(value(of: statement, at: column)) }
            try onRow(values, names)
        }
    }

    /// Runs SQL that takes no values and returns no rows (pragmas), uncached.
    func run(_ sql: String) throws {
        try check(sqlite3_exec(db, sql, nil, nil, nil))
    }

    /// Runs a statement that takes no values and returns no rows from the cache: BEGIN and
    /// COMMIT around every read unit, which `sqlite3_exec` would parse each time.
    func runCached(_ sql: String) throws {
        try execute(sql, []) { _, _ in }
    }

    private func prepared(_ sql: String) throws -> (statement: OpaquePointer, names: [String]) {
        if let cached = statements[sql] { return cached }
        if statements.count >= Self.maxCachedStatements {
            for prepared in statements.values { sqlite3_finalize(prepared.statement) }
            statements.removeAll(keepingCapacity: true)
        }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code) }
        let names = (0..<sqlite3_column_count(statement)).map { String(cString: sqlite3_column_name(statement, $0)) }
        statements[sql] = (statement, names)
        return (statement, names)
    }

    private func bind(_ value: SQLiteValue, at index: Int32, to statement: OpaquePointer) -> Int32 {
        switch value {
        case .null: sqlite3_bind_null(statement, index)
        case let .integer(number): sqlite3_bind_int64(statement, index, number)
        case let .real(number): sqlite3_bind_double(statement, index, number)
        case let .text(text): sqlite3_bind_text(statement, index, text, -1, conduit_sqlite_transient())
        case let .blob(bytes): bytes.withUnsafeBytes {
                sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), conduit_sqlite_transient())
            }
        }
    }

    private func value(of statement: OpaquePointer, at column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let bytes = sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let bytes = sqlite3_column_blob(statement, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw error(code) }
    }

    private func error(_ code: Int32) -> SQLiteError {
        SQLiteError(code: code, message: String(cString: sqlite3_errmsg(db)))
    }
}
