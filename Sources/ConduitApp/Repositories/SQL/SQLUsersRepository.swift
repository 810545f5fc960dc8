import Logging
import PostgresNIO
import SQLKit

/// ``UsersRepository`` over sql-kit: every value is a bound parameter.
public struct SQLUsersRepository: UsersRepository {
    let store: any SQLStore
    private var database: any SQLDatabase { store.reader }

    public init(store: any SQLStore) { self.store = store }

    public func create(username: String, email: String, passwordHash: String, at timestamp: String) async throws(RepositoryError) -> User {
        let row = try await SQLErrors.translate {
            try await store.write { database in try await database.raw("""
                INSERT INTO users (username, email, password_hash, created_at, updated_at)
                VALUES (\(bind: username), \(bind: email), \(bind: passwordHash), \(bind: timestamp), \(bind: timestamp))
                RETURNING \(unsafeRaw: Self.columns)
                """).first() }
        }
        guard let row else { throw .unavailable("INSERT returned no row") }
        return try Self.user(from: row)
    }

    public func find(id: Int64) async throws(RepositoryError) -> User? {
        try await one("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(bind: id)")
    }

    public func find(email: String) async throws(RepositoryError) -> User? {
        try await one("SELECT \(unsafeRaw: Self.columns) FROM users WHERE email = \(bind: email)")
    }

    public func find(username: String) async throws(RepositoryError) -> User? {
        try await one("SELECT \(unsafeRaw: Self.columns) FROM users WHERE username = \(bind: username)")
    }

    public func update(_ user: User) async throws(RepositoryError) -> User {
        let row = try await SQLErrors.translate {
            try await store.write { database in try await database.raw("""
                UPDATE users SET username = \(bind: user.username), email = \(bind: user.email),
                    password_hash = \(bind: user.passwordHash), bio = \(bind: user.bio), image = \(bind: user.image),
                    updated_at = \(bind: user.updatedAt)
                WHERE id = \(bind: user.id)
                RETURNING \(unsafeRaw: Self.columns)
                """).first() }
        }
        guard let row else { throw .missing }
        return try Self.user(from: row)
    }

    /// A constant list, never input: the only raw SQL spliced into these queries.
    static let columns = "id, username, email, password_hash, bio, image, created_at, updated_at"

    private func one(_ query: SQLQueryString) async throws(RepositoryError) -> User? {
        let row = try await SQLErrors.translate { try await database.raw(query).first() }
        return try row.map(Self.user(from:))
    }

    static func user(from row: any SQLRow) throws(RepositoryError) -> User {
        do {
            // In the order of `columns`.
            let column = RowReader(row)
            return User(
                id: try column(0), username: try column(1), email: try column(2), passwordHash: try column(3),
                bio: try column(4), image: try column(5), createdAt: try column(6), updatedAt: try column(7))
        } catch {
            throw .unavailable("cannot decode users row: \(error)")
        }
    }
}

/// Database errors as ``RepositoryError``, the same on both engines: unique violations name
/// their column (`.taken`), foreign-key violations mean the row referred to is gone
/// (`.missing`), anything else (unreachable, timed out, busy) is `.unavailable` (503).
enum SQLErrors {
    static func translate<T>(_ body: () async throws -> T) async throws(RepositoryError) -> T {
        do {
            return try await body()
        } catch {
            throw classify(error)
        }
    }

    static func classify(_ error: any Error) -> RepositoryError {
        if let error = error as? PSQLError { return classify(error) }
        let text = String(describing: error)
        // SQLite: "UNIQUE constraint failed: users.username"
        if let range = text.range(of: "UNIQUE constraint failed: ") {
            let column = text[range.upperBound...].prefix { $0 != "," && $0 != " " && $0 != ")" && $0 != "\"" }
            return .taken(String(column.split(separator: ".").last ?? column))
        }
        if text.contains("FOREIGN KEY constraint failed") { return .missing }
        return .unavailable(text)
    }

    /// PostgreSQL: SQLSTATE 23505 unique_violation on a constraint named `<table>_<column>_key`
    /// (Schema.swift names them so), 23503 foreign_key_violation.
    static func classify(_ error: PSQLError) -> RepositoryError {
        let state = error.serverInfo?[.sqlState]
        if state == "23505", let constraint = error.serverInfo?[.constraintName] {
            var field = Substring(constraint)
            if let table = error.serverInfo?[.tableName], field.hasPrefix(table + "_") { field = field.dropFirst(table.count + 1) }
            if field.hasSuffix("_key") { field = field.dropLast(4) }
            return .taken(String(field))
        }
        if state == "23503" { return .missing }
        // 22021: text with a NUL byte (or invalid UTF-8), which PostgreSQL cannot store or
        // compare and SQLite can. No stored row can match it: not found, never a server error.
        if state == "22021" { return .missing }
        let detail = error.serverInfo?[.message].map { "\(state ?? "?"): \($0)" } ?? "\(error.code)"
        return .unavailable("postgres: \(detail)")
    }
}
