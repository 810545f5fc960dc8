import SQLKit

/// An article's tags as one column of the article's own row (`articles.tag_list`, schema
/// version 3), in the author's order: an array on PostgreSQL; on SQLite, which has no arrays,
/// one text joined by U+001F (tags are one-line fields and cannot hold a control character).
/// Written by the statement that writes the article, in the transaction that writes its
/// `article_tags` links.
enum TagListColumn {
    /// The column, on an article aliased `a`.
    static let expression: SQLQueryString = "a.tag_list"

    /// The value to store for `tags` on `database`.
    static func value(_ tags: [String], on database: any SQLDatabase) -> any Encodable & Sendable {
        isPostgres(database) ? tags : tags.joined(separator: "\u{1F}")
    }

    /// The tags in column `index` of a row that read `expression` on `database`.
    static func read(_ column: RowReader, _ index: Int, on database: any SQLDatabase) throws -> [String] {
        if isPostgres(database) { return try column(index) }
        return split(try column(index, as: String.self))
    }

    /// The tags of SQLite's joined text. Split by bytes: U+001F is one byte in UTF-8 and never
    /// part of another character's encoding, and splitting by `Character` (graphemes) was most
    /// of what reading a page's rows cost.
    static func split(_ joined: String) -> [String] {
        let bytes = joined.utf8
        var tags: [String] = []
        var start = bytes.startIndex
        while let end = bytes[start...].firstIndex(of: 0x1F) {
            if start < end { tags.append(String(Substring(bytes[start..<end]))) }
            start = bytes.index(after: end)
        }
        if start < bytes.endIndex { tags.append(String(Substring(bytes[start...]))) }
        return tags
    }

    static func isPostgres(_ database: any SQLDatabase) -> Bool { database.dialect.name == "postgresql" }
}
