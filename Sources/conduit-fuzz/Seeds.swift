import HTTPKernel

/// Valid requests to every route: what mutation starts from, so that inputs get past the
/// router and the JSON parser and into the field rules.
enum Seeds {
    static let login = FuzzInput.encode(.post, "/api/users/login", body: #"{"user":{"email":"fuzz@example.com","password":"fuzzfuzzfuzz"}}"#)

    static let setup: [[UInt8]] = [
        FuzzInput.encode(.post, "/api/users", body: #"{"user":{"username":"fuzz","email":"fuzz@example.com","password":"fuzzfuzzfuzz"}}"#),
        FuzzInput.encode(.post, "/api/users", body: #"{"user":{"username":"other","email":"other@example.com","password":"otherother"}}"#),
    ]

    static let corpus: [[UInt8]] = [
        login,
        FuzzInput.encode(.post, "/api/users", body: #"{"user":{"username":"new","email":"new@example.com","password":"newnewnew"}}"#),
        FuzzInput.encode(.get, "/api/user", authenticated: true),
        FuzzInput.encode(.put, "/api/user", body: #"{"user":{"bio":"hi","image":"https://example.com/a.png","username":"fuzz"}}"#, authenticated: true),
        FuzzInput.encode(.get, "/api/profiles/other", authenticated: true),
        FuzzInput.encode(.post, "/api/profiles/other/follow", authenticated: true),
        FuzzInput.encode(.delete, "/api/profiles/other/follow", authenticated: true),
        FuzzInput.encode(.get, "/api/articles?tag=t&author=fuzz&favorited=other&limit=5&offset=0"),
        FuzzInput.encode(.get, "/api/articles/feed?limit=20&offset=0", authenticated: true),
        FuzzInput.encode(.post, "/api/articles", body: #"{"article":{"title":"Hello","description":"d","body":"b","tagList":["t","u"]}}"#, authenticated: true),
        FuzzInput.encode(.get, "/api/articles/hello"),
        FuzzInput.encode(.put, "/api/articles/hello", body: #"{"article":{"title":"Hello again","body":"c","tagList":null}}"#, authenticated: true),
        FuzzInput.encode(.post, "/api/articles/hello/favorite", authenticated: true),
        FuzzInput.encode(.delete, "/api/articles/hello/favorite", authenticated: true),
        FuzzInput.encode(.post, "/api/articles/hello/comments", body: #"{"comment":{"body":"nice"}}"#, authenticated: true),
        FuzzInput.encode(.get, "/api/articles/hello/comments"),
        FuzzInput.encode(.delete, "/api/articles/hello/comments/1", authenticated: true),
        FuzzInput.encode(.delete, "/api/articles/hello", authenticated: true),
        FuzzInput.encode(.get, "/api/tags"),
        FuzzInput.encode(.get, "/healthz"),
        FuzzInput.encode(.get, "/readyz"),
        FuzzInput.encode(.options, "/api/articles", headers: ["Origin: https://app.example.com", "Access-Control-Request-Method: POST"]),
        FuzzInput.encode(.post, "/api/articles", headers: ["Cookie: conduit_token=x", "Origin: https://app.example.com"], body: #"{"article":{}}"#),
        FuzzInput.encode(.post, "/api/users/logout"),
    ]

    /// Fragments mutation splices in: JSON structure, types, escapes, limits, encodings.
    static let dictionary: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "0", "-1", "1e308", "-0.0", "18446744073709551616",
        "\\u0000", "\\ud800", "\\\"", "%", "%25", "%ff", "%2F", "?", "&", "=", "/", "..", "\n", "\r\n",
        #"{"user":"#, #"{"article":"#, #"{"comment":"#, #""tagList":"#, #""title":"#, #""body":"#, #""email":"#,
        #""password":"#, #""username":"#, #""image":"#, #""bio":"#, "javascript:", "https://", "limit=", "offset=", "tag=",
        String(repeating: "a", count: 300), String(repeating: "[", count: 40), "Authorization: Token ", "Content-Type: text/plain",
    ].map { Array($0.utf8) } + [[0], [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80]]
}
