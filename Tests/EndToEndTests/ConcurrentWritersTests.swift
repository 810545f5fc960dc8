import Foundation
import HTTPTestSupport
import Synchronization
import Testing

/// Authors posting at the same moment with the same new tags, in different orders: on
/// PostgreSQL two transactions creating the same tags in opposite orders deadlocked, and one of
/// them answered 503.
@Suite("Concurrent writers")
struct ConcurrentWritersTests {
    let api = UsersAPITests()

    /// SQLite always; PostgreSQL when the test server is there (Scripts/test.sh, CI).
    static var databases: [String] {
        TestPostgres.isAvailable ? ["sqlite", "postgres"] : ["sqlite"]
    }

    @Test("20 authors create articles at once with shuffled overlapping new tags: every one 201, tags as given", arguments: databases)
    func overlappingTags(database: String) throws {
        var environment = UsersAPITests.environment.merging(["LOG_LEVEL": "notice"]) { $1 }
        environment["DATABASE_URL"] = database == "postgres" ? try TestPostgres.createDatabase() : ""
        let server = try ServerProcess.start(environment: environment)
        defer { server.stop() }
        let port = server.port
        let tokens = try (0..<20).map { try ArticlesAPITests().register(port, "author\($0)") }
        let pool = (0..<6).map { "tag\($0)-\(UUID().uuidString.prefix(6).lowercased())" }
        var random = SeededGenerator(state: 20261129)
        let tagLists = (0..<20).map { _ in Array(pool.shuffled(using: &random).prefix(4)) }

        for round in 0..<3 {
            let results = Mutex<[(status: Int, tags: [String]?)]>([])
            let start = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            // One thread per author, released together: as many writers at once as possible.
            for index in 0..<20 {
                done.enter()
                Thread.detachNewThread {
                    defer { done.leave() }
                    start.wait()
                    let tags = tagLists[index].map { "\"\($0)-\(round)\"" }.joined(separator: ",")
                    let body = #"{"article":{"title":"Post \#(index)","description":"d","body":"b","tagList":[\#(tags)]}}"#
                    let response = try? api.call(port, "POST", "/api/articles", body: body, token: tokens[index])
                    let article = response?.json["article"] as? [String: Any]
                    results.withLock { $0.append((response?.status ?? -1, article?["tagList"] as? [String])) }
                }
            }
            for _ in 0..<20 { start.signal() }
            done.wait()
            let all = results.withLock { $0 }
            #expect(all.map(\.status) == Array(repeating: 201, count: 20), "round \(round) on \(database): \(all.map(\.status))")
            let expected = Set(tagLists.map { $0.map { "\($0)-\(round)" } })
            #expect(Set(all.compactMap(\.tags)) == expected, "each article keeps its author's tag order")
        }
        let tags = try api.call(port, "GET", "/api/tags")
        #expect((tags.json["tags"] as? [String])?.count == pool.count * 3, "every tag stored once")
        let logs = server.stdoutLines.joined(separator: "\n")
        #expect(!logs.contains("deadlock detected") && !logs.contains("\"request failed\""))
    }
}
