import SQLKit

/// ``CommentsRepository`` over sql-kit.
public struct SQLCommentsRepository: CommentsRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    static let columns = "id, article_id, author_id, body, created_at, updated_at"

    /// One statement finds the article and inserts: looking the article up first cost a round
    /// trip on PostgreSQL, and on SQLite a hop to a reader before the hop to the writer.
    public func create(onArticle slug: String, authorID: Int64, body: String, at timestamp: String) async throws(RepositoryError) -> Comment? {
        let row = try await SQLErrors.translate {
            try await store.write { database in
                try await database.raw("""
                    INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
                    SELECT id, \(bind: authorID), \(bind: body), \(bind: timestamp), \(bind: timestamp) FROM articles WHERE slug = \(bind: slug)
                    RETURNING \(unsafeRaw: Self.columns)
                    """).first()
            }
        }
        return try row.map(Self.comment(from:))
    }

    public func find(id: Int64) async throws(RepositoryError) -> Comment? {
        let row = try await SQLErrors.translate {
            try await store.reader.raw("SELECT \(unsafeRaw: Self.columns) FROM comments WHERE id = \(bind: id)").first()
        }
        return try row.map(Self.comment(from:))
    }

    public func delete(id: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.write { database in try await database.raw("DELETE FROM comments WHERE id = \(bind: id)").run() }
        }
    }

    static func comment(from row: any SQLRow) throws(RepositoryError) -> Comment {
        do {
            // In the order of `columns`.
            let column = RowReader(row)
            return Comment(
                id: try column(0), articleID: try column(1), authorID: try column(2), body: try column(3),
                createdAt: try column(4), updatedAt: try column(5))
        } catch {
            throw .unavailable("cannot decode comments row: \(error)")
        }
    }
}
