import SQLKit

/// ``ArticleViewsRepository`` over sql-kit: each view is one statement, its author, follow,
/// favorites and tags joined or read by correlated subqueries on their indexes, so a page of
/// twenty costs what a page of two does, in one round trip.
public struct SQLArticleViewsRepository: ArticleViewsRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func page(_ filter: ArticleFilter, page: Page, viewerID: Int64?) async throws(RepositoryError) -> (articles: [ArticleView], total: Int) {
        let matching = Self.conditions(filter)
        let total = Self.total(filter, matching: matching)
        let database = store.reader
        // A tag's page is cut from the tag's own index, newest first (sorting every article that
        // carries a common tag took 14 ms with 100,000 articles), a user's favorites from theirs
        // (23 ms for 33,000 favorites), a feed's from the followed authors' newest articles
        // (`feedDepth`); other lists from the articles' indexes. The total is an uncorrelated
        // subquery of the same statement: computed once, from the same snapshot as the page.
        let limits: SQLQueryString = " LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)"
        let indexedIDs = Self.indexedPageIDs(filter, limits: limits)
        let feedOf = filter.tag == nil && filter.author == nil && filter.favoritedBy == nil ? filter.feedOf : nil
        let rows: [any SQLRow]
        if TagListColumn.isPostgres(database) {
            // The page's ids first, then its rows by primary key from them as an array,
            // `= ANY(ARRAY(...))` (a feed has its own form: ``postgresFeed``). Reads run under generic
            // plans (``PostgresStore``), blind to the LIMIT's value: as `IN (ids)` the ids were
            // joined to a sequential scan of the articles (a tag's page: 106 req/s with 100,000
            // articles), and in one level a signed-in viewer's follows and favorites were
            // computed for every article before the sort (136 req/s).
            let (source, pageLimits): (SQLQueryString, SQLQueryString) =
                if let feedOf { (Self.postgresFeed(of: feedOf, page: page, limits: limits), "") }
                else if let indexedIDs { ("articles a JOIN users u ON u.id = a.author_id WHERE a.id = ANY(ARRAY(\(indexedIDs)))", "") }
                else {
                    ("articles a JOIN users u ON u.id = a.author_id WHERE a.id = ANY(ARRAY(SELECT a.id FROM articles a"
                        + matching + " ORDER BY a.created_at DESC, a.id DESC" + limits + "))", "")
                }
            rows = try await SQLErrors.translate {
                try await database.raw("""
                    SELECT \(total) AS total, \(Self.viewColumns(database, viewerID: viewerID, body: false))
                    FROM \(source)
                    ORDER BY a.created_at DESC, a.id DESC\(pageLimits)
                    """).all()
            }
        } else {
            // The page's ids first, then their views: SQLite computes a row's select list before
            // it sorts, so sorting the matches with their subqueries (favorites, follows) ran
            // every match's subqueries (a feed of 50 articles: 0.5 ms for 10 shown).
            let pageIDs = feedOf.map { Self.sqliteFeedPageIDs(of: $0, page: page, limits: limits) } ?? indexedIDs
                ?? "SELECT a.id FROM articles a\(matching) ORDER BY a.created_at DESC, a.id DESC" + limits
            rows = try await SQLErrors.translate {
                try await database.raw("""
                    SELECT \(total) AS total, \(Self.viewColumns(database, viewerID: viewerID, body: false))
                    FROM (\(pageIDs)) page JOIN articles a ON a.id = page.id JOIN users u ON u.id = a.author_id
                    ORDER BY a.created_at DESC, a.id DESC
                    """).all()
            }
        }
        let articles = try Self.views(from: rows, database)
        if let first = rows.first {
            return (articles, try Self.read(first, 0, as: Int.self))
        }
        // Past the last page no row carries the total: read it alone (nothing to disagree with).
        guard page.offset > 0 else { return ([], 0) }
        let totalRow = try await SQLErrors.translate {
            try await database.raw("SELECT \(total) AS total").first()
        }
        return ([], try totalRow.map { row throws(RepositoryError) in try Self.read(row, 0, as: Int.self) } ?? 0)
    }

    public func article(slug: String, viewerID: Int64?) async throws(RepositoryError) -> ArticleView? {
        let database = store.reader
        let rows = try await SQLErrors.translate {
            try await database.raw("""
                SELECT 0 AS total, \(Self.viewColumns(database, viewerID: viewerID, body: true))
                FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = \(bind: slug)
                """).all()
        }
        return try Self.views(from: rows, database).first
    }

    public func comments(slug: String, viewerID: Int64?) async throws(RepositoryError) -> [CommentView]? {
        // The article joined to its comments: no row means no article, one row without a
        // comment id an article without comments.
        let rows = try await SQLErrors.translate {
            try await store.reader.raw("""
                SELECT a.id AS article_id, c.id AS comment_id, c.author_id, c.body, c.created_at, c.updated_at, u.username, u.bio, u.image,
                    \(Self.follows("c.author_id", viewerID: viewerID)) AS following
                FROM articles a LEFT JOIN comments c ON c.article_id = a.id LEFT JOIN users u ON u.id = c.author_id
                WHERE a.slug = \(bind: slug) ORDER BY c.created_at, c.id
                """).all()
        }
        guard !rows.isEmpty else { return nil }
        do {
            var comments: [CommentView] = []
            comments.reserveCapacity(rows.count)
            for row in rows {
                let column = RowReader(row)  // in the order of the select list
                guard let id = try column(1, as: Int64?.self) else { continue }
                comments.append(CommentView(
                    comment: Comment(id: id, articleID: try column(0), authorID: try column(2), body: try column(3),
                                     createdAt: try column(4), updatedAt: try column(5)),
                    author: Profile(username: try column(6), bio: try column(7), image: try column(8), following: try column(9))))
            }
            return comments
        } catch {
            throw .unavailable("cannot decode comments row: \(error)")
        }
    }

    // MARK: The statement's parts

    /// The ids of a page cut from an index of its own, newest first, for a filter that has one:
    /// a tag alone (`article_tags_by_tag_newest`) or a user's favorites alone
    /// (`favorites_by_user_newest`). Both carry their article's creation time.
    static func indexedPageIDs(_ filter: ArticleFilter, limits: SQLQueryString) -> SQLQueryString? {
        switch (filter.tag, filter.author, filter.favoritedBy, filter.feedOf) {
        case let (tag?, nil, nil, nil):
            return """
                SELECT at.article_id AS id FROM article_tags at WHERE at.tag_id = (SELECT id FROM tags WHERE name = \(bind: tag))
                    ORDER BY at.created_at DESC, at.article_id DESC
                """ + limits
        case let (nil, nil, favoritedBy?, nil):
            return """
                SELECT f.article_id AS id FROM favorites f WHERE f.user_id = (SELECT id FROM users WHERE username = \(bind: favoritedBy))
                    ORDER BY f.article_created_at DESC, f.article_id DESC
                """ + limits
        default:
            return nil
        }
    }

    /// A feed's page reads each followed author's newest `offset + limit` articles only
    /// (`articles_by_author`): the page can only hold those. Filtering all articles by the
    /// follows read every article of the followed authors (SQLite: and sorted them all), or
    /// scanned the articles newest first until the page was full (PostgreSQL: the whole table
    /// when the followed authors had written nothing lately). Now the cost grows with the
    /// number of followed authors and the page's end, not with what anyone wrote.
    static func feedDepth(_ page: Page) -> Int {
        let (sum, overflow) = page.offset.addingReportingOverflow(page.limit)
        return overflow ? Int.max : sum
    }

    /// PostgreSQL: the feed's page, as `articles a JOIN users u`, cut from a `LATERAL` subquery
    /// per followed author; the author and the select list's subqueries only for the page's rows.
    static func postgresFeed(of follower: Int64, page: Page, limits: SQLQueryString) -> SQLQueryString {
        """
        (SELECT fa.* FROM follows feed CROSS JOIN LATERAL (
                    SELECT x.* FROM articles x WHERE x.author_id = feed.followee_id
                    ORDER BY x.created_at DESC, x.id DESC LIMIT \(bind: feedDepth(page))) fa
                WHERE feed.follower_id = \(bind: follower) ORDER BY fa.created_at DESC, fa.id DESC
        """ + limits + ") a JOIN users u ON u.id = a.author_id"
    }

    /// SQLite, which has no `LATERAL`: the ids of a feed's page. Each followed author's time of
    /// their (offset + limit)-th newest article (none if they wrote fewer) bounds a range of
    /// their index; SQLite computes it once per followed author, as the range's start.
    static func sqliteFeedPageIDs(of follower: Int64, page: Page, limits: SQLQueryString) -> SQLQueryString {
        """
        SELECT a.id FROM follows fo JOIN articles a ON a.author_id = fo.followee_id AND a.created_at >= COALESCE((
                SELECT fa.created_at FROM articles fa WHERE fa.author_id = fo.followee_id
                ORDER BY fa.created_at DESC LIMIT 1 OFFSET \(bind: feedDepth(page) - 1)), '')
            WHERE fo.follower_id = \(bind: follower) ORDER BY a.created_at DESC, a.id DESC
        """ + limits
    }

    /// The WHERE clause of a filter (empty without one), on `articles a`.
    static func conditions(_ filter: ArticleFilter) -> SQLQueryString {
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
                a.id IN (SELECT f.article_id FROM favorites f JOIN users fu ON fu.id = f.user_id WHERE fu.username = \(bind: favoritedBy))
                """)
        }
        if let follower = filter.feedOf {
            conditions.append("a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = \(bind: follower))")
        }
        return conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    /// The number of articles `filter` matches, as a scalar subquery. The usual lists read a
    /// counter the database keeps in step with every write (schema version 2: triggers in the
    /// writing transaction), so their cost does not grow with the number of articles: all
    /// articles, a tag's, an author's, a user's favorites, a feed (the followed authors'
    /// counts). Combined filters count the matches.
    static func total(_ filter: ArticleFilter, matching: SQLQueryString) -> SQLQueryString {
        switch (filter.tag, filter.author, filter.favoritedBy, filter.feedOf) {
        case (nil, nil, nil, nil):
            return "(SELECT articles FROM article_counts WHERE id = 1)"
        case let (tag?, nil, nil, nil):
            return "COALESCE((SELECT c.articles FROM tag_counts c JOIN tags t ON t.id = c.tag_id WHERE t.name = \(bind: tag)), 0)"
        case let (nil, author?, nil, nil):
            return "COALESCE((SELECT c.articles FROM user_counts c JOIN users cu ON cu.id = c.user_id WHERE cu.username = \(bind: author)), 0)"
        case let (nil, nil, favoritedBy?, nil):
            return "COALESCE((SELECT c.favorites FROM user_counts c JOIN users cu ON cu.id = c.user_id WHERE cu.username = \(bind: favoritedBy)), 0)"
        case let (nil, nil, nil, follower?):
            return """
                (SELECT CAST(COALESCE(SUM(c.articles), 0) AS BIGINT) FROM follows fo JOIN user_counts c ON c.user_id = fo.followee_id
                    WHERE fo.follower_id = \(bind: follower))
                """
        default:
            return "(SELECT COUNT(*) FROM articles a\(matching))"
        }
    }

    /// Columns 1-15 of a view row (column 0 is the total), on `articles a JOIN users u`. An
    /// anonymous viewer (nil) follows and favorites nothing: constants, no lookups. Without `body`, the
    /// body column is empty: lists never show it, and copying ten bodies out of the database
    /// into strings was a tenth of what a page cost.
    static func viewColumns(_ database: any SQLDatabase, viewerID: Int64?, body: Bool) -> SQLQueryString {
        let bodyColumn: SQLQueryString = body ? "a.body" : "'' AS body"
        let favorited: SQLQueryString = viewerID.map { "EXISTS (SELECT 1 FROM favorites f WHERE f.user_id = \(bind: $0) AND f.article_id = a.id)" } ?? "FALSE"
        return """
            a.id, a.slug, a.title, a.description, \(bodyColumn), a.author_id, a.created_at, a.updated_at,
            u.username, u.bio, u.image,
            COALESCE((SELECT fc.favorites FROM article_favorite_counts fc WHERE fc.article_id = a.id), 0) AS favorites_count,
            \(favorited) AS favorited, \(follows("a.author_id", viewerID: viewerID)) AS following,
            \(TagListColumn.expression) AS tags
            """
    }

    /// Whether the viewer follows the author in column `author`. An anonymous viewer follows
    /// nobody: a constant, no lookup per row.
    static func follows(_ author: SQLQueryString, viewerID: Int64?) -> SQLQueryString {
        guard let viewerID else { return "FALSE" }
        return "EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = \(bind: viewerID) AND fo.followee_id = " + author + ")"
    }

    static func views(from rows: [any SQLRow], _ database: any SQLDatabase) throws(RepositoryError) -> [ArticleView] {
        var views: [ArticleView] = []
        views.reserveCapacity(rows.count)
        do {
            for row in rows {
                let column = RowReader(row)  // in the order of the select list
                let tags = try TagListColumn.read(column, 15, on: database)
                views.append(ArticleView(
                    article: Article(
                        id: try column(1), slug: try column(2), title: try column(3), description: try column(4), body: try column(5),
                        authorID: try column(6), tagList: tags, createdAt: try column(7), updatedAt: try column(8)),
                    author: Profile(username: try column(9), bio: try column(10), image: try column(11), following: try column(14)),
                    favorited: try column(13), favoritesCount: try column(12)))
            }
        } catch {
            throw .unavailable("cannot decode article view row: \(error)")
        }
        return views
    }

    static func read<T: Decodable>(_ row: any SQLRow, _ index: Int, as type: T.Type) throws(RepositoryError) -> T {
        do {
            return try RowReader(row)(index, as: type)
        } catch {
            throw .unavailable("cannot decode column \(index): \(error)")
        }
    }
}
