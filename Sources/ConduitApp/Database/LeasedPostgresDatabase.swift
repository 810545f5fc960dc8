import Logging
import PostgresKit
import PostgresNIO
import SQLKit

/// An `SQLDatabase` over one leased PostgreSQL connection that runs SELECTs as named prepared
/// statements (``PostgresPreparedStatements``) when `prepares` is set.
struct LeasedPostgresDatabase: AsyncSQLDatabase {
    let connection: PostgresConnection
    let prepares: Bool
    let logger: Logger

    var dialect: any SQLDialect { PostgresDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        if prepares {
            let (sql, binds) = serialize(query)
            // Binds first: a statement that cannot be sent prepared must not take a slot.
            if let bindings = PostgresPreparedStatements.bindings(of: binds), let slot = PostgresPreparedStatements.shared.slot(for: sql) {
                return try await PostgresPreparedStatements.execute(slot: slot, bindings: bindings, on: connection, logger: logger, onRow)
            }
        }
        try await connection.sql(queryLogLevel: nil, logger: logger).execute(sql: query, onRow)
    }
}
