import Foundation
import HTTPTestSupport
import Testing

/// Sessions that end (OWASP ASVS 3.3.1, 3.3.3): a token used after logout, or after its owner
/// changed the password, is refused, on every route that takes a token. Against the real
/// binary, on SQLite, and on PostgreSQL in the suite's second pass.
@Suite("Sessions")
struct SessionsTests {
    static let jake = #"{"user":{"username":"jake","email":"jake@jake.jake","password":"jakejake"}}"#
    static let login = #"{"user":{"email":"jake@jake.jake","password":"jakejake"}}"#

    func token(_ response: (status: Int, json: [String: Any])) throws -> String {
        try #require(API.object(response.json, "user")["token"] as? String)
    }

    /// What a stolen token can still do: read the account, read the feed, write.
    func statuses(_ port: Int, _ token: String) throws -> [Int] {
        [
            try API.call(port, "GET", "/api/user", token: token).status,
            try API.call(port, "GET", "/api/articles/feed", token: token).status,
            try API.call(port, "GET", "/api/articles", token: token).status,
            try API.call(port, "POST", "/api/articles", token: token, body: #"{"article":{"title":"t","description":"d","body":"b"}}"#).status,
        ]
    }

    @Test("logout ends the token it was sent with, and only that one; ?everywhere=true ends them all")
    func logout() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let first = try token(API.call(server.port, "POST", "/api/users", body: Self.jake))
        let second = try token(API.call(server.port, "POST", "/api/users/login", body: Self.login))
        let third = try token(API.call(server.port, "POST", "/api/users/login", body: Self.login))
        #expect(try API.call(server.port, "GET", "/api/user", token: first).status == 200)

        #expect(try API.call(server.port, "POST", "/api/users/logout", token: first).status == 204)
        #expect(try statuses(server.port, first) == [401, 401, 401, 401])
        #expect(try API.call(server.port, "POST", "/api/users/logout", token: first).status == 401, "ended already")
        #expect(try API.call(server.port, "GET", "/api/user", token: second).status == 200, "the other sessions go on")

        #expect(try API.call(server.port, "POST", "/api/users/logout?everywhere=maybe", token: second).status == 422)
        #expect(try API.call(server.port, "POST", "/api/users/logout", token: nil).status == 401)
        #expect(try API.call(server.port, "POST", "/api/users/logout?everywhere=true", token: second).status == 204)
        for ended in [second, third] { #expect(try statuses(server.port, ended) == [401, 401, 401, 401]) }
        // Logging in again works: a new session.
        let fourth = try token(API.call(server.port, "POST", "/api/users/login", body: Self.login))
        #expect(try API.call(server.port, "GET", "/api/user", token: fourth).status == 200)
    }

    @Test("a password change ends every other session at once, the caller's a few seconds later, and answers with a fresh token")
    func passwordChange() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let victim = try token(API.call(server.port, "POST", "/api/users", body: Self.jake))
        let thief = try token(API.call(server.port, "POST", "/api/users/login", body: Self.login))
        #expect(try API.call(server.port, "GET", "/api/user", token: thief).status == 200)

        // A change that is not the password keeps every session and the caller's token.
        let renamed = try API.call(server.port, "PUT", "/api/user", token: victim, body: #"{"user":{"bio":"hi"}}"#)
        #expect(renamed.status == 200 && (try? token(renamed)) == victim)
        #expect(try API.call(server.port, "GET", "/api/user", token: thief).status == 200)

        let changed = try API.call(server.port, "PUT", "/api/user", token: victim, body: #"{"user":{"password":"a-new-password"}}"#)
        #expect(changed.status == 200)
        let fresh = try token(changed)
        #expect(fresh != victim)
        #expect(try statuses(server.port, thief) == [401, 401, 401, 401])
        // The caller's previous token serves what the client sends before it stores the new one
        // (the official suite changes the password twice with it), then ends too.
        #expect(try API.call(server.port, "GET", "/api/user", token: victim).status == 200)
        Thread.sleep(forTimeInterval: 5.5)
        #expect(try statuses(server.port, victim) == [401, 401, 401, 401])
        #expect(try API.call(server.port, "GET", "/api/user", token: fresh).status == 200)
        #expect(try API.call(server.port, "POST", "/api/users/login", body: Self.login).status == 401)
        #expect(try API.call(server.port, "POST", "/api/users/login", body: #"{"user":{"email":"jake@jake.jake","password":"a-new-password"}}"#).status == 200)
    }

    @Test("an ended session stays ended after a restart, a live one stays live")
    func restart() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sessions-\(UUID().uuidString).sqlite").path
        var environment = UsersAPITests.environment
        if ProcessInfo.processInfo.environment["CONDUIT_E2E_DATABASE"] != "postgres" { environment["DATABASE_URL"] = "sqlite:\(path)" }
        let first = try ServerProcess.start(environment: environment)
        let ended = try token(API.call(first.port, "POST", "/api/users", body: Self.jake))
        let live = try token(API.call(first.port, "POST", "/api/users/login", body: Self.login))
        #expect(try API.call(first.port, "POST", "/api/users/logout", token: ended).status == 204)
        let databaseURL = first.databaseURL
        first.stop()
        if let databaseURL { environment["DATABASE_URL"] = databaseURL }
        let second = try ServerProcess.start(environment: environment)
        defer { second.stop() }
        #expect(try API.call(second.port, "GET", "/api/user", token: ended).status == 401)
        #expect(try API.call(second.port, "GET", "/api/user", token: live).status == 200)
    }
}
