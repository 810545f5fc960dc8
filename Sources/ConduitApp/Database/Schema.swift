/// The Conduit schema, as versioned migrations. Released versions are never edited; a change
/// is a new version.
///
/// Every lookup the API makes has an index: users by username and email (unique, case
/// insensitive), follows both ways, articles by slug (unique), by author and by creation time
/// (feeds and lists are newest first), tags by name, article tags both ways (a tag's articles
/// newest first, from version 2), favorites both ways, comments by article. From version 2 the
/// lists' totals are counters (`article_counts`, `tag_counts`, `user_counts`) kept by triggers
/// in the writing transaction. They live in tables of their own: every update of a row leaves
/// a dead version behind on PostgreSQL, and the users and tags that each page reads must not
/// carry them (with the counters inside `tags`, a tag lookup walked 606 row versions). On
/// PostgreSQL the triggers are deferred to the commit, so the one `article_counts` row is
/// locked for the commit alone, not for the rest of an article's transaction, which concurrent
/// authors would queue behind. From version 3 an article carries its tag list (`tag_list`: text
/// joined by U+001F on SQLite, an array on PostgreSQL), written by the statement that writes
/// the article, in the transaction that writes its links: a page had read each article's tags
/// through `article_tags` and `tags` and sorted them, a third of an SQLite page's cost. The
/// links stay the truth for a tag's articles and counts. From version 4 an article's favorites
/// are counted too (`article_favorite_counts`, kept by triggers like the others: counting them
/// per view took 4.3 ms for an article 100,000 readers had favorited), and a favorite carries
/// its article's creation time (`favorites.article_created_at`, written by the statement that
/// favorites), so that a user's favorites page is cut from an index, newest first, like a
/// tag's (it sorted all of them: 23 ms for 33,000). From version 5 a token names a session
/// (`sessions`), which logout and a password change delete (docs/THREAT_MODEL.md).
///
/// PostgreSQL gets the same tables, keys and indexes under the same versions: ids are BIGINT
/// identities, usernames and emails use a case-insensitive ICU collation (SQLite: NOCASE; ICU
/// also folds non-ASCII case), and text that is sorted or compared byte-wise in SQLite (tags,
/// slugs, timestamps) is `COLLATE "C"`, so both engines order alike whatever the database's
/// locale. Unique constraints are named `<table>_<column>_key`, which is how a violation names
/// its field.
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
        ], postgres: [
            "CREATE COLLATION IF NOT EXISTS conduit_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
            """
            CREATE TABLE users (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                username TEXT NOT NULL COLLATE conduit_nocase CONSTRAINT users_username_key UNIQUE,
                email TEXT NOT NULL COLLATE conduit_nocase CONSTRAINT users_email_key UNIQUE,
                password_hash TEXT NOT NULL,
                bio TEXT,
                image TEXT,
                created_at TEXT COLLATE "C" NOT NULL,
                updated_at TEXT COLLATE "C" NOT NULL
            )
            """,
            """
            CREATE TABLE follows (
                follower_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                followee_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                PRIMARY KEY (follower_id, followee_id)
            )
            """,
            "CREATE INDEX follows_by_followee ON follows (followee_id, follower_id)",
            """
            CREATE TABLE articles (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                slug TEXT COLLATE "C" NOT NULL CONSTRAINT articles_slug_key UNIQUE,
                title TEXT NOT NULL,
                description TEXT NOT NULL,
                body TEXT NOT NULL,
                author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at TEXT COLLATE "C" NOT NULL,
                updated_at TEXT COLLATE "C" NOT NULL
            )
            """,
            "CREATE INDEX articles_by_created ON articles (created_at DESC, id DESC)",
            "CREATE INDEX articles_by_author ON articles (author_id, created_at DESC)",
            """
            CREATE TABLE tags (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                name TEXT COLLATE "C" NOT NULL CONSTRAINT tags_name_key UNIQUE
            )
            """,
            """
            CREATE TABLE article_tags (
                article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                tag_id BIGINT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
                position BIGINT NOT NULL,
                PRIMARY KEY (article_id, tag_id)
            )
            """,
            "CREATE INDEX article_tags_by_tag ON article_tags (tag_id, article_id)",
            """
            CREATE TABLE favorites (
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                PRIMARY KEY (user_id, article_id)
            )
            """,
            "CREATE INDEX favorites_by_article ON favorites (article_id, user_id)",
            """
            CREATE TABLE comments (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                body TEXT NOT NULL,
                created_at TEXT COLLATE "C" NOT NULL,
                updated_at TEXT COLLATE "C" NOT NULL
            )
            """,
            "CREATE INDEX comments_by_article ON comments (article_id, created_at)",
        ]),
        Migration(version: 2, name: "list totals from counters; a tag's articles newest first from an index", statements: [
            "ALTER TABLE article_tags ADD COLUMN created_at TEXT NOT NULL DEFAULT ''",
            "UPDATE article_tags SET created_at = (SELECT created_at FROM articles WHERE articles.id = article_tags.article_id)",
            "CREATE INDEX article_tags_by_tag_newest ON article_tags (tag_id, created_at DESC, article_id DESC)",
            "DROP INDEX article_tags_by_tag",
            "CREATE TABLE article_counts (id INTEGER PRIMARY KEY CHECK (id = 1), articles BIGINT NOT NULL)",
            "INSERT INTO article_counts (id, articles) SELECT 1, COUNT(*) FROM articles",
            """
            CREATE TABLE tag_counts (
                tag_id INTEGER PRIMARY KEY REFERENCES tags(id) ON DELETE CASCADE,
                articles BIGINT NOT NULL
            )
            """,
            "INSERT INTO tag_counts (tag_id, articles) SELECT tag_id, COUNT(*) FROM article_tags GROUP BY tag_id",
            """
            CREATE TABLE user_counts (
                user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                articles BIGINT NOT NULL DEFAULT 0,
                favorites BIGINT NOT NULL DEFAULT 0
            )
            """,
            """
            INSERT INTO user_counts (user_id, articles, favorites)
            SELECT id, (SELECT COUNT(*) FROM articles WHERE author_id = users.id), (SELECT COUNT(*) FROM favorites WHERE user_id = users.id)
            FROM users
            """,
            """
            CREATE TRIGGER articles_counted_in AFTER INSERT ON articles BEGIN
                UPDATE article_counts SET articles = articles + 1 WHERE id = 1;
                INSERT INTO user_counts (user_id, articles) VALUES (NEW.author_id, 1)
                    ON CONFLICT (user_id) DO UPDATE SET articles = articles + 1;
            END
            """,
            """
            CREATE TRIGGER articles_counted_out AFTER DELETE ON articles BEGIN
                UPDATE article_counts SET articles = articles - 1 WHERE id = 1;
                UPDATE user_counts SET articles = articles - 1 WHERE user_id = OLD.author_id;
            END
            """,
            """
            CREATE TRIGGER article_tags_counted_in AFTER INSERT ON article_tags BEGIN
                INSERT INTO tag_counts (tag_id, articles) VALUES (NEW.tag_id, 1)
                    ON CONFLICT (tag_id) DO UPDATE SET articles = articles + 1;
            END
            """,
            """
            CREATE TRIGGER article_tags_counted_out AFTER DELETE ON article_tags BEGIN
                UPDATE tag_counts SET articles = articles - 1 WHERE tag_id = OLD.tag_id;
            END
            """,
            """
            CREATE TRIGGER favorites_counted_in AFTER INSERT ON favorites BEGIN
                INSERT INTO user_counts (user_id, favorites) VALUES (NEW.user_id, 1)
                    ON CONFLICT (user_id) DO UPDATE SET favorites = favorites + 1;
            END
            """,
            """
            CREATE TRIGGER favorites_counted_out AFTER DELETE ON favorites BEGIN
                UPDATE user_counts SET favorites = favorites - 1 WHERE user_id = OLD.user_id;
            END
            """,
        ], postgres: [
            "ALTER TABLE article_tags ADD COLUMN created_at TEXT COLLATE \"C\" NOT NULL DEFAULT ''",
            "UPDATE article_tags SET created_at = articles.created_at FROM articles WHERE articles.id = article_tags.article_id",
            "CREATE INDEX article_tags_by_tag_newest ON article_tags (tag_id, created_at DESC, article_id DESC)",
            "DROP INDEX article_tags_by_tag",
            "CREATE TABLE article_counts (id INTEGER PRIMARY KEY CHECK (id = 1), articles BIGINT NOT NULL)",
            "INSERT INTO article_counts (id, articles) SELECT 1, COUNT(*) FROM articles",
            """
            CREATE TABLE tag_counts (
                tag_id BIGINT PRIMARY KEY REFERENCES tags(id) ON DELETE CASCADE,
                articles BIGINT NOT NULL
            )
            """,
            "INSERT INTO tag_counts (tag_id, articles) SELECT tag_id, COUNT(*) FROM article_tags GROUP BY tag_id",
            """
            CREATE TABLE user_counts (
                user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                articles BIGINT NOT NULL DEFAULT 0,
                favorites BIGINT NOT NULL DEFAULT 0
            )
            """,
            """
            INSERT INTO user_counts (user_id, articles, favorites)
            SELECT id, (SELECT COUNT(*) FROM articles WHERE author_id = users.id), (SELECT COUNT(*) FROM favorites WHERE user_id = users.id)
            FROM users
            """,
            """
            CREATE FUNCTION conduit_count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    UPDATE article_counts SET articles = articles + 1 WHERE id = 1;
                    INSERT INTO user_counts (user_id, articles) VALUES (NEW.author_id, 1)
                        ON CONFLICT (user_id) DO UPDATE SET articles = user_counts.articles + 1;
                ELSE
                    UPDATE article_counts SET articles = articles - 1 WHERE id = 1;
                    UPDATE user_counts SET articles = articles - 1 WHERE user_id = OLD.author_id;
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE CONSTRAINT TRIGGER articles_counted AFTER INSERT OR DELETE ON articles
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION conduit_count_articles()
            """,
            """
            CREATE FUNCTION conduit_count_article_tags() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO tag_counts (tag_id, articles) VALUES (NEW.tag_id, 1)
                        ON CONFLICT (tag_id) DO UPDATE SET articles = tag_counts.articles + 1;
                ELSE
                    UPDATE tag_counts SET articles = articles - 1 WHERE tag_id = OLD.tag_id;
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE CONSTRAINT TRIGGER article_tags_counted AFTER INSERT OR DELETE ON article_tags
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION conduit_count_article_tags()
            """,
            """
            CREATE FUNCTION conduit_count_favorites() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO user_counts (user_id, favorites) VALUES (NEW.user_id, 1)
                        ON CONFLICT (user_id) DO UPDATE SET favorites = user_counts.favorites + 1;
                ELSE
                    UPDATE user_counts SET favorites = favorites - 1 WHERE user_id = OLD.user_id;
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE CONSTRAINT TRIGGER favorites_counted AFTER INSERT OR DELETE ON favorites
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION conduit_count_favorites()
            """,
        ]),
        Migration(version: 3, name: "articles carry their tag list", statements: [
            "ALTER TABLE articles ADD COLUMN tag_list TEXT NOT NULL DEFAULT ''",
            """
            UPDATE articles SET tag_list = COALESCE((SELECT group_concat(name, char(31)) FROM (SELECT t.name AS name
                FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = articles.id ORDER BY at.position)), '')
            """,
        ], postgres: [
            "ALTER TABLE articles ADD COLUMN tag_list TEXT[] NOT NULL DEFAULT '{}'",
            """
            UPDATE articles SET tag_list = ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
                WHERE at.article_id = articles.id ORDER BY at.position)
            """,
        ]),
        Migration(version: 4, name: "favorites counted per article; a user's favorites newest first from an index", statements: [
            """
            CREATE TABLE article_favorite_counts (
                article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
                favorites BIGINT NOT NULL
            )
            """,
            "INSERT INTO article_favorite_counts (article_id, favorites) SELECT article_id, COUNT(*) FROM favorites GROUP BY article_id",
            """
            CREATE TRIGGER favorites_counted_in_article AFTER INSERT ON favorites BEGIN
                INSERT INTO article_favorite_counts (article_id, favorites) VALUES (NEW.article_id, 1)
                    ON CONFLICT (article_id) DO UPDATE SET favorites = favorites + 1;
            END
            """,
            """
            CREATE TRIGGER favorites_counted_out_of_article AFTER DELETE ON favorites BEGIN
                UPDATE article_favorite_counts SET favorites = favorites - 1 WHERE article_id = OLD.article_id;
            END
            """,
            "ALTER TABLE favorites ADD COLUMN article_created_at TEXT NOT NULL DEFAULT ''",
            "UPDATE favorites SET article_created_at = (SELECT created_at FROM articles WHERE articles.id = favorites.article_id)",
            "CREATE INDEX favorites_by_user_newest ON favorites (user_id, article_created_at DESC, article_id DESC)",
        ], postgres: [
            """
            CREATE TABLE article_favorite_counts (
                article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
                favorites BIGINT NOT NULL
            )
            """,
            "INSERT INTO article_favorite_counts (article_id, favorites) SELECT article_id, COUNT(*) FROM favorites GROUP BY article_id",
            """
            CREATE FUNCTION conduit_count_article_favorites() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO article_favorite_counts (article_id, favorites) VALUES (NEW.article_id, 1)
                        ON CONFLICT (article_id) DO UPDATE SET favorites = article_favorite_counts.favorites + 1;
                ELSE
                    UPDATE article_favorite_counts SET favorites = favorites - 1 WHERE article_id = OLD.article_id;
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE CONSTRAINT TRIGGER article_favorites_counted AFTER INSERT OR DELETE ON favorites
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION conduit_count_article_favorites()
            """,
            "ALTER TABLE favorites ADD COLUMN article_created_at TEXT COLLATE \"C\" NOT NULL DEFAULT ''",
            "UPDATE favorites SET article_created_at = articles.created_at FROM articles WHERE articles.id = favorites.article_id",
            "CREATE INDEX favorites_by_user_newest ON favorites (user_id, article_created_at DESC, article_id DESC)",
        ]),
        Migration(version: 5, name: "sessions: a token is good while its session lives", statements: [
            """
            CREATE TABLE sessions (
                id TEXT PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                expires_at INTEGER NOT NULL
            ) WITHOUT ROWID
            """,
            "CREATE INDEX sessions_by_user ON sessions (user_id, expires_at DESC)",
            "CREATE INDEX sessions_by_expiry ON sessions (expires_at)",
        ], postgres: [
            """
            CREATE TABLE sessions (
                id TEXT COLLATE "C" PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX sessions_by_user ON sessions (user_id, expires_at DESC)",
            "CREATE INDEX sessions_by_expiry ON sessions (expires_at)",
        ]),
    ]
}
