import Foundation
import HTTPTestSupport
import Synchronization
import Testing

/// Several `conduit` processes on one PostgreSQL database: what running N stateless instances
/// behind a load balancer relies on. Needs `CONDUIT_TEST_POSTGRES_URL` (Scripts/test.sh starts
/// a throwaway PostgreSQL with Scripts/postgres.sh and sets it; CI always does).
@Suite("PostgreSQL: several instances on one database",
       .enabled(if: TestPostgres.isAvailable, "CONDUIT_TEST_POSTGRES_URL is not set (eval \"$(Scripts/postgres.sh start)\")"))
struct PostgresScaleOutTests {
    /// Every instance must share the JWT secret, or a token from one would not verify on the other.
    static func environment(_ databaseURL: String) -> [String: String] {
        UsersAPITests.environment.merging(["DATABASE_URL": databaseURL, "LOG_LEVEL": "notice"]) { $1 }
    }

    /// Two instances on one fresh database, stopped when `body` returns.
    static func withTwoInstances(_ body: (ServerProcess, ServerProcess) throws -> Void) throws {
        let environment = Self.environment(try TestPostgres.createDatabase())
        let a = try ServerProcess.start(environment: environment)
        defer { a.stop() }
        let b = try ServerProcess.start(environment: environment)
        defer { b.stop() }
        try body(a, b)
    }

    @Test("a user registered on one instance logs in on the other; articles and favorites cross over and add up")
    func twoInstances() throws {
        try Self.withTwoInstances { a, b in
            #expect(a.port != b.port)

            let registered = try API.call(a.port, "POST", "/api/users", body: #"{"user":{"username":"alice","email":"alice@example.com","password":"password123"}}"#)
            #expect(registered.status == 201)
            let login = try API.call(b.port, "POST", "/api/users/login", body: #"{"user":{"email":"alice@example.com","password":"password123"}}"#)
            #expect(login.status == 200)
            let token = try #require(API.object(login.json, "user")["token"] as? String)

            let created = try API.call(a.port, "POST", "/api/articles", token: token,
                body: #"{"article":{"title":"Shared state","description":"d","body":"b","tagList":["scale","pg"]}}"#)
            #expect(created.status == 201)
            let slug = try #require(API.object(created.json, "article")["slug"] as? String)
            let listed = try API.call(b.port, "GET", "/api/articles")
            let slugs = (listed.json["articles"] as? [[String: Any]] ?? []).compactMap { $0["slug"] as? String }
            #expect(slugs == [slug])
            #expect(try API.call(b.port, "GET", "/api/tags").json["tags"] as? [String] == ["pg", "scale"])

            // 16 readers, registered alternately on each instance, favorite the article through both
            // instances at once, each of them twice (once per instance): the count is exactly 16.
            let readers = 16
            var tokens: [String] = []
            for index in 0..<readers {
                let port = index.isMultiple(of: 2) ? a.port : b.port
                let response = try API.call(port, "POST", "/api/users", body: #"{"user":{"username":"reader\#(index)","email":"reader\#(index)@example.com","password":"password123"}}"#)
                #expect(response.status == 201)
                tokens.append(try #require(API.object(response.json, "user")["token"] as? String))
            }
            let statuses = Mutex<[Int]>([])
            let ports = [a.port, b.port]
            let readerTokens = tokens
            DispatchQueue.concurrentPerform(iterations: readers * 2) { index in
                let status = (try? API.call(ports[index % 2], "POST", "/api/articles/\(slug)/favorite", token: readerTokens[index / 2]).status) ?? -1
                statuses.withLock { $0.append(status) }
            }
            #expect(statuses.withLock { $0 } == Array(repeating: 200, count: readers * 2))
            for port in ports {
                let article = API.object(try API.call(port, "GET", "/api/articles/\(slug)").json, "article")
                #expect(article["favoritesCount"] as? Int == readers)
            }
            // Half of them unfavorite, again through both instances at once.
            DispatchQueue.concurrentPerform(iterations: readers / 2) { index in
                _ = try? API.call(ports[index % 2], "DELETE", "/api/articles/\(slug)/favorite", token: readerTokens[index])
            }
            #expect(API.object(try API.call(a.port, "GET", "/api/articles/\(slug)").json, "article")["favoritesCount"] as? Int == readers / 2)
        }
    }

    /// Statements an instance has run for reads (`conduit_db_query_duration_seconds_count`).
    static func readStatements(_ port: Int) throws -> Int {
        let text = String(decoding: try API.raw(port, "GET", "/metrics").body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("conduit_db_query_duration_seconds_count{") && $0.contains(#"kind="read""#) }
        return Int(Double(line?.split(separator: " ").last ?? "") ?? -1)
    }

    /// How long after the ending the other instance first answers 401 (it was answering 200
    /// from its cache until then).
    static func refusalDelay(on port: Int, token: String, after end: () throws -> Void) throws -> Duration {
        let clock = ContinuousClock()
        try end()
        let ended = clock.now
        while clock.now - ended < .seconds(5) {
            if try API.call(port, "GET", "/api/user", token: token).status == 401 { return clock.now - ended }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return .seconds(5)
    }

    @Test("a session ended on one instance is refused on the other within one second")
    func sessionsEndEverywhere() throws {
        try Self.withTwoInstances { a, b in
            let jake = #"{"user":{"username":"jake","email":"jake@jake.jake","password":"jakejake"}}"#
            let login = #"{"user":{"email":"jake@jake.jake","password":"jakejake"}}"#
            func token(_ response: (status: Int, json: [String: Any])) throws -> String {
                try #require(API.object(response.json, "user")["token"] as? String)
            }
            let first = try token(API.call(a.port, "POST", "/api/users", body: jake))
            let second = try token(API.call(b.port, "POST", "/api/users/login", body: login))
            let third = try token(API.call(a.port, "POST", "/api/users/login", body: login))
            // Both instances have each token's session cached as live.
            for port in [a.port, b.port] {
                for token in [first, second, third] {
                    for _ in 0..<3 { #expect(try API.call(port, "GET", "/api/user", token: token).status == 200) }
                }
            }
            // From the cache indeed (b listens): 20 reads of the user cost 20 statements, not 40.
            let before = try Self.readStatements(b.port)
            for _ in 0..<20 { #expect(try API.call(b.port, "GET", "/api/user", token: first).status == 200) }
            let statements = try Self.readStatements(b.port) - before
            #expect(statements >= 20 && statements < 30, "\(statements) statements for 20 reads of the current user")
            let logout = try Self.refusalDelay(on: b.port, token: first) {
                let status = try API.call(a.port, "POST", "/api/users/logout", token: first).status
                #expect(status == 204)
            }
            #expect(logout < .seconds(1), "logout on a reached b after \(logout)")
            #expect(try API.call(b.port, "GET", "/api/user", token: second).status == 200, "only that session ended")

            var fresh = ""
            let change = try Self.refusalDelay(on: a.port, token: third) {
                let changed = try API.call(b.port, "PUT", "/api/user", token: second, body: #"{"user":{"password":"a-new-password"}}"#)
                #expect(changed.status == 200)
                fresh = try token(changed)
            }
            #expect(change < .seconds(1), "a password change on b reached a after \(change)")
            #expect(try API.call(a.port, "GET", "/api/user", token: fresh).status == 200)
            // The caller's own previous token outlives the change by a few seconds, on both.
            #expect(try API.call(a.port, "GET", "/api/user", token: second).status == 200)
            Thread.sleep(forTimeInterval: 5.5)
            for port in [a.port, b.port] {
                #expect(try API.call(port, "GET", "/api/user", token: second).status == 401)
                #expect(try API.call(port, "GET", "/api/user", token: fresh).status == 200)
            }
        }
    }

    @Test("an instance restarted meanwhile keeps ended sessions ended and live ones live, and hears endings again")
    func sessionsThroughARestart() throws {
        let environment = Self.environment(try TestPostgres.createDatabase())
        let a = try ServerProcess.start(environment: environment)
        defer { a.stop() }
        let first = try ServerProcess.start(environment: environment)
        defer { first.stop() }  // stopping twice is harmless
        let jake = #"{"user":{"username":"jake","email":"jake@jake.jake","password":"jakejake"}}"#
        let login = #"{"user":{"email":"jake@jake.jake","password":"jakejake"}}"#
        func token(_ response: (status: Int, json: [String: Any])) throws -> String {
            try #require(API.object(response.json, "user")["token"] as? String)
        }
        let ended = try token(API.call(a.port, "POST", "/api/users", body: jake))
        let live = try token(API.call(first.port, "POST", "/api/users/login", body: login))
        let later = try token(API.call(a.port, "POST", "/api/users/login", body: login))
        for token in [ended, live, later] { #expect(try API.call(first.port, "GET", "/api/user", token: token).status == 200) }
        // b stops (SIGTERM); the logout happens while it is down, so it hears no message of it.
        #expect(first.stop() == 0)
        #expect(try API.call(a.port, "POST", "/api/users/logout", token: ended).status == 204)
        let b = try ServerProcess.start(environment: environment)
        defer { b.stop() }
        #expect(try API.call(b.port, "GET", "/api/user", token: ended).status == 401)
        for token in [live, later] { #expect(try API.call(b.port, "GET", "/api/user", token: token).status == 200) }
        // The new b listens: an ending on a reaches it within a second.
        let delay = try Self.refusalDelay(on: b.port, token: later) {
            let status = try API.call(a.port, "POST", "/api/users/logout", token: later).status
            #expect(status == 204)
        }
        #expect(delay < .seconds(1), "logout on a reached the restarted b after \(delay)")
        #expect(try API.call(b.port, "GET", "/api/user", token: live).status == 200)
    }

    @Test("a pool of one still serves requests beside the connection that listens for session endings")
    func poolOfOne() throws {
        let environment = Self.environment(try TestPostgres.createDatabase()).merging(["DATABASE_POOL_SIZE": "1"]) { $1 }
        let server = try ServerProcess.start(environment: environment)
        defer { server.stop() }
        let registered = try API.call(server.port, "POST", "/api/users", body: #"{"user":{"username":"solo","email":"solo@example.com","password":"password123"}}"#)
        #expect(registered.status == 201)
        let token = try #require(API.object(registered.json, "user")["token"] as? String)
        for _ in 0..<5 { #expect(try API.call(server.port, "GET", "/api/user", token: token).status == 200) }
        #expect(try API.call(server.port, "POST", "/api/users/logout", token: token).status == 204)
        #expect(try API.call(server.port, "GET", "/api/user", token: token).status == 401)
    }

    @Test("the same username or email registered on two instances at once: exactly one 201, the rest 409")
    func registrationRaces() throws {
        try Self.withTwoInstances { a, b in
            let ports = [a.port, b.port]
            for round in 0..<4 {
                let sameUsername = Mutex<[Int]>([])
                DispatchQueue.concurrentPerform(iterations: 8) { index in
                    let body = #"{"user":{"username":"racer\#(round)","email":"racer\#(round)-\#(index)@example.com","password":"password123"}}"#
                    let status = (try? API.call(ports[index % 2], "POST", "/api/users", body: body).status) ?? -1
                    sameUsername.withLock { $0.append(status) }
                }
                #expect(sameUsername.withLock { $0 }.sorted() == [201] + Array(repeating: 409, count: 7), "round \(round)")
                let sameEmail = Mutex<[Int]>([])
                DispatchQueue.concurrentPerform(iterations: 8) { index in
                    // Case differs: uniqueness is case-insensitive on both engines.
                    let body = #"{"user":{"username":"mail\#(round)-\#(index)","email":"\#(index.isMultiple(of: 2) ? "Same" : "same")\#(round)@example.com","password":"password123"}}"#
                    let status = (try? API.call(ports[index % 2], "POST", "/api/users", body: body).status) ?? -1
                    sameEmail.withLock { $0.append(status) }
                }
                #expect(sameEmail.withLock { $0 }.sorted() == [201] + Array(repeating: 409, count: 7), "round \(round)")
            }
        }
    }

    @Test("instances starting at once migrate a fresh database exactly once")
    func concurrentMigrations() throws {
        let url = try TestPostgres.createDatabase()
        let servers = Mutex<[ServerProcess]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            do {
                let server = try ServerProcess.start(environment: Self.environment(url))
                servers.withLock { $0.append(server) }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        defer { for server in servers.withLock({ $0 }) { server.stop() } }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(servers.withLock { $0.count } == 3)
        // Every version is recorded once, and exactly one of the three instances applied each.
        let recorded = try TestPostgres.psql(url, "SELECT version FROM schema_migrations ORDER BY version")
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        #expect(!recorded.isEmpty && Set(recorded).count == recorded.count)
        let applied = servers.withLock { $0 }.flatMap(\.logObjects).filter { $0["message"] as? String == "migration applied" }
            .compactMap { $0["version"].map { "\($0)" } }.sorted { Int($0) ?? 0 < Int($1) ?? 0 }
        #expect(applied == recorded, "applied \(applied), recorded \(recorded)")
    }
}

@Suite("PostgreSQL outage and recovery",
       .enabled(if: TestPostgres.isAvailable, "CONDUIT_TEST_POSTGRES_URL is not set (eval \"$(Scripts/postgres.sh start)\")"))
struct PostgresOutageTests {
    struct Write: Sendable {
        let body: String
        let status: Int
        let seconds: Double
        let started: Date
    }

    @Test("PostgreSQL stopped under load: fast 503 envelopes and /readyz 503, recovery without a restart, no acknowledged write lost")
    func outage() throws {
        // A private cluster: stopping the shared one would fail every other test running now.
        let cluster = try TestPostgres.Cluster()
        defer { cluster.destroy() }
        // Connect timeout 1 s, statement timeout 2 s: a request waits at most about 1 s for a
        // connection, and one whose statement was in flight when the server went away is cut
        // off 2 s after the statement timeout (PostgresStore's work deadline).
        let environment = PostgresScaleOutTests.environment(cluster.url).merging([
            "DATABASE_CONNECT_TIMEOUT_SECONDS": "1", "DATABASE_STATEMENT_TIMEOUT_SECONDS": "2",
        ]) { $1 }
        let bound = 1.0 + 2.0 + 2.0 + 2.0  // connect + statement + deadline margin + scheduling slack
        let server = try ServerProcess.start(environment: environment)
        defer { server.kill() }
        let port = server.port

        let registered = try API.call(port, "POST", "/api/users", body: #"{"user":{"username":"writer","email":"writer@example.com","password":"password123"}}"#)
        let token = try #require(API.object(registered.json, "user")["token"] as? String)
        let created = try API.call(port, "POST", "/api/articles", token: token, body: #"{"article":{"title":"Outage","description":"d","body":"b"}}"#)
        let slug = try #require(API.object(created.json, "article")["slug"] as? String)

        // Two writers post comments without pause for the whole test.
        let stop = Atomic<Bool>(false)
        let writes = Mutex<[Write]>([])
        let counter = Atomic<Int>(0)
        let group = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                while !stop.load(ordering: .relaxed) {
                    let body = "comment \(counter.wrappingAdd(1, ordering: .relaxed).newValue)"
                    let started = Date()
                    let status = (try? API.call(port, "POST", "/api/articles/\(slug)/comments", token: token,
                                                body: #"{"comment":{"body":"\#(body)"}}"#).status) ?? -1
                    writes.withLock { $0.append(Write(body: body, status: status, seconds: Date().timeIntervalSince(started), started: started)) }
                    if status != 201 { letTimePass(milliseconds: 50) }  // a client's back-off
                }
            }
        }
        defer {
            stop.store(true, ordering: .relaxed)
            group.wait()
        }
        // Writing works before the outage (allow a loaded machine some time).
        let acknowledgedBefore = { writes.withLock { $0.filter { $0.status == 201 }.count } }
        #expect(waitUntil(limitSeconds: 20) { acknowledgedBefore() >= 10 }, "writing works before the outage")

        try cluster.pause()
        let downAt = Date()
        // Down: the API answers 503 in the envelope with Retry-After, and /readyz turns 503; fast.
        var sawUnavailable = false
        while Date().timeIntervalSince(downAt) < 10, !sawUnavailable {
            let response = try API.raw(port, "GET", "/api/articles")
            if response.status == 503 {
                sawUnavailable = true
                let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
                #expect((json["errors"] as? [String: [String]])?["database"] == ["unavailable"])
                #expect(response.header("Retry-After") != nil)
            }
        }
        #expect(sawUnavailable)
        let probeStart = Date()
        #expect(try API.raw(port, "GET", "/readyz").status == 503)
        #expect(Date().timeIntervalSince(probeStart) < 3, "/readyz must not hang while PostgreSQL is down")
        letTimePass(milliseconds: 1500)  // the outage lasts a while, writers keep trying
        try cluster.resume()
        let upAt = Date()
        // Up again: ready and writing, without a restart.
        let ready = try waitUntil(limitSeconds: 30, everyMilliseconds: 100) { try API.raw(port, "GET", "/readyz").status == 200 }
        #expect(ready, "not ready 30 s after PostgreSQL came back")
        let recoverySeconds = Date().timeIntervalSince(upAt)
        // Writing again: the writers' own requests succeed after the return.
        #expect(waitUntil(limitSeconds: 20) { writes.withLock { $0.filter { $0.status == 201 && $0.started > upAt }.count } >= 10 })
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(server.process.isRunning)

        let all = writes.withLock { $0 }
        let acknowledged = all.filter { $0.status == 201 }
        let unavailable = all.filter { $0.status == 503 }
        #expect(unavailable.count > 0)
        #expect(all.allSatisfy { $0.status == 201 || $0.status == 503 }, "statuses: \(Set(all.map(\.status)))")
        #expect(all.map(\.seconds).max() ?? 0 < bound, "a request hung: \(all.map(\.seconds).max() ?? 0) s")
        // Writes sent after PostgreSQL came back succeed. (Records are in order of completion: a
        // write caught mid-statement by the shutdown answers 503 at the work deadline, which
        // may be after later writes already succeeded.)
        #expect(all.contains { $0.status == 201 && $0.started > upAt }, "writes succeed again after the outage")
        let comments = (try API.call(port, "GET", "/api/articles/\(slug)/comments").json["comments"] as? [[String: Any]] ?? [])
            .compactMap { $0["body"] as? String }
        let stored = Set(comments)
        let lost = acknowledged.filter { !stored.contains($0.body) }
        #expect(lost.isEmpty, "acknowledged but missing: \(lost.map(\.body))")
        if (all.map(\.seconds).max() ?? 0) >= 2 {
            print("slow writes (started, seconds, status) relative to the outage start:")
            for write in all where write.seconds >= 2 { print("  \(write.started.timeIntervalSince(downAt)) \(write.seconds) \(write.status)") }
            print(server.stdoutLines.filter { !$0.contains("\"info\"") }.suffix(40).joined(separator: "\n"))
        }
        print("outage: \(acknowledged.count) writes acknowledged, \(unavailable.count) answered 503, ready \(String(format: "%.1f", recoverySeconds)) s after PostgreSQL returned, slowest request \(String(format: "%.2f", all.map(\.seconds).max() ?? 0)) s")
        #expect(server.stop() == 0)
    }
}

/// Start-up with a PostgreSQL URL that cannot work: a clear one-line error, never a hang.
@Suite("PostgreSQL start-up errors")
struct PostgresStartupTests {
    @Test("an unreachable PostgreSQL fails start-up within the connect timeout, password masked")
    func unreachable() throws {
        let started = Date()
        let server = try ServerProcess(arguments: ["serve"], environment: [
            "DATABASE_URL": "postgresql://conduit:hunter2@127.0.0.1:1/conduit?sslmode=disable", "DATABASE_CONNECT_TIMEOUT_SECONDS": "1",
        ])
        let status = server.waitForExit(timeout: 20)
        #expect(status != nil && status != 0)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(server.stderrText.contains("cannot reach PostgreSQL at postgresql://conduit:****@127.0.0.1:1/conduit"), "\(server.stderrText)")
        #expect(!server.stderrText.contains("hunter2") && !server.stdoutLines.joined().contains("hunter2"))
    }

    @Test("an unknown sslmode or scheme is a configuration error (exit 78), password masked in config check")
    func invalidURLs() throws {
        for url in ["postgres://u:p@localhost/db?sslmode=sometimes", "mysql://u:p@localhost/db", "postgres://localhost/db"] {
            let server = try ServerProcess(arguments: ["config", "check"], environment: ["DATABASE_URL": url])
            #expect(server.waitForExit() == 78, "\(url)")
            #expect(server.stderrText.contains("DATABASE_URL"), "\(url): \(server.stderrText)")
        }
        let check = try ServerProcess(arguments: ["config", "check"], environment: ["DATABASE_URL": "postgresql://app:s3cret@db:5432/conduit?sslmode=require"])
        #expect(check.waitForExit() == 0)
        #expect(check.stdoutLines.contains("DATABASE_URL=postgresql://app:****@db:5432/conduit?sslmode=require"), "\(check.stdoutLines)")
        #expect(check.stdoutLines.contains("DATABASE_POOL_SIZE=10"))
    }
}

/// Small JSON-over-HTTP helpers for these tests.
enum API {
    static func call(_ port: Int, _ method: String, _ path: String, token: String? = nil, body: String? = nil) throws -> (status: Int, json: [String: Any]) {
        let response = try raw(port, method, path, token: token, body: body)
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:])
    }

    static func raw(_ port: Int, _ method: String, _ path: String, token: String? = nil, body: String? = nil) throws -> RawHTTPClient.Response {
        let client = try RawHTTPClient(port: port)
        var headers = ["Content-Type: application/json", "Connection: close"]
        if let token { headers.append("Authorization: Token \(token)") }
        try client.send(RawHTTPClient.request(method, path, headers: headers, body: body))
        return try client.readResponse(method: method)
    }

    static func object(_ json: [String: Any], _ key: String) -> [String: Any] { json[key] as? [String: Any] ?? [:] }
}
