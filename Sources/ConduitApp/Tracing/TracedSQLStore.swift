import Logging
import NIOCore
import SQLKit
import Tracing

/// Any ``SQLStore`` with a span for each unit of database work (a GET request's read unit, a
/// write, a transaction) and for each statement, children of the request's span. Attributes
/// are `db.system` and `db.operation.name` (the unit, or the statement's verb) and, for a
/// statement, `db.query.text`: the SQL with its placeholders, never the values bound to them
/// (password hashes, emails, tokens). Only wraps the store when tracing is on.
struct TracedSQLStore: SQLStore {
    let base: any SQLStore
    /// `sqlite` or `postgresql`, as OpenTelemetry names them.
    let system: String

    init(_ base: any SQLStore, engine: DatabaseEngine) {
        self.base = base
        system = engine == .postgres ? "postgresql" : "sqlite"
    }

    var reader: any SQLDatabase { TracedDatabase(base: base.reader, system: system) }

    func read<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await unit("read") { try await base.read(body) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await unit("write") { [system] in try await base.write { try await body(TracedDatabase(base: $0, system: system)) } }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await unit("transaction") { [system] in
            try await base.transaction { try await body(TracedDatabase(base: $0, system: system)) }
        }
    }

    private func unit<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        try await withSpan("db \(operation)", ofKind: .client) { span in
            span.attributes["db.system"] = system
            span.attributes["db.operation.name"] = operation
            return try await body()
        }
    }
}

/// An `SQLDatabase` with a span around each statement; everything else is forwarded.
struct TracedDatabase: ForwardingSQLDatabase {
    let base: any SQLDatabase
    let system: String

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let span = startStatementSpan(query)
        let future = base.execute(sql: query, onRow)
        future.whenComplete { result in
            if case let .failure(error) = result { span.recordError(error) }
            span.end()
        }
        return future
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let span = startStatementSpan(query)
        defer { span.end() }
        do {
            try await base.execute(sql: query, onRow)
        } catch {
            span.recordError(error)
            throw error
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await base.withSession { session in try await closure(TracedDatabase(base: session, system: system)) }
    }

    /// Serializing the statement again costs a little, and only while tracing is on; the
    /// binds it also returns are dropped here.
    private func startStatementSpan(_ query: any SQLExpression) -> any Span {
        let sql = base.serialize(query).sql
        let verb = sql.prefix { !$0.isWhitespace }.uppercased()
        let span = startSpan(verb.isEmpty ? "db statement" : verb, ofKind: .client)
        span.attributes["db.system"] = system
        span.attributes["db.operation.name"] = verb
        span.attributes["db.query.text"] = sql
        return span
    }
}
