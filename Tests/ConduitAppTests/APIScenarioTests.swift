import HTTPTestSupport
import Testing

@testable import ConduitApp

/// What a frontend does, written once and run both ways (``TestMode``): in process through the
/// application's whole pipeline, and over real sockets to a served instance.
@Suite("API scenarios, in process and live")
struct APIScenarioTests {
    static func register(_ client: any TestClient, _ name: String) async throws -> String {
        let response = try await client.call(.post, "/api/users", json: #"{"user":{"username":"\#(name)","email":"\#(name)@example.com","password":"password123"}}"#)
        #expect(response.status == 201, "\(response.text)")
        return try #require(response.object("user")["token"] as? String)
    }

    @Test("two writers and a reader: articles with paragraphs, tags, the feed, favorites and comments", arguments: TestMode.allCases)
    func publishingJourney(mode: TestMode) async throws {
        try await withApplication(mode) { client in
            let ann = try await Self.register(client, "ann"), bob = try await Self.register(client, "bob")
            let login = try await client.call(.post, "/api/users/login", json: #"{"user":{"email":"ann@example.com","password":"password123"}}"#)
            #expect(login.status == 200 && login.object("user")["username"] as? String == "ann")

            let created = try await client.call(.post, "/api/articles", token: ann, json: #"{"article":{"title":"Two paragraphs","description":"d","body":"First.\n\nSecond,\tindented.","tagList":["swift"," zlib ","swift"]}}"#)
            #expect(created.status == 201)
            let article = created.object("article")
            let slug = try #require(article["slug"] as? String)
            #expect(article["body"] as? String == "First.\n\nSecond,\tindented.")
            #expect(article["tagList"] as? [String] == ["swift", "zlib"])

            #expect(try await client.call(.post, "/api/profiles/ann/follow", token: bob).object("profile")["following"] as? Bool == true)
            let feed = try await client.call(.get, "/api/articles/feed", token: bob)
            #expect(feed.json["articlesCount"] as? Int == 1)
            let favorited = try await client.call(.post, "/api/articles/\(slug)/favorite", token: bob).object("article")
            #expect(favorited["favorited"] as? Bool == true && favorited["favoritesCount"] as? Int == 1)
            let byTag = try await client.call(.get, "/api/articles?tag=zlib&limit=5")
            #expect((byTag.json["articles"] as? [[String: Any]])?.first?["body"] == nil, "lists leave bodies out")
            #expect(byTag.json["articlesCount"] as? Int == 1)

            let comment = try await client.call(.post, "/api/articles/\(slug)/comments", token: bob, json: #"{"comment":{"body":"Line one\nline two"}}"#)
            #expect(comment.status == 201)
            let commentID = try #require(comment.object("comment")["id"] as? Int)
            let comments = try await client.call(.get, "/api/articles/\(slug)/comments")
            #expect((comments.json["comments"] as? [[String: Any]])?.first?["body"] as? String == "Line one\nline two")
            #expect(try await client.call(.delete, "/api/articles/\(slug)/comments/\(commentID)", token: ann).status == 403, "only its author deletes a comment")
            #expect(try await client.call(.delete, "/api/articles/\(slug)/comments/\(commentID)", token: bob).status == 204)

            #expect(try await client.call(.get, "/api/tags").json["tags"] as? [String] == ["swift", "zlib"])
            #expect(try await client.call(.delete, "/api/articles/\(slug)", token: bob).status == 403)
            #expect(try await client.call(.delete, "/api/articles/\(slug)", token: ann).status == 204)
            #expect(try await client.call(.get, "/api/articles/\(slug)").status == 404)
        }
    }

    @Test("refusals: every failing field in one 422, missing and forged tokens, unknown resources", arguments: TestMode.allCases)
    func refusals(mode: TestMode) async throws {
        try await withApplication(mode) { client in
            let token = try await Self.register(client, "carol")
            let invalid = try await client.call(.post, "/api/users", json: #"{"user":{"username":"","email":"not-an-email","password":"short","bio":7}}"#)
            #expect(invalid.status == 422)
            #expect(Set(invalid.errors.keys) == ["username", "email", "password"], "\(invalid.errors)")
            let wrongTypes = try await client.call(.post, "/api/articles", token: token, json: #"{"article":{"title":5,"description":null,"body":"b","tagList":"x"}}"#)
            #expect(wrongTypes.status == 422)
            #expect(wrongTypes.errors["title"] == ["must be a string"] && wrongTypes.errors["description"] == ["can't be blank"])
            #expect(wrongTypes.errors["tagList"] == ["must be a list of strings"])
            #expect(try await client.call(.post, "/api/articles", token: token, json: #"{"comment":{}}"#).errors == ["article": ["can't be blank"]])
            #expect(try await client.call(.post, "/api/articles", token: token, json: "[1]").status == 400)
            #expect(try await client.call(.post, "/api/articles", token: token, json: String(repeating: "[", count: 40)).status == 400)

            #expect(try await client.call(.get, "/api/user").errors == ["token": ["is missing"]])
            #expect(try await client.call(.get, "/api/user", token: token + "x").errors == ["token": ["is invalid"]])
            #expect(try await client.call(.get, "/api/articles", token: "forged.token.here").status == 401, "a bad token is refused even where none is needed")
            #expect(try await client.call(.get, "/api/profiles/nobody").errors == ["profile": ["not found"]])
            #expect(try await client.call(.get, "/api/articles?limit=0").errors["limit"] != nil)
            #expect(try await client.call(.get, "/api/user", token: token).object("user")["username"] as? String == "carol")
        }
    }
}
