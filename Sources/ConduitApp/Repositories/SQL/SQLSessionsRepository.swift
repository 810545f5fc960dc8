import SQLKit

/// ``SessionsRepository`` over sql-kit: every value is a bound parameter.
public struct SQLSessionsRepository: SessionsRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func create(id: String, userID: Int64, expiresAt: Int64, now: Int64, keepingAtMost: Int) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.transaction { database in
                try await database.raw("DELETE FROM sessions WHERE user_id = \(bind: userID) AND expires_at <= \(bind: now)").run()
                // The user's newest sessions, from the (user_id, expires_at DESC) index; the
                // rest go, so that the one inserted next makes `keepingAtMost`.
                try await database.raw("""
                    DELETE FROM sessions WHERE user_id = \(bind: userID) AND id NOT IN (
                        SELECT id FROM sessions WHERE user_id = \(bind: userID) ORDER BY expires_at DESC LIMIT \(bind: keepingAtMost - 1))
                    """).run()
                try await database.raw("""
                    INSERT INTO sessions (id, user_id, expires_at) VALUES (\(bind: id), \(bind: userID), \(bind: expiresAt))
                    """).run()
            }
        }
    }

    public func find(_ id: String, now: Int64) async throws(RepositoryError) -> (userID: Int64, expiresAt: Int64)? {
        let row = try await SQLErrors.translate {
            try await store.reader.raw("SELECT user_id, expires_at FROM sessions WHERE id = \(bind: id) AND expires_at > \(bind: now)").first()
        }
        guard let row else { return nil }
        do {
            let column = RowReader(row)
            return (try column(0), try column(1))
        } catch {
            throw .unavailable("cannot decode sessions row: \(error)")
        }
    }

    public func delete(id: String, userID: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.write { database in
                try await database.raw("DELETE FROM sessions WHERE id = \(bind: id) AND user_id = \(bind: userID)").run()
            }
        }
    }

    public func deleteAll(userID: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.write { database in try await database.raw("DELETE FROM sessions WHERE user_id = \(bind: userID)").run() }
        }
    }

    public func deleteAll(userID: Int64, except id: String, keptUntil until: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.transaction { database in
                try await database.raw("DELETE FROM sessions WHERE user_id = \(bind: userID) AND id <> \(bind: id)").run()
                try await database.raw("""
                    UPDATE sessions SET expires_at = \(bind: until) WHERE id = \(bind: id) AND user_id = \(bind: userID) AND expires_at > \(bind: until)
                    """).run()
            }
        }
    }

    public func deleteExpired(now: Int64) async throws(RepositoryError) -> Int {
        try await SQLErrors.translate {
            try await store.write { database in
                try await database.raw("DELETE FROM sessions WHERE expires_at <= \(bind: now) RETURNING id").all().count
            }
        }
    }
}
