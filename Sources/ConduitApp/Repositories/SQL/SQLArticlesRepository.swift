import SQLKit

/// ``ArticlesRepository`` over sql-kit. A page costs three queries: the page, the count, and
/// the tags of every article on it.
public struct SQLArticlesRepository: ArticlesRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    static let columns = "a.id, a.slug, a.title, a.description, a.body, a.author_id, a.created_at, a.updated_at"

    public func create(slug: String, title: String, description: String, body: String, authorID: Int64, tags: [String], at timestamp: String) async throws(RepositoryError) -> Article {
        let id: Int64 = try await SQLErrors.translate {
            try await store.transaction { database in
                let row = try await database.raw("""
                    INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at)
                    VALUES (\(bind: slug), \(bind: title), \(bind: description), \(bind: body), \(bind: authorID), \(bind: timestamp), \(bind: timestamp))
                    RETURNING id
                    """).first()
                let id = try row!.decode(column: "id", as: Int64.self)
                try await Self.replaceTags(of: id, with: tags, on: database)
                return id
            }
        }
        return Article(id: id, slug: slug, title: title, description: description, body: body, authorID: authorID,
                       tagList: tags, createdAt: timestamp, updatedAt: timestamp)
    }

    public func find(slug: String) async throws(RepositoryError) -> Article? {
        let rows = try await SQLErrors.translate {
            try await store.reader.raw("SELECT \(unsafeRaw: Self.columns) FROM articles a WHERE a.slug = \(bind: slug)").all()
        }
        return try await withTags(rows).first
    }

    public func update(_ article: Article, tags: [String]?) async throws(RepositoryError) -> Article {
        let updated = try await SQLErrors.translate {
            try await store.transaction { database in
                let row = try await database.raw("""
                    UPDATE articles SET slug = \(bind: article.slug), title = \(bind: article.title),
                        description = \(bind: article.description), body = \(bind: article.body), updated_at = \(bind: article.updatedAt)
                    WHERE id = \(bind: article.id)
                    RETURNING id
                    """).first()
                guard row != nil else { return false }
                if let tags { try await Self.replaceTags(of: article.id, with: tags, on: database) }
                return true
            }
        }
        guard updated else { throw .missing }
        guard let stored = try await find(slug: article.slug) else { throw .missing }
        return stored
    }

    public func delete(id: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.write { database in try await database.raw("DELETE FROM articles WHERE id = \(bind: id)").run() }
        }
    }

    public func list(_ filter: ArticleFilter, page: Page) async throws(RepositoryError) -> (articles: [Article], total: Int) {
        var conditions: [SQLQueryString] = []
        if let tag = filter.tag {
            conditions.append("""
                a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = \(bind: tag))
                """)
        }
        if let author = filter.author {
            conditions.append("a.author_id = (SELECT id FROM users WHERE username = \(bind: author))")
        }
        if let favoritedBy = filter.favoritedBy {
            conditions.append("""
                a.id IN (SELECT f.article_id FROM favorites f JOIN users u ON u.id = f.user_id WHERE u.username = \(bind: favoritedBy))
                """)
        }
        if let follower = filter.feedOf {
            conditions.append("a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = \(bind: follower))")
        }
        let whereClause: SQLQueryString = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let (rows, countRow) = try await SQLErrors.translate {
            let rows = try await store.reader.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM articles a\(whereClause)
                ORDER BY a.created_at DESC, a.id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            let count = try await store.reader.raw("SELECT COUNT(*) AS total FROM articles a\(whereClause)").first()
            return (rows, count)
        }
        let total = (try? countRow?.decode(column: "total", as: Int.self)) ?? 0
        return (try await withTags(rows), total)
    }

    public func allTags() async throws(RepositoryError) -> [String] {
        let rows = try await SQLErrors.translate {
            try await store.reader.raw("""
                SELECT name FROM tags WHERE id IN (SELECT tag_id FROM article_tags) ORDER BY name
                """).all()
        }
        return try rows.map { row throws(RepositoryError) in try Self.decode(row, "name", as: String.self) }
    }

    /// Tags: created if new, linked in the order given (position), old links removed.
    static func replaceTags(of articleID: Int64, with tags: [String], on database: any SQLDatabase) async throws {
        try await database.raw("DELETE FROM article_tags WHERE article_id = \(bind: articleID)").run()
        guard !tags.isEmpty else { return }
        // New tags are created in one statement, in sorted order whatever order the author gave:
        // two transactions creating the same new tags then lock them in the same order, so one
        // waits for the other instead of both deadlocking (PostgreSQL; `["a","b"]` against
        // `["b","a"]`). The article keeps the author's order through `position`.
        let names: [SQLQueryString] = Set(tags).sorted().map { "(\(bind: $0))" }
        let insertTags: SQLQueryString = "INSERT INTO tags (name) VALUES " + names.joined(separator: ", ") + " ON CONFLICT (name) DO NOTHING"
        try await database.raw(insertTags).run()
        for (position, tag) in tags.enumerated() {
            try await database.raw("""
                INSERT INTO article_tags (article_id, tag_id, position)
                SELECT \(bind: articleID), id, \(bind: position) FROM tags WHERE name = \(bind: tag)
                """).run()
        }
    }

    /// Articles from rows, with the tags of all of them fetched in one query.
    private func withTags(_ rows: [any SQLRow]) async throws(RepositoryError) -> [Article] {
        var articles: [Article] = []
        articles.reserveCapacity(rows.count)
        do {
            for row in rows {
                // In the order of `columns`.
                let column = RowReader(row)
                articles.append(Article(
                    id: try column(0), slug: try column(1), title: try column(2), description: try column(3), body: try column(4),
                    authorID: try column(5), tagList: [], createdAt: try column(6), updatedAt: try column(7)))
            }
        } catch {
            throw .unavailable("cannot decode articles row: \(error)")
        }
        guard !articles.isEmpty else { return [] }
        let ids = articles.map(\.id)
        let tagRows = try await SQLErrors.translate {
            try await store.reader.raw("""
                SELECT at.article_id, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
                WHERE at.article_id IN (\(binds: ids)) ORDER BY at.article_id, at.position
                """).all()
        }
        var tags: [Int64: [String]] = [:]
        do {
            for row in tagRows {
                let column = RowReader(row)  // article_id, name
                tags[try column(0, as: Int64.self), default: []].append(try column(1))
            }
        } catch {
            throw .unavailable("cannot decode article_tags row: \(error)")
        }
        for index in articles.indices { articles[index].tagList = tags[articles[index].id] ?? [] }
        return articles
    }

    static func decode<T: Decodable>(_ row: any SQLRow, _ column: String, as type: T.Type) throws(RepositoryError) -> T {
        do {
            return try row.decode(column: column, as: type)
        } catch {
            throw .unavailable("cannot decode \(column): \(error)")
        }
    }
}

/// ``FavoritesRepository`` over sql-kit.
public struct SQLFavoritesRepository: FavoritesRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func favorite(userID: Int64, articleID: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.write { database in
                try await database.raw("""
                    INSERT INTO favorites (user_id, article_id) VALUES (\(bind: userID), \(bind: articleID)) ON CONFLICT DO NOTHING
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

    public func counts(for articleIDs: [Int64]) async throws(RepositoryError) -> [Int64: Int] {
        guard !articleIDs.isEmpty else { return [:] }
        let rows = try await SQLErrors.translate {
            try await store.reader.raw("""
                SELECT article_id, COUNT(*) AS n FROM favorites WHERE article_id IN (\(binds: Array(Set(articleIDs)))) GROUP BY article_id
                """).all()
        }
        var counts: [Int64: Int] = [:]
        for row in rows {
            counts[try SQLArticlesRepository.decode(row, "article_id", as: Int64.self)] = try SQLArticlesRepository.decode(row, "n", as: Int.self)
        }
        return counts
    }

    public func favorited(by userID: Int64, among articleIDs: [Int64]) async throws(RepositoryError) -> Set<Int64> {
        guard !articleIDs.isEmpty else { return [] }
        let rows = try await SQLErrors.translate {
            try await store.reader.raw("""
                SELECT article_id FROM favorites WHERE user_id = \(bind: userID) AND article_id IN (\(binds: Array(Set(articleIDs))))
                """).all()
        }
        var ids = Set<Int64>()
        for row in rows { ids.insert(try SQLArticlesRepository.decode(row, "article_id", as: Int64.self)) }
        return ids
    }
}

/// ``CommentsRepository`` over sql-kit.
public struct SQLCommentsRepository: CommentsRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    static let columns = "id, article_id, author_id, body, created_at, updated_at"

    public func create(articleID: Int64, authorID: Int64, body: String, at timestamp: String) async throws(RepositoryError) -> Comment {
        let row = try await SQLErrors.translate {
            try await store.write { database in
                try await database.raw("""
                    INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
                    VALUES (\(bind: articleID), \(bind: authorID), \(bind: body), \(bind: timestamp), \(bind: timestamp))
                    RETURNING \(unsafeRaw: Self.columns)
                    """).first()
            }
        }
        guard let row else { throw .missing }
        return try Self.comment(from: row)
    }

    public func find(id: Int64) async throws(RepositoryError) -> Comment? {
        let row = try await SQLErrors.translate {
            try await store.reader.raw("SELECT \(unsafeRaw: Self.columns) FROM comments WHERE id = \(bind: id)").first()
        }
        return try row.map(Self.comment(from:))
    }

    public func list(articleID: Int64) async throws(RepositoryError) -> [Comment] {
        let rows = try await SQLErrors.translate {
            try await store.reader.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM comments WHERE article_id = \(bind: articleID) ORDER BY created_at, id
                """).all()
        }
        return try rows.map(Self.comment(from:))
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
