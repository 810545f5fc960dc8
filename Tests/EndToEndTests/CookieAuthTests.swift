import Foundation
import HTTPTestSupport
import Testing

/// `AUTH_COOKIE=true`: the token in an HttpOnly cookie, and the Origin rule that keeps other
/// sites from writing with it.
@Suite("Cookie authentication")
struct CookieAuthTests {
    static let frontend = "https://app.example.com"
    static let environment = UsersAPITests.environment.merging([
        "AUTH_COOKIE": "true", "CORS_ALLOWED_ORIGINS": frontend, "JWT_TTL_SECONDS": "3600",
    ]) { $1 }

    func call(_ port: Int, _ method: String, _ path: String, body: String? = nil, headers: [String] = []) throws -> RawHTTPClient.Response {
        let client = try RawHTTPClient(port: port)
        try client.send(RawHTTPClient.request(method, path, headers: ["Content-Type: application/json"] + headers, body: body))
        return try client.readResponse()
    }

    func token(_ response: RawHTTPClient.Response) -> String? {
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        return (json?["user"] as? [String: Any])?["token"] as? String
    }

    @Test("registration and login set the cookie; it authenticates reads, and writes from a listed Origin only")
    func cookieFlow() throws {
        let server = try ServerProcess.start(environment: Self.environment)
        defer { server.stop() }
        let port = server.port
        let registered = try call(port, "POST", "/api/users", body: #"{"user":{"username":"kim","email":"kim@example.com","password":"kimkimkim"}}"#,
                                  headers: ["Origin: \(Self.frontend)"])
        #expect(registered.status == 201)
        let setCookie = try #require(registered.header("Set-Cookie"))
        let jwt = try #require(token(registered))
        #expect(setCookie == "conduit_token=\(jwt); Max-Age=3600; Path=/api; HttpOnly; Secure; SameSite=Strict")
        #expect(registered.header("Cache-Control") == "no-store")
        #expect(registered.header("Access-Control-Allow-Credentials") == "true")

        let login = try call(port, "POST", "/api/users/login", body: #"{"user":{"email":"kim@example.com","password":"kimkimkim"}}"#)
        let cookie = "Cookie: theme=dark; conduit_token=\(try #require(token(login)))"
        #expect(login.header("Set-Cookie")?.hasPrefix("conduit_token=") == true)

        // Reads need no Origin.
        let current = try call(port, "GET", "/api/user", headers: [cookie])
        #expect(current.status == 200)
        #expect(current.header("Cache-Control") == "no-store")

        // Writes: no Origin, or a foreign one, is refused before anything changes.
        let article = #"{"article":{"title":"Cookies","description":"d","body":"b"}}"#
        for origin in [nil, "https://evil.example", "null"] {
            let refused = try call(port, "POST", "/api/articles", body: article, headers: [cookie] + (origin.map { ["Origin: \($0)"] } ?? []))
            #expect(refused.status == 403, "origin \(origin ?? "none")")
            #expect(refused.text == #"{"errors":{"origin":["forbidden"]}}"#)
        }
        #expect(try call(port, "GET", "/api/articles/cookies").status == 404)
        let created = try call(port, "POST", "/api/articles", body: article, headers: [cookie, "Origin: \(Self.frontend)"])
        #expect(created.status == 201)

        // The header still works without any Origin: no other site can make a browser send it.
        #expect(try call(port, "PUT", "/api/user", body: #"{"user":{"bio":"b"}}"#, headers: ["Authorization: Token \(try #require(token(login)))"]).status == 200)

        // A login posted by another site's page does not get to set the cookie.
        let foreign = try call(port, "POST", "/api/users/login", body: #"{"user":{"email":"kim@example.com","password":"kimkimkim"}}"#,
                               headers: ["Origin: https://evil.example"])
        #expect(foreign.status == 200 && foreign.header("Set-Cookie") == nil)

        let logout = try call(port, "POST", "/api/users/logout", headers: [cookie, "Origin: \(Self.frontend)"])
        #expect(logout.status == 204)
        #expect(logout.header("Set-Cookie") == "conduit_token=; Max-Age=0; Path=/api; HttpOnly; Secure; SameSite=Strict")
        // The cookie's session ended with it: replaying the stolen cookie gets nothing.
        #expect(try call(port, "GET", "/api/user", headers: [cookie]).status == 401)
        // Logging out again with the dead cookie still clears it.
        let again = try call(port, "POST", "/api/users/logout", headers: [cookie, "Origin: \(Self.frontend)"])
        #expect(again.status == 204 && again.header("Set-Cookie") != nil)
        // A logout posted by another site's page ends nothing.
        #expect(try call(port, "POST", "/api/users/logout", headers: [cookie, "Origin: https://evil.example"]).status == 403)
    }

    @Test("a forged cookie is as invalid as a forged header")
    func forgedCookie() throws {
        let server = try ServerProcess.start(environment: Self.environment)
        defer { server.stop() }
        let forged = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0."
        let response = try call(server.port, "GET", "/api/user", headers: ["Cookie: conduit_token=\(forged)"])
        #expect(response.status == 401)
    }

    @Test("without AUTH_COOKIE the cookie is ignored and no cookie is set")
    func offByDefault() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let registered = try call(server.port, "POST", "/api/users", body: #"{"user":{"username":"lee","email":"lee@example.com","password":"leeleelee"}}"#)
        #expect(registered.status == 201 && registered.header("Set-Cookie") == nil)
        let jwt = try #require(token(registered))
        #expect(try call(server.port, "GET", "/api/user", headers: ["Cookie: conduit_token=\(jwt)"]).status == 401)
        let logout = try call(server.port, "POST", "/api/users/logout", headers: ["Cookie: conduit_token=\(jwt)"])
        #expect(logout.status == 401 && logout.header("Set-Cookie") == nil, "the cookie is no credential, and none is cleared")
    }

    @Test("cookie mode without listed origins, or with *, refuses to start")
    func needsOrigins() throws {
        for origins in [nil, "*"] {
            var environment = ["AUTH_COOKIE": "true"]
            environment["CORS_ALLOWED_ORIGINS"] = origins
            let server = try ServerProcess(arguments: ["serve"], environment: environment)
            #expect(server.waitForExit() == 78)
            #expect(server.stderrText.contains("AUTH_COOKIE"))
        }
    }
}
