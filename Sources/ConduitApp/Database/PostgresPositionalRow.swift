import PostgresKit
import PostgresNIO
import SQLKit

/// A PostgreSQL row that ``RowReader`` reads by position, decoding each cell straight from its
/// wire bytes for the column types the repositories read. postgres-kit's rows find a column by
/// name and decode it through a `Decoder` (generic metadata lookups and dynamic casts in the
/// profile of a page). Reads by name still go through postgres-kit.
struct PostgresPositionalRow: SQLRow {
    let row: PostgresRow
    private let cells: [PostgresCell]

    init(_ row: PostgresRow) {
        self.row = row
        cells = Array(row)
    }

    var allColumns: [String] { row.sql().allColumns }
    func contains(column: String) -> Bool { row.sql().contains(column: column) }
    func decodeNil(column: String) throws -> Bool { try row.sql().decodeNil(column: column) }
    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D { try row.sql().decode(column: column, as: D.self) }

    /// Column `index` as `D`. The casts are between identical types (the metatype check is exact).
    func decode<D: Decodable>(at index: Int, as type: D.Type) throws -> D {
        let cell = cells[index]
        if D.self == String.self { return unsafeBitCast(try cell.decode(String.self), to: D.self) }
        if D.self == String?.self { return unsafeBitCast(try cell.decode(String?.self), to: D.self) }
        if D.self == Int64.self { return unsafeBitCast(try cell.decode(Int64.self), to: D.self) }
        if D.self == Int64?.self { return unsafeBitCast(try cell.decode(Int64?.self), to: D.self) }
        if D.self == Int.self { return unsafeBitCast(try cell.decode(Int.self), to: D.self) }
        if D.self == Bool.self { return unsafeBitCast(try cell.decode(Bool.self), to: D.self) }
        if D.self == [String].self { return unsafeBitCast(try cell.decode([String].self), to: D.self) }
        return try decode(column: cell.columnName, as: D.self)
    }
}
