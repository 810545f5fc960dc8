import Foundation
import HTTPTestSupport
import Testing

/// Conditional GET as a polling frontend, a cache or a proxy uses it, over a real socket.
@Suite("Conditional GET")
struct ConditionalGetTests {
    @Test("lists and articles carry a strong ETag; If-None-Match (exact, weak, a list, *) gets 304 with no body; a change changes the tag")
    func entityTags() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let port = server.port
        let token = try #require(API.object(try API.call(
            port, "POST", "/api/users", body: #"{"user":{"username":"etag","email":"etag@x.yz","password":"password123"}}"#).json, "user")["token"] as? String)
        let created = try API.call(port, "POST", "/api/articles", token: token,
                                   body: #"{"article":{"title":"Tagged","description":"d","body":"b","tagList":["x"]}}"#)
        let slug = try #require(API.object(created.json, "article")["slug"] as? String)

        let client = try RawHTTPClient(port: port)  // one kept-alive connection throughout
        for path in ["/api/articles", "/api/articles/\(slug)", "/api/tags", "/api/articles/\(slug)/comments", "/api/profiles/etag"] {
            let first = try client.get(path)
            let tag = try #require(first.header("ETag"), "\(path)")
            #expect(first.status == 200 && tag.hasPrefix("\"") && tag.hasSuffix("\"") && !tag.hasPrefix("W/"), "\(path): \(tag)")
            #expect(try client.get(path).header("ETag") == tag, "\(path): the same bytes, the same tag")
            for condition in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
                let again = try client.get(path, headers: ["If-None-Match: \(condition)"])
                #expect(again.status == 304 && again.body.isEmpty && again.reason == "Not Modified", "\(path) with \(condition)")
                #expect(again.header("ETag") == tag && again.header("Content-Length") == nil, "\(path) with \(condition)")
            }
            let head = try client.get(path, headers: ["If-None-Match: \(tag)"], method: "HEAD")
            #expect(head.status == 304 && head.header("Content-Length") == nil, "\(path): HEAD")
            #expect(try client.get(path, headers: ["If-None-Match: \"other\""]).status == 200, "\(path)")
        }

        // Signed in: the 304 keeps Cache-Control: no-store (the client holds the body already).
        let signedIn = try client.get("/api/articles/\(slug)", headers: ["Authorization: Token \(token)"])
        let signedInTag = try #require(signedIn.header("ETag"))
        let notModified = try client.get("/api/articles/\(slug)", headers: ["Authorization: Token \(token)", "If-None-Match: \(signedInTag)"])
        #expect(notModified.status == 304 && notModified.header("Cache-Control") == "no-store")

        // A change in the article changes its tag and the list's.
        let before = try client.get("/api/articles/\(slug)").header("ETag")
        let listBefore = try client.get("/api/articles").header("ETag")
        #expect(try API.call(port, "PUT", "/api/articles/\(slug)", token: token, body: #"{"article":{"body":"changed"}}"#).status == 200)
        let after = try client.get("/api/articles/\(slug)", headers: ["If-None-Match: \(before ?? "")"])
        #expect(after.status == 200 && after.header("ETag") != before && after.text.contains("changed"))
        #expect(try client.get("/api/articles", headers: ["If-None-Match: \(listBefore ?? "")"]).status == 200)

        // Errors and writes carry no tag and ignore the condition.
        let missing = try client.get("/api/articles/missing", headers: ["If-None-Match: *"])
        #expect(missing.status == 404 && missing.header("ETag") == nil)
        #expect(try API.raw(port, "POST", "/api/articles/\(slug)/favorite", token: token).header("ETag") == nil)
        #expect(try client.get("/healthz").status == 200)
    }
}
