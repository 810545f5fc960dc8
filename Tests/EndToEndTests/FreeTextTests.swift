import Foundation
import HTTPTestSupport
import Testing

/// Free text (an article's body and description, a comment, a bio) is written in paragraphs:
/// LF, CR LF and TAB are accepted and come back byte for byte; one-line fields (title,
/// username, tag, email) go on refusing control characters, in the envelope.
@Suite("Free text")
struct FreeTextTests {
    let api = UsersAPITests()
    let articles = ArticlesAPITests()

    /// The same text as a JSON string literal (what a client sends) and as the decoded value.
    static let markdown = "First paragraph.\n\nSecond paragraph,\r\nwith a CR LF.\n\n\tindented code\n- item"
    static var markdownJSON: String { jsonString(markdown) }

    static func jsonString(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed]), as: UTF8.self)
            .dropFirst().dropLast().description
    }

    @Test("article body and description, an edit, a comment and a bio keep LF, CR LF and TAB byte for byte")
    func multilineRoundTrip() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let port = server.port
        let author = try articles.register(port, "writer")
        let text = Self.markdownJSON
        let created = try api.call(
            port, "POST", "/api/articles",
            body: #"{"article":{"title":"Paragraphs","description":"Line one\nline two\tand a tab","body":\#(text),"tagList":["markdown"]}}"#,
            token: author)
        #expect(created.status == 201, "\(created.json)")
        let slug = try #require(articles.article(created.json)["slug"] as? String)
        #expect(articles.article(created.json)["body"] as? String == Self.markdown)
        #expect(articles.article(created.json)["description"] as? String == "Line one\nline two\tand a tab")

        // The stored bytes, read back on a fresh request, not only the echo of the write.
        let client = try RawHTTPClient(port: port)
        let read = try client.get("/api/articles/\(slug)")
        let readBody = try #require(
            ((try JSONSerialization.jsonObject(with: Data(read.body))) as? [String: Any])?["article"] as? [String: Any])
        #expect(Array((readBody["body"] as? String ?? "").utf8) == Array(Self.markdown.utf8))

        let edited = try api.call(
            port, "PUT", "/api/articles/\(slug)", body: #"{"article":{"body":"Edited.\r\n\r\nStill two paragraphs."}}"#, token: author)
        #expect(edited.status == 200)
        #expect(Array((articles.article(edited.json)["body"] as? String ?? "").utf8) == Array("Edited.\r\n\r\nStill two paragraphs.".utf8))

        let comment = try api.call(
            port, "POST", "/api/articles/\(slug)/comments", body: #"{"comment":{"body":"Nice.\nThanks for the second paragraph."}}"#,
            token: author)
        #expect(comment.status == 201)
        let comments = try api.call(port, "GET", "/api/articles/\(slug)/comments")
        let first = (comments.json["comments"] as? [[String: Any]])?.first
        #expect(first?["body"] as? String == "Nice.\nThanks for the second paragraph.")

        let bio = try api.call(port, "PUT", "/api/user", body: #"{"user":{"bio":"Writer.\n\tLikes tabs."}}"#, token: author)
        #expect(api.user(bio.json)["bio"] as? String == "Writer.\n\tLikes tabs.")
    }

    @Test("one-line fields and other control characters are refused in the envelope; blank free text too")
    func singleLineFieldsRefuseControls() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let port = server.port
        let author = try articles.register(port, "writer")
        let refused: [(String, String, String, String)] = [
            ("POST", "/api/articles", #"{"article":{"title":"Two\nlines","description":"d","body":"b"}}"#, "title"),
            ("POST", "/api/articles", #"{"article":{"title":"t","description":"d","body":"b","tagList":["a\tb"]}}"#, "tagList"),
            ("POST", "/api/articles", #"{"article":{"title":"t","description":"d","body":"bell \u0007"}}"#, "body"),
            ("POST", "/api/articles", #"{"article":{"title":"t","description":"nul \u0000","body":"b"}}"#, "description"),
            ("POST", "/api/articles", #"{"article":{"title":"t","description":"d","body":"\n\r\n\t "}}"#, "body"),
            ("POST", "/api/users", #"{"user":{"username":"new\nline","email":"n@x.yz","password":"password123"}}"#, "username"),
            ("PUT", "/api/user", #"{"user":{"email":"a@b.c\n"}}"#, "email"),
            ("PUT", "/api/user", #"{"user":{"bio":"escape \u001b[31m"}}"#, "bio"),
        ]
        for (method, path, body, field) in refused {
            let response = try api.call(port, method, path, body: body, token: author)
            #expect(response.status == 422, "\(body)")
            #expect(api.errors(response.json)[field] != nil, "\(body) -> \(response.json)")
        }
        #expect(try api.call(port, "GET", "/healthz").status == 200)
    }
}
