import SQLKit

/// ``FavoritesRepository`` over sql-kit.
public struct SQLFavoritesRepository: FavoritesRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func favorite(userID: Int64, articleID: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.write { database in
                // With the article's creation time, which orders a user's favorites page. An
                // article deleted meanwhile has none: the foreign key then refuses the row (missing).
                try await database.raw("""
                    INSERT INTO favorites (user_id, article_id, article_created_at)
                        VALUES (\(bind: userID), \(bind: articleID), COALESCE((SELECT created_at FROM articles WHERE id = \(bind: articleID)), ''))
                        ON CONFLICT DO NOTHING
                    """).run()
            }
        }
    }

    public func unfavorite(userID: Int64, articleID: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.write { database in
                try await database.raw("DELETE FROM favorites WHERE user_id = \(bind: userID) AND article_id = \(bind: articleID)").run()
            }
        }
    }
}
