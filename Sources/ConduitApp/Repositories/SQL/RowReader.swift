import SQLKit

/// Reads a row's columns by their position in the statement's select list: a direct read of
/// the value on SQLite, of the cell's bytes on PostgreSQL's prepared statements (no name lookup,
/// no decoder). Other rows are read by the column's name at that position, looked up once per
/// row: names in a select list must then be unique (alias `a.id AS article_id` beside `c.id`).
struct RowReader {
    private let sqlite: SQLiteRow?
    private let postgres: PostgresPositionalRow?
    private let row: any SQLRow
    private let columns: [String]

    init(_ row: any SQLRow) {
        self.row = row
        sqlite = row as? SQLiteRow
        postgres = sqlite == nil ? row as? PostgresPositionalRow : nil
        columns = sqlite == nil && postgres == nil ? row.allColumns : []
    }

    func callAsFunction<T: Decodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        if let sqlite { return try sqlite.values[index].decode(as: T.self, column: sqlite.names[index]) }
        if let postgres { return try postgres.decode(at: index, as: T.self) }
        return try row.decode(column: columns[index], as: T.self)
    }
}
