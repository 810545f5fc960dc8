import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit

/// One SQLite connection seen through sql-kit's `SQLDatabase`, so that the repositories' SQL
/// is written once for SQLite and PostgreSQL. Every statement runs on one of the connection's
/// threads: `execute` asks for them as the task's executor, which costs nothing when the
/// caller's unit of work already runs there (``SQLiteStore/read(_:)``) and one hop otherwise.
/// The store's lease (``ConnectionLease``) keeps the connection to one unit of work at a time.
struct SQLiteSession: AsyncSQLDatabase {
    let connection: SQLiteConnectionHandle
    let threads: DatabaseThreads
    let logger: Logger

    var dialect: any SQLDialect { SQLiteSQLDialect() }
    /// The drivers never log statements: bound values are hashes, emails and tokens.
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        let values = try binds.map(SQLiteValue.init(bind:))
        try await run { connection in
            try connection.execute(sql, values) { values, names in onRow(SQLiteRow(names: names, values: values)) }
        }
    }

    /// Runs `body` with the connection on one of its threads: directly when already there.
    func run<T: Sendable>(_ body: @Sendable (SQLiteConnectionHandle) throws -> T) async throws -> T {
        if threads.isCurrent { return try body(connection) }
        return try await withTaskExecutorPreference(threads) {
            try body(connection)
        }
    }
}

/// A row by column index, with sql-kit's by-name decoding for the code that asks by name.
struct SQLiteRow: SQLRow {
    let names: [String]
    let values: [SQLiteValue]

    var allColumns: [String] { names }

    func contains(column: String) -> Bool { names.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        guard let index = names.firstIndex(of: column) else { throw SQLiteDecodingError.missingColumn(column) }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = names.firstIndex(of: column) else { throw SQLiteDecodingError.missingColumn(column) }
        return try values[index].decode(as: type, column: column)
    }
}

enum SQLiteDecodingError: Error, CustomStringConvertible {
    case missingColumn(String)
    case typeMismatch(column: String, expected: String, found: String)
    case unsupportedBind(String)

    var description: String {
        switch self {
        case let .missingColumn(column): "no column \(column) in the row"
        case let .typeMismatch(column, expected, found): "column \(column): expected \(expected), found \(found)"
        case let .unsupportedBind(type): "cannot bind a value of type \(type)"
        }
    }
}

/// Optional values among the binds (`String?` for a cleared bio), seen without knowing `Wrapped`.
private protocol OptionalBind {
    var wrappedBind: Any? { get }
}

extension Optional: OptionalBind {
    var wrappedBind: Any? { self.map { $0 as Any } }
}

extension SQLiteValue {
    /// The value of one of sql-kit's binds: the types the repositories bind.
    init(bind: Any) throws {
        switch bind {
        case let value as String: self = .text(value)
        case let value as Int64: self = .integer(value)
        case let value as Int: self = .integer(Int64(value))
        case let value as Int32: self = .integer(Int64(value))
        case let value as Bool: self = .integer(value ? 1 : 0)
        case let value as Double: self = .real(value)
        case let value as [UInt8]: self = .blob(value)
        case let value as Data: self = .blob(Array(value))
        case let value as any OptionalBind:
            guard let wrapped = value.wrappedBind else { self = .null; return }
            self = try SQLiteValue(bind: wrapped)
        default: throw SQLiteDecodingError.unsupportedBind("\(type(of: bind))")
        }
    }

    /// This value as `D`: the column types the schema uses, read without a decoder.
    func decode<D: Decodable>(as type: D.Type, column: String) throws -> D {
        // The types the repositories read, without a dynamic cast (the metatype check is exact,
        // so the bit casts below are between identical types).
        switch self {
        case let .text(text) where D.self == String.self: return unsafeBitCast(text, to: D.self)
        case let .text(text) where D.self == String?.self: return unsafeBitCast(String?.some(text), to: D.self)
        case .null where D.self == String?.self: return unsafeBitCast(String?.none, to: D.self)
        case let .integer(number) where D.self == Int64.self: return unsafeBitCast(number, to: D.self)
        case let .integer(number) where D.self == Int.self: return unsafeBitCast(Int(number), to: D.self)
        case let .integer(number) where D.self == Bool.self: return unsafeBitCast(number != 0, to: D.self)
        case let .integer(number) where D.self == Int64?.self: return unsafeBitCast(Int64?.some(number), to: D.self)
        case .null where D.self == Int64?.self: return unsafeBitCast(Int64?.none, to: D.self)
        default: break
        }
        switch self {
        case let .integer(number):
            if let value = number as? D { return value }
            if let value = Int(number) as? D { return value }
            if let value = Int64?.some(number) as? D { return value }
            if let value = Int?.some(Int(number)) as? D { return value }
            if let value = (number != 0) as? D { return value }
            if let value = Double(number) as? D { return value }
        case let .real(number):
            if let value = number as? D { return value }
            if let value = Double?.some(number) as? D { return value }
        case let .text(text):
            if let value = text as? D { return value }
            if let value = String?.some(text) as? D { return value }
        case let .blob(bytes):
            if let value = bytes as? D { return value }
            if let value = Data(bytes) as? D { return value }
        case .null:
            if let value = String?.none as? D { return value }
            if let value = Int64?.none as? D { return value }
            if let value = Int?.none as? D { return value }
            if let value = Double?.none as? D { return value }
        }
        throw SQLiteDecodingError.typeMismatch(column: column, expected: "\(D.self)", found: "\(self)")
    }
}

/// SQLite as sql-kit serializes for it: numbered `?NNN` placeholders, `RETURNING` and upserts
/// (SQLite 3.35 and later; Debian 12 has 3.40).
struct SQLiteSQLDialect: SQLDialect {
    var name: String { "sqlite" }
    var identifierQuote: any SQLExpression { SQLRaw("\"") }
    var literalStringQuote: any SQLExpression { SQLRaw("'") }
    func bindPlaceholder(at position: Int) -> any SQLExpression {
        position < Self.placeholders.count ? Self.placeholders[position] : SQLRaw("?\(position)")
    }
    /// `?1` to `?31`, made once: a page binds about ten values, each placeholder a new string.
    private static let placeholders = (0..<32).map { SQLRaw("?\($0)") }
    func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "TRUE" : "FALSE") }
    var literalDefault: any SQLExpression { SQLLiteral.null }
    var supportsIfExists: Bool { true }
    var supportsDropBehavior: Bool { false }
    var supportsAutoIncrement: Bool { false }
    var autoIncrementClause: any SQLExpression { SQLRaw("AUTOINCREMENT") }
    var enumSyntax: SQLEnumSyntax { .unsupported }
    var upsertSyntax: SQLUpsertSyntax { .standard }
    var supportsReturning: Bool { true }
}
