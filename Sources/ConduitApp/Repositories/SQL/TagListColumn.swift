import SQLKit

/// An article's tags as one column of the article's own row, in the author's order: an array
/// on PostgreSQL; on SQLite, which has no arrays, one text joined by U+001F (tags are one-line
/// fields and cannot hold a control character). Needs the article as `a` in the statement.
enum TagListColumn {
    static func expression(on database: any SQLDatabase) -> SQLQueryString {
        if isPostgres(database) {
            return """
                ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id ORDER BY at.position)
                """
        }
        return """
            (SELECT group_concat(name, char(31)) FROM (SELECT t.name AS name FROM article_tags at JOIN tags t ON t.id = at.tag_id
                WHERE at.article_id = a.id ORDER BY at.position))
            """
    }

    /// The tags in column `index` of a row that `expression(on:)` produced on `database`.
    static func read(_ column: RowReader, _ index: Int, on database: any SQLDatabase) throws -> [String] {
        if isPostgres(database) { return try column(index) }
        return (try column(index, as: String?.self))?.split(separator: "\u{1F}").map(String.init) ?? []
    }

    static func isPostgres(_ database: any SQLDatabase) -> Bool { database.dialect.name == "postgresql" }
}
