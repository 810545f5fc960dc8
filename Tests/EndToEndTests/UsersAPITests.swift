import Foundation
import HTTPTestSupport
import Synchronization
import Testing

/// `/api/users`, `/api/users/login`, `/api/user` against the real binary.
@Suite("Users API")
struct UsersAPITests {
    /// A low hash cost keeps the suite fast; the code path is the same.
    static let environment = [
        "PASSWORD_HASH_COST": "10", "JWT_SECRET": "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o",
        "RATE_LIMIT_AUTH_PER_MINUTE": "100000",  // these tests register many users from one address
    ]

    func call(_ port: Int, _ method: String, _ path: String, body: String? = nil, token: String? = nil) throws -> (status: Int, json: [String: Any]) {
        let client = try RawHTTPClient(port: port)
        var headers = ["Content-Type: application/json"]
        if let token { headers.append("Authorization: Token \(token)") }
        try client.send(RawHTTPClient.request(method, path, headers: headers, body: body))
        let response = try client.readResponse()
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    func user(_ json: [String: Any]) -> [String: Any] { json["user"] as? [String: Any] ?? [:] }
    func errors(_ json: [String: Any]) -> [String: [String]] { json["errors"] as? [String: [String]] ?? [:] }

    @Test("register, login, read and update the current user")
    func happyPath() throws {
        let server = try ServerProcess.start(environment: Self.environment)
        defer { server.stop() }
        let registered = try call(server.port, "POST", "/api/users", body: #"{"user":{"username":"jake","email":"jake@jake.jake","password":"jakejake"}}"#)
        #expect(registered.status == 201)
        #expect(user(registered.json)["username"] as? String == "jake")
        #expect(user(registered.json)["bio"] is NSNull && user(registered.json)["image"] is NSNull)
        let login = try call(server.port, "POST", "/api/users/login", body: #"{"user":{"email":"jake@jake.jake","password":"jakejake"}}"#)
        #expect(login.status == 200)
        let token = try #require(user(login.json)["token"] as? String)
        let current = try call(server.port, "GET", "/api/user", token: token)
        #expect(current.status == 200 && user(current.json)["email"] as? String == "jake@jake.jake")
        let updated = try call(server.port, "PUT", "/api/user", body: #"{"user":{"username":"jacob","bio":"I like to skateboard"}}"#, token: token)
        #expect(updated.status == 200)
        #expect(user(updated.json)["username"] as? String == "jacob" && user(updated.json)["bio"] as? String == "I like to skateboard")
        // The token from before the rename still names the same user.
        #expect(user(try call(server.port, "GET", "/api/user", token: token).json)["username"] as? String == "jacob")
        let cleared = try call(server.port, "PUT", "/api/user", body: #"{"user":{"bio":"","image":null}}"#, token: token)
        #expect(user(cleared.json)["bio"] is NSNull && user(cleared.json)["image"] is NSNull)
    }

    @Test("validation, conflicts and credentials errors use the envelope and the right status")
    func errorCases() throws {
        let server = try ServerProcess.start(environment: Self.environment)
        defer { server.stop() }
        let port = server.port
        #expect(try call(port, "POST", "/api/users", body: #"{"user":{"username":"a","email":"a@a.aa","password":"password123"}}"#).status == 201)
        let blank = try call(port, "POST", "/api/users", body: #"{"user":{"username":"","email":"","password":""}}"#)
        #expect(blank.status == 422)
        #expect(errors(blank.json) == ["username": ["can't be blank"], "email": ["can't be blank"], "password": ["can't be blank"]])
        #expect(errors(try call(port, "POST", "/api/users", body: #"{"user":{"username":"A","email":"b@b.bb","password":"password123"}}"#).json) == ["username": ["has already been taken"]])
        let taken = try call(port, "POST", "/api/users", body: #"{"user":{"username":"b","email":"A@A.AA","password":"password123"}}"#)
        #expect(taken.status == 409 && errors(taken.json) == ["email": ["has already been taken"]])
        let tooLong = try call(port, "POST", "/api/users", body: "{\"user\":{\"username\":\"\(String(repeating: "x", count: 65))\",\"email\":\"c@c.cc\",\"password\":\"password123\"}}")
        #expect(tooLong.status == 422 && errors(tooLong.json)["username"] != nil)
        #expect(try call(port, "POST", "/api/users", body: #"{"user":{"username":"c","email":"not-an-email","password":"password123"}}"#).status == 422)
        #expect(try call(port, "POST", "/api/users", body: #"{"user":{"username":5,"email":"c@c.cc","password":"password123"}}"#).status == 422)
        #expect(try call(port, "POST", "/api/users", body: "not json").status == 400)
        #expect(try call(port, "POST", "/api/users", body: String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).status == 400)
        let wrong = try call(port, "POST", "/api/users/login", body: #"{"user":{"email":"a@a.aa","password":"password124"}}"#)
        let unknown = try call(port, "POST", "/api/users/login", body: #"{"user":{"email":"zz@a.aa","password":"password123"}}"#)
        #expect(wrong.status == 401 && unknown.status == 401)
        #expect(errors(wrong.json) == ["credentials": ["invalid"]] && errors(unknown.json) == errors(wrong.json))
        #expect(errors(try call(port, "GET", "/api/user").json) == ["token": ["is missing"]])
        #expect(try call(port, "GET", "/api/user", token: "garbage").status == 401)
        let token = try #require(user(try call(port, "POST", "/api/users/login", body: #"{"user":{"email":"a@a.aa","password":"password123"}}"#).json)["token"] as? String)
        for body in [#"{"user":{"email":""}}"#, #"{"user":{"username":null}}"#, #"{"user":{"password":"short7c"}}"#,
                     #"{"user":{"image":"javascript:alert(1)"}}"#] {
            #expect(try call(port, "PUT", "/api/user", body: body, token: token).status == 422, "\(body)")
        }
        #expect(try call(port, "PUT", "/api/user", body: #"{"user":{"password":"bonjour1"}}"#, token: token).status == 200)
        #expect(try call(port, "POST", "/api/users/login", body: #"{"user":{"email":"a@a.aa","password":"bonjour1"}}"#).status == 200)
    }

    @Test("the same username registered concurrently gets exactly one 201")
    func concurrentRegistration() throws {
        let server = try ServerProcess.start(environment: Self.environment)
        defer { server.stop() }
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            let body = "{\"user\":{\"username\":\"race\",\"email\":\"race\(index)@x.yz\",\"password\":\"password123\"}}"
            let status = (try? call(server.port, "POST", "/api/users", body: body).status) ?? -1
            statuses.withLock { $0.append(status) }
        }
        let all = statuses.withLock { $0 }
        #expect(all.filter { $0 == 201 }.count == 1, "\(all)")
        #expect(all.filter { $0 == 409 }.count == 15, "\(all)")
    }

    @Test("no password, hash, token or JWT secret appears in the logs, even at trace (both engines)")
    func secretsStayOutOfLogs() throws {
        let server = try ServerProcess.start(environment: Self.environment.merging(["LOG_LEVEL": "trace"]) { $1 })
        let password = "super-secret-password-42"
        let registered = try call(server.port, "POST", "/api/users", body: "{\"user\":{\"username\":\"s\",\"email\":\"s@s.ss\",\"password\":\"\(password)\"}}")
        let token = try #require(user(registered.json)["token"] as? String)
        _ = try call(server.port, "GET", "/api/user", token: token)
        // A login, and a failed one: the password sent and the token issued stay out of the logs.
        let login = try call(server.port, "POST", "/api/users/login", body: "{\"user\":{\"email\":\"s@s.ss\",\"password\":\"\(password)\"}}")
        #expect(login.status == 200)
        let loginToken = try #require(user(login.json)["token"] as? String)
        _ = try call(server.port, "GET", "/api/user", token: loginToken)
        #expect(try call(server.port, "POST", "/api/users/login", body: #"{"user":{"email":"s@s.ss","password":"wrong-password-77"}}"#).status == 401)
        // A password change writes a new hash: the statement that stores it is not logged either.
        let changed = try call(server.port, "PUT", "/api/user", body: #"{"user":{"password":"changed-password-99"}}"#, token: loginToken)
        #expect(changed.status == 200)
        #expect(server.stop() == 0)
        let logs = server.stdoutLines.joined(separator: "\n") + server.stderrText
        #expect(server.logObjects.contains { $0["route"] as? String == "/api/users/login" }, "the login was logged")
        let secrets = [password, token, loginToken, "wrong-password-77", "changed-password-99", "$scrypt$", "scrypt$ln=", Self.environment["JWT_SECRET"]!]
        for secret in secrets { #expect(!logs.contains(secret), "\(secret) in the logs") }
    }
}

@Suite("Token key rotation")
struct KeyRotationTests {
    @Test("after a rotation, tokens signed with the previous secret still authenticate")
    func rotation() throws {
        let old = "old-secret-old-secret-old-secret-old-secret-0123"
        let api = UsersAPITests()
        let first = try ServerProcess.start(environment: ["PASSWORD_HASH_COST": "10", "JWT_SECRET": old])
        defer { withExtendedLifetime(first) {} }  // its working directory holds the database
        let token = try #require(api.user(try api.call(first.port, "POST", "/api/users", body: #"{"user":{"username":"r","email":"r@x.yz","password":"password123"}}"#).json)["token"] as? String)
        #expect(first.stop() == 0)
        let database = first.databaseURL ?? "sqlite:" + first.workingDirectory.appendingPathComponent("data/conduit.sqlite").path
        let rotated = try ServerProcess.start(environment: [
            "PASSWORD_HASH_COST": "10", "JWT_SECRET": "new-secret-new-secret-new-secret-new-secret-4567",
            "JWT_PREVIOUS_SECRETS": old, "DATABASE_URL": database,
        ])
        defer { rotated.stop() }
        #expect(try api.call(rotated.port, "GET", "/api/user", token: token).status == 200)
        let dropped = try ServerProcess.start(environment: [
            "PASSWORD_HASH_COST": "10", "JWT_SECRET": "new-secret-new-secret-new-secret-new-secret-4567", "DATABASE_URL": database,
        ])
        defer { dropped.stop() }
        #expect(try api.call(dropped.port, "GET", "/api/user", token: token).status == 401)
    }
}
