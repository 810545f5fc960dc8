/// The Conduit schema, as versioned migrations. Released versions are never edited; a change
/// is a new version.
///
/// Every lookup the API makes has an index: users by username and email (unique, case
/// insensitive), follows both ways, articles by slug (unique), by author and by creation time
/// (feeds and lists are newest first), tags by name, article tags both ways, favorites both
/// ways, comments by article.
public enum Schema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "create conduit schema", statements: [
            """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                username TEXT NOT NULL COLLATE NOCASE UNIQUE,
                email TEXT NOT NULL COLLATE NOCASE UNIQUE,
                password_hash TEXT NOT NULL,
                bio TEXT,
                image TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE follows (
                follower_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                followee_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                PRIMARY KEY (follower_id, followee_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX follows_by_followee ON follows (followee_id, follower_id)",
            """
            CREATE TABLE articles (
                id INTEGER PRIMARY KEY,
                slug TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                description TEXT NOT NULL,
                body TEXT NOT NULL,
                author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX articles_by_created ON articles (created_at DESC, id DESC)",
            "CREATE INDEX articles_by_author ON articles (author_id, created_at DESC)",
            """
            CREATE TABLE tags (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE
            )
            """,
            """
            CREATE TABLE article_tags (
                article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                PRIMARY KEY (article_id, tag_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX article_tags_by_tag ON article_tags (tag_id, article_id)",
            """
            CREATE TABLE favorites (
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                PRIMARY KEY (user_id, article_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX favorites_by_article ON favorites (article_id, user_id)",
            """
            CREATE TABLE comments (
                id INTEGER PRIMARY KEY,
                article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                body TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX comments_by_article ON comments (article_id, created_at)",
        ]),
    ]
}
