import Logging
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
