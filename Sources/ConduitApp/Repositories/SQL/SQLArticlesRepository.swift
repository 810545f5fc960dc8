import SQLKit

/// ``ArticlesRepository`` over sql-kit: articles and their tags as stored, for writes and
/// ownership checks (what viewers see comes from ``SQLArticleViewsRepository``).
public struct SQLArticlesRepository: ArticlesRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    static let columns = "a.id, a.slug, a.title, a.description, a.body, a.author_id, a.created_at, a.updated_at"

    public func create(slug: String, title: String, description: String, body: String, authorID: Int64, tags: [String], at timestamp: String) async throws(RepositoryError) -> Article {
        let id: Int64 = try await SQLErrors.translate {
            try await store.transaction { database in
                let row = try await database.raw("""
                    INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at, tag_list)
                    VALUES (\(bind: slug), \(bind: title), \(bind: description), \(bind: body), \(bind: authorID), \(bind: timestamp), \(bind: timestamp),
                        \(bind: TagListColumn.value(tags, on: database)))
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
        let database = store.reader
        let row = try await SQLErrors.translate {
            try await database.raw("""
                SELECT \(unsafeRaw: Self.columns), \(TagListColumn.expression) AS tags FROM articles a WHERE a.slug = \(bind: slug)
                """).first()
        }
        guard let row else { return nil }
        do {
            // In the order of `columns`, then the tags.
            let column = RowReader(row)
            return Article(
                id: try column(0), slug: try column(1), title: try column(2), description: try column(3), body: try column(4),
                authorID: try column(5), tagList: try TagListColumn.read(column, 8, on: database), createdAt: try column(6),
                updatedAt: try column(7))
        } catch {
            throw .unavailable("cannot decode articles row: \(error)")
        }
    }

    public func update(_ article: Article, tags: [String]?) async throws(RepositoryError) -> Article {
        let updated = try await SQLErrors.translate {
            try await store.transaction { database in
                // The tag list in the same statement: a second UPDATE would write the row again
                // (on PostgreSQL a dead version of the whole article, body included).
                let newTags: SQLQueryString = tags.map { ", tag_list = \(bind: TagListColumn.value($0, on: database))" } ?? ""
                let row = try await database.raw("""
                    UPDATE articles SET slug = \(bind: article.slug), title = \(bind: article.title),
                        description = \(bind: article.description), body = \(bind: article.body), updated_at = \(bind: article.updatedAt)\(newTags)
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
            // A transaction, so that PostgreSQL runs it again should the counters it updates
            // (tags', the author's) make it a deadlock victim.
            try await store.transaction { database in try await database.raw("DELETE FROM articles WHERE id = \(bind: id)").run() }
        }
    }

    public func allTags() async throws(RepositoryError) -> [String] {
        // From the tags' counters, not their links: SQLite gathered every link first (11 ms with
        // 20,000 articles, growing with them).
        let rows = try await SQLErrors.translate {
            try await store.reader.raw("SELECT t.name FROM tags t JOIN tag_counts c ON c.tag_id = t.id WHERE c.articles > 0 ORDER BY t.name").all()
        }
        do {
            return try rows.map { try RowReader($0)(0, as: String.self) }
        } catch {
            throw .unavailable("cannot decode tag name: \(error)")
        }
    }

    /// Tags: created if new, linked in the order given (position), old links removed (the
    /// article's own list, ``TagListColumn``, is written by the statement that writes the
    /// article). A link carries its article's creation time, so that a tag's articles page from
    /// an index.
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
        // Linked in sorted order too (each link updates its tag's counter), keeping the
        // author's order in `position`.
        for (position, tag) in tags.enumerated().sorted(by: { $0.element < $1.element }) {
            try await database.raw("""
                INSERT INTO article_tags (article_id, tag_id, position, created_at)
                SELECT \(bind: articleID), t.id, \(bind: position), a.created_at FROM tags t, articles a
                WHERE t.name = \(bind: tag) AND a.id = \(bind: articleID)
                """).run()
        }
    }

    static func decode<T: Decodable>(_ row: any SQLRow, _ column: String, as type: T.Type) throws(RepositoryError) -> T {
        do {
            return try row.decode(column: column, as: type)
        } catch {
            throw .unavailable("cannot decode \(column): \(error)")
        }
    }
}
