import SQLKit

extension SQLDatabase {
    /// Runs `body` between `begin` (`BEGIN`, `BEGIN IMMEDIATE`, `BEGIN ... READ ONLY`) and
    /// `COMMIT`; `ROLLBACK` if it throws, and the error goes on.
    func inTransaction<T>(begin: String = "BEGIN", _ body: () async throws -> T) async throws -> T {
        try await raw(SQLQueryString(begin)).run()
        do {
            let result = try await body()
            try await raw("COMMIT").run()
            return result
        } catch {
            try? await raw("ROLLBACK").run()
            throw error
        }
    }
}
