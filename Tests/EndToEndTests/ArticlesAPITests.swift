import Foundation
import HTTPTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Articles, the feed, favorites, comments and tags against the real binary.
@Suite("Articles API")
struct ArticlesAPITests {
    let api = UsersAPITests()

    func register(_ port: Int, _ name: String) throws -> String {
        let response = try api.call(port, "POST", "/api/users", body: "{\"user\":{\"username\":\"\(name)\",\"email\":\"\(name)@x.yz\",\"password\":\"password123\"}}")
        return try #require(api.user(response.json)["token"] as? String)
    }

    func article(_ json: [String: Any]) -> [String: Any] { json["article"] as? [String: Any] ?? [:] }

    @Test("create, read, update and delete with the author's rights, 401 before 404 before 403")
    func lifecycle() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let port = server.port
        let jake = try register(port, "jake"), other = try register(port, "other")
        let created = try api.call(port, "POST", "/api/articles", body: #"{"article":{"title":"How to train your dragon","description":"Ever wonder how?","body":"Very carefully.","tagList":["training","dragons","training"]}}"#, token: jake)
        #expect(created.status == 201)
        let slug = try #require(article(created.json)["slug"] as? String)
        #expect(slug.hasPrefix("how-to-train-your-dragon"))
        #expect(article(created.json)["tagList"] as? [String] == ["training", "dragons"])
        #expect(article(created.json)["favorited"] as? Bool == false && article(created.json)["favoritesCount"] as? Int == 0)
        let createdAt = try #require(article(created.json)["createdAt"] as? String)
        #expect(createdAt.count == 24 && createdAt.hasSuffix("Z"))
        let twin = try api.call(port, "POST", "/api/articles", body: #"{"article":{"title":"How to train your dragon","description":"d","body":"b"}}"#, token: jake)
        #expect(twin.status == 201 && article(twin.json)["slug"] as? String != slug)

        #expect(try api.call(port, "GET", "/api/articles/\(slug)").status == 200)
        #expect(try api.call(port, "PUT", "/api/articles/nope", body: #"{"article":{"body":"x"}}"#).status == 401)
        #expect(api.errors(try api.call(port, "PUT", "/api/articles/nope", body: #"{"article":{"body":"x"}}"#, token: jake).json) == ["article": ["not found"]])
        #expect(api.errors(try api.call(port, "PUT", "/api/articles/\(slug)", body: #"{"article":{"body":"x"}}"#, token: other).json) == ["article": ["forbidden"]])
        #expect(try api.call(port, "DELETE", "/api/articles/\(slug)", token: other).status == 403)

        // updatedAt has millisecond precision: the update comes in a later millisecond.
        let createdDate = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: createdAt))
        #expect(waitUntil(everyMilliseconds: 1) { Date() > createdDate.addingTimeInterval(0.001) })
        let updated = try api.call(port, "PUT", "/api/articles/\(slug)", body: #"{"article":{"body":"With patience.","tagList":[]}}"#, token: jake)
        #expect(updated.status == 200)
        #expect(article(updated.json)["slug"] as? String == slug && article(updated.json)["body"] as? String == "With patience.")
        #expect(article(updated.json)["tagList"] as? [String] == [] && article(updated.json)["createdAt"] as? String == createdAt)
        #expect(article(updated.json)["updatedAt"] as? String != createdAt)
        #expect(try api.call(port, "PUT", "/api/articles/\(slug)", body: #"{"article":{"tagList":null}}"#, token: jake).status == 422)
        #expect(try api.call(port, "PUT", "/api/articles/\(slug)", body: #"{"article":{"title":""}}"#, token: jake).status == 422)

        #expect(try api.call(port, "DELETE", "/api/articles/\(slug)", token: jake).status == 204)
        #expect(api.errors(try api.call(port, "GET", "/api/articles/\(slug)").json) == ["article": ["not found"]])
    }

    @Test("creation validates every field and refuses bad input without a 500")
    func validation() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let port = server.port
        let jake = try register(port, "jake")
        let blank = try api.call(port, "POST", "/api/articles", body: #"{"article":{"title":"","description":"","body":""}}"#, token: jake)
        #expect(blank.status == 422 && Set(api.errors(blank.json).keys) == ["title", "description", "body"])
        for body in [
            #"{"article":{"title":"t","description":"d","body":"b","tagList":"x"}}"#,
            #"{"article":{"title":"t","description":"d","body":"b","tagList":[1]}}"#,
            #"{"article":{"title":"t","description":"d","body":"b","tagList":null}}"#,
            "{\"article\":{\"title\":\"\(String(repeating: "t", count: 300))\",\"description\":\"d\",\"body\":\"b\"}}",
            #"{"article":"x"}"#,
        ] {
            #expect(try api.call(port, "POST", "/api/articles", body: body, token: jake).status == 422, "\(body.prefix(80))")
        }
        for query in ["limit=abc", "limit=-1", "limit=0", "offset=-5", "offset=1e3"] {
            #expect(try api.call(port, "GET", "/api/articles?\(query)").status == 422, "\(query)")
        }
        #expect(try api.call(port, "GET", "/api/articles?limit=100000").status == 200)
        #expect(try api.call(port, "GET", "/api/articles/\(String(repeating: "s", count: 5000))").status == 404)
        #expect(try api.call(port, "DELETE", "/api/articles/x/comments/abc", token: jake).status == 404)
        let lost = try api.call(port, "POST", "/api/articles/no-such-article/comments", body: #"{"comment":{"body":"b"}}"#, token: jake)
        #expect(lost.status == 404 && (lost.json["errors"] as? [String: Any])?["article"] != nil)
        #expect(try api.call(port, "GET", "/api/articles?tag=%27%20OR%201%3D1%20--").json["articlesCount"] as? Int == 0)
    }

    @Test("lists filter by tag, author and favorited, page newest first, and count before paging; the feed follows")
    func lists() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let port = server.port
        let jake = try register(port, "jake"), celeb = try register(port, "celeb"), fan = try register(port, "fan")
        for index in 0..<3 {
            _ = try api.call(port, "POST", "/api/articles", body: "{\"article\":{\"title\":\"Celeb \(index)\",\"description\":\"d\",\"body\":\"b\",\"tagList\":[\"star\"]}}", token: celeb)
        }
        let mine = try api.call(port, "POST", "/api/articles", body: #"{"article":{"title":"Jake","description":"d","body":"b","tagList":["own"]}}"#, token: jake)
        let mySlug = try #require(article(mine.json)["slug"] as? String)
        #expect(try api.call(port, "POST", "/api/articles/\(mySlug)/favorite", token: fan).status == 200)

        let all = try api.call(port, "GET", "/api/articles?limit=2&offset=1")
        #expect(all.json["articlesCount"] as? Int == 4)
        let page = all.json["articles"] as? [[String: Any]] ?? []
        #expect(page.count == 2 && page.allSatisfy { $0["body"] == nil })
        #expect(page.first?["title"] as? String == "Celeb 2")
        #expect(try api.call(port, "GET", "/api/articles?tag=star").json["articlesCount"] as? Int == 3)
        #expect(try api.call(port, "GET", "/api/articles?author=jake").json["articlesCount"] as? Int == 1)
        #expect(try api.call(port, "GET", "/api/articles?favorited=fan").json["articlesCount"] as? Int == 1)
        #expect(try api.call(port, "GET", "/api/articles?author=nobody").json["articlesCount"] as? Int == 0)

        #expect(try api.call(port, "GET", "/api/articles/feed", token: fan).json["articlesCount"] as? Int == 0)
        _ = try api.call(port, "POST", "/api/profiles/celeb/follow", token: fan)
        let feed = try api.call(port, "GET", "/api/articles/feed", token: fan)
        #expect(feed.json["articlesCount"] as? Int == 3)
        let authors = (feed.json["articles"] as? [[String: Any]] ?? []).compactMap { $0["author"] as? [String: Any] }
        #expect(authors.allSatisfy { $0["username"] as? String == "celeb" && $0["following"] as? Bool == true })
        #expect(try api.call(port, "GET", "/api/articles/feed").status == 401)
        let tags = try api.call(port, "GET", "/api/tags").json["tags"] as? [String] ?? []
        #expect(Set(tags) == ["star", "own"])
    }

    @Test("comments: add, list, delete by their author only")
    func comments() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let port = server.port
        let jake = try register(port, "jake"), other = try register(port, "other")
        let slug = try #require(article(try api.call(port, "POST", "/api/articles", body: #"{"article":{"title":"T","description":"d","body":"b"}}"#, token: jake).json)["slug"] as? String)
        let first = try api.call(port, "POST", "/api/articles/\(slug)/comments", body: #"{"comment":{"body":"First!"}}"#, token: other)
        #expect(first.status == 201)
        let id = try #require((first.json["comment"] as? [String: Any])?["id"] as? Int)
        _ = try api.call(port, "POST", "/api/articles/\(slug)/comments", body: #"{"comment":{"body":"Second"}}"#, token: jake)
        #expect(try api.call(port, "POST", "/api/articles/\(slug)/comments", body: #"{"comment":{"body":""}}"#, token: jake).status == 422)
        #expect(((try api.call(port, "GET", "/api/articles/\(slug)/comments").json["comments"]) as? [Any])?.count == 2)
        #expect(api.errors(try api.call(port, "DELETE", "/api/articles/\(slug)/comments/\(id)", token: jake).json) == ["comment": ["forbidden"]])
        #expect(try api.call(port, "DELETE", "/api/articles/\(slug)/comments/999999", token: jake).status == 404)
        #expect(try api.call(port, "DELETE", "/api/articles/\(slug)/comments/\(id)", token: other).status == 204)
        let remaining = try api.call(port, "GET", "/api/articles/\(slug)/comments").json["comments"] as? [[String: Any]] ?? []
        #expect(remaining.count == 1 && remaining.first?["body"] as? String == "Second")
    }

    @Test("many users favoriting one article at once add up exactly")
    func concurrentFavorites() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let port = server.port
        let author = try register(port, "author")
        let slug = try #require(article(try api.call(port, "POST", "/api/articles", body: #"{"article":{"title":"Popular","description":"d","body":"b"}}"#, token: author).json)["slug"] as? String)
        let tokens = try (0..<24).map { try register(port, "fan\($0)") }
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: tokens.count) { index in
            let status = (try? api.call(port, "POST", "/api/articles/\(slug)/favorite", token: tokens[index]).status) ?? -1
            if status != 200 { failures.add(1, ordering: .relaxed) }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(article(try api.call(port, "GET", "/api/articles/\(slug)").json)["favoritesCount"] as? Int == tokens.count)
        let unfavorited = try api.call(port, "DELETE", "/api/articles/\(slug)/favorite", token: tokens[0])
        #expect(article(unfavorited.json)["favoritesCount"] as? Int == tokens.count - 1 && article(unfavorited.json)["favorited"] as? Bool == false)
    }

    @Test("an article acknowledged with 201 survives SIGKILL right after")
    func durability() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { withExtendedLifetime(server) {} }  // its working directory holds the database
        let token = try register(server.port, "jake")
        let created = try api.call(server.port, "POST", "/api/articles", body: #"{"article":{"title":"Durable","description":"d","body":"b"}}"#, token: token)
        #expect(created.status == 201)
        let slug = try #require(article(created.json)["slug"] as? String)
        server.kill()
        // The same database: the SQLite file in its working directory, or its PostgreSQL database.
        let database = server.databaseURL ?? "sqlite:" + server.workingDirectory.appendingPathComponent("data/conduit.sqlite").path
        let restarted = try ServerProcess.start(environment: UsersAPITests.environment.merging(["DATABASE_URL": database]) { $1 })
        defer { restarted.stop() }
        #expect(try api.call(restarted.port, "GET", "/api/articles/\(slug)").status == 200)
        // The token still works: same secret, same user.
        #expect(try api.call(restarted.port, "GET", "/api/user", token: token).status == 200)
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
