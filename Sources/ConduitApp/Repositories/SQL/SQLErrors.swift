import PostgresNIO

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
