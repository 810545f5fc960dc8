import Foundation
import Testing

/// Every value in SQL is a bound parameter. This test reads the sources and fails on any
/// interpolation inside an SQL string that is not a bind, a constant column list, or an
/// already-built SQL fragment — the shape string-built SQL with input would take.
@Suite("SQL is never built from input")
struct SQLInjectionGuardTests {
    static let allowed = [
        "\\(bind:", "\\(binds:", "\\(unsafeRaw: Self.columns)",
        // SQLQueryString fragments made of constants and binds only (SQLArticleViewsRepository,
        // TagListColumn): a filter's WHERE clause, the page's ids, its rows' source (PostgreSQL),
        // paging, the total, a view's select list, whether the viewer follows an author, the
        // tags column (read, and written in SQLArticlesRepository).
        "\\(matching)", "\\(pageIDs)", "\\(source)", "\\(pageLimits)", "\\(total)", "\\(newTags)", "\\(Self.viewColumns(", "\\(Self.follows(",
        "\\(TagListColumn.expression)",
    ]

    @Test("no interpolation in SQL strings other than binds and constants")
    func sourcesOnlyBind() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sources = root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 20)
        var offenders: [String] = []
        var checked = 0
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            // SQL lives in `.raw(` calls; look at each call's text up to its closing `)` line.
            var searchStart = text.startIndex
            while let call = text.range(of: ".raw(", range: searchStart..<text.endIndex) {
                let end = text[call.upperBound...].range(of: ").")?.lowerBound ?? text.endIndex
                let sql = text[call.upperBound..<end]
                checked += 1
                var scan = sql.startIndex
                while let interpolation = sql.range(of: "\\(", range: scan..<sql.endIndex) {
                    let rest = sql[interpolation.lowerBound...]
                    if !Self.allowed.contains(where: { rest.hasPrefix($0) }) {
                        offenders.append("\(file.lastPathComponent): \(rest.prefix(60))")
                    }
                    scan = interpolation.upperBound
                }
                searchStart = call.upperBound
            }
        }
        #expect(checked > 20, "the scan found no SQL to check")
        #expect(offenders.isEmpty, "\(offenders)")
    }
}
