import Foundation
import HTTPKernel

/// The OpenAPI 3.1 description of every route, served at `GET /api/openapi.json`.
///
/// It is held to the code three ways: the operations table below is compared with what the
/// router really registers (a test fails on a route missing from either side); every length
/// and count limit in the request schemas is read from ``FieldLimits``, the constants the
/// controllers validate with; and Scripts/schemathesis.sh runs schemathesis against a live
/// server with this document, failing on any 5xx, undocumented status or response that does
/// not match its schema.
enum APIDescription {
    /// Who may call an operation.
    enum Auth { case none, optional, required, metricsToken }

    struct Operation {
        let method: HTTPMethod
        /// In the router's syntax (`/api/articles/:slug`).
        let template: String
        let id: String
        let summary: String
        let tag: String
        let auth: Auth
        var query: [[String: Any]] = []
        /// A component schema name for the JSON request body.
        var body: String? = nil
        /// Success status and response component schema name (nil: no body).
        let success: (status: Int, schema: String?)
        /// Error statuses beyond the ones every operation can answer (400, 429, 503).
        var errors: [Int] = []
        /// A non-JSON success body (`/metrics`).
        var successContentType: String = "application/json"
    }

    static var pageQuery: [[String: Any]] { [
        query("limit", "Page size, 1 or more (larger than \(FieldLimits.pageLimit) is capped); default 20.", ["type": "integer", "minimum": 1, "maximum": Int.max]),
        query("offset", "Items to skip; default 0.", ["type": "integer", "minimum": 0, "maximum": Int.max]),
    ] }

    /// Every route, in registration order. A change to the router without one here fails
    /// `OpenAPITests`.
    static var operations: [Operation] { [
        Operation(method: .get, template: "/healthz", id: "liveness", summary: "Liveness: 200 while the process serves HTTP.", tag: "Operations",
                  auth: .none, success: (200, "Status")),
        Operation(method: .get, template: "/readyz", id: "readiness", summary: "Readiness: 200 when dependencies respond, 503 while draining.", tag: "Operations",
                  auth: .none, success: (200, "Status")),
        Operation(method: .get, template: "/metrics", id: "metrics",
                  summary: "Prometheus metrics. With METRICS_TOKEN set, needs `Authorization: Bearer <token>`; without one, 404 in production.",
                  tag: "Operations", auth: .metricsToken, success: (200, nil), errors: [401, 404], successContentType: MetricsRoute.contentType),
        Operation(method: .get, template: "/api/openapi.json", id: "openAPI", summary: "This document.", tag: "Operations",
                  auth: .none, success: (200, nil)),
        Operation(method: .post, template: "/api/users", id: "register", summary: "Register a user.", tag: "Users",
                  auth: .none, body: "NewUserRequest", success: (201, "UserResponse"), errors: [409, 413, 422]),
        Operation(method: .post, template: "/api/users/login", id: "login", summary: "Log in.", tag: "Users",
                  auth: .none, body: "LoginUserRequest", success: (200, "UserResponse"), errors: [401, 413, 422]),
        Operation(method: .get, template: "/api/user", id: "currentUser", summary: "The current user.", tag: "Users",
                  auth: .required, success: (200, "UserResponse")),
        Operation(method: .put, template: "/api/user", id: "updateUser", summary: "Update the current user; null clears bio or image.", tag: "Users",
                  auth: .required, body: "UpdateUserRequest", success: (200, "UserResponse"), errors: [409, 413, 422]),
        Operation(method: .post, template: "/api/users/logout", id: "logout",
                  summary: "End the session of the token sent (an extension of the RealWorld API): the token is refused from then on, on every instance. "
                      + "A new password (`PUT /api/user`) ends every other session of the user at once and the caller's 5 s later, and answers with a token for a new one. "
                      + "In cookie mode the cookie is cleared too, even when its token was no longer valid.",
                  tag: "Users", auth: .required,
                  query: [query("everywhere", "`true`: end every session of the token's user, on every device; default `false`.", ["type": "string", "enum": ["true", "false"]])],
                  success: (204, nil), errors: [403, 422]),
        Operation(method: .get, template: "/api/profiles/:username", id: "profile", summary: "A profile.", tag: "Profiles",
                  auth: .optional, success: (200, "ProfileResponse"), errors: [404]),
        Operation(method: .post, template: "/api/profiles/:username/follow", id: "follow", summary: "Follow a user.", tag: "Profiles",
                  auth: .required, success: (200, "ProfileResponse"), errors: [404, 422]),
        Operation(method: .delete, template: "/api/profiles/:username/follow", id: "unfollow", summary: "Unfollow a user.", tag: "Profiles",
                  auth: .required, success: (200, "ProfileResponse"), errors: [404]),
        Operation(method: .get, template: "/api/articles", id: "articles", summary: "Articles, newest first, filtered by tag, author or favorited.", tag: "Articles",
                  auth: .optional,
                  query: [query("tag", "Only articles with this tag.", ["type": "string"]),
                          query("author", "Only articles by this username.", ["type": "string"]),
                          query("favorited", "Only articles favorited by this username.", ["type": "string"])] + pageQuery,
                  success: (200, "MultipleArticlesResponse"), errors: [422]),
        Operation(method: .get, template: "/api/articles/feed", id: "feed", summary: "Articles by followed users, newest first.", tag: "Articles",
                  auth: .required, query: pageQuery, success: (200, "MultipleArticlesResponse"), errors: [422]),
        Operation(method: .post, template: "/api/articles", id: "createArticle", summary: "Create an article.", tag: "Articles",
                  auth: .required, body: "NewArticleRequest", success: (201, "SingleArticleResponse"), errors: [413, 422]),
        Operation(method: .get, template: "/api/articles/:slug", id: "article", summary: "An article.", tag: "Articles",
                  auth: .optional, success: (200, "SingleArticleResponse"), errors: [404]),
        Operation(method: .put, template: "/api/articles/:slug", id: "updateArticle", summary: "Update one's own article.", tag: "Articles",
                  auth: .required, body: "UpdateArticleRequest", success: (200, "SingleArticleResponse"), errors: [403, 404, 409, 413, 422]),
        Operation(method: .delete, template: "/api/articles/:slug", id: "deleteArticle", summary: "Delete one's own article.", tag: "Articles",
                  auth: .required, success: (204, nil), errors: [403, 404]),
        Operation(method: .post, template: "/api/articles/:slug/favorite", id: "favorite", summary: "Favorite an article.", tag: "Favorites",
                  auth: .required, success: (200, "SingleArticleResponse"), errors: [404]),
        Operation(method: .delete, template: "/api/articles/:slug/favorite", id: "unfavorite", summary: "Unfavorite an article.", tag: "Favorites",
                  auth: .required, success: (200, "SingleArticleResponse"), errors: [404]),
        Operation(method: .get, template: "/api/articles/:slug/comments", id: "comments", summary: "An article's comments.", tag: "Comments",
                  auth: .optional, success: (200, "MultipleCommentsResponse"), errors: [404]),
        Operation(method: .post, template: "/api/articles/:slug/comments", id: "addComment", summary: "Comment on an article.", tag: "Comments",
                  auth: .required, body: "NewCommentRequest", success: (201, "SingleCommentResponse"), errors: [404, 413, 422]),
        Operation(method: .delete, template: "/api/articles/:slug/comments/:id", id: "deleteComment", summary: "Delete one's own comment.", tag: "Comments",
                  auth: .required, success: (204, nil), errors: [403, 404]),
        Operation(method: .get, template: "/api/tags", id: "tags", summary: "Every tag in use.", tag: "Tags",
                  auth: .none, success: (200, "TagsResponse")),
    ] }

    // MARK: Schemas

    /// What `Fields.required` accepts: at least one non-blank character, no control characters.
    static let textPattern = #"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"#
    /// What `Fields.patch` accepts: anything without control characters other than tab, CR and LF.
    static let multilinePattern = #"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"#
    /// What `Fields.required(kind: .multiline)` accepts: free text (tab, CR and LF allowed) with
    /// at least one non-blank character.
    static let multilineTextPattern =
        #"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"#

    static func string(max: Int, min: Int = 1) -> [String: Any] {
        ["type": "string", "minLength": min, "maxLength": max, "pattern": textPattern]
    }
    /// Free text: several lines, indentation kept.
    static func text(max: Int) -> [String: Any] {
        ["type": "string", "minLength": 1, "maxLength": max, "pattern": multilineTextPattern]
    }
    static var nullableString: [String: Any] { ["type": ["string", "null"]] }
    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
    static func object(_ properties: [String: Any], required: [String]) -> [String: Any] {
        ["type": "object", "properties": properties, "required": required]
    }
    static var timestamp: [String: Any] { ["type": "string", "format": "date-time"] }

    static var tagList: [String: Any] {
        ["type": "array", "maxItems": FieldLimits.tagsPerArticle, "items": string(max: FieldLimits.tag)]
    }

    /// Request schemas carry the limits the controllers enforce (``FieldLimits``).
    static var schemas: [String: Any] {
        let profile = object(
            ["username": ["type": "string"], "bio": nullableString, "image": nullableString, "following": ["type": "boolean"]],
            required: ["username", "bio", "image", "following"])
        var listedArticle: [String: Any] = [
            "slug": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"],
            "tagList": ["type": "array", "items": ["type": "string"]], "createdAt": timestamp, "updatedAt": timestamp,
            "favorited": ["type": "boolean"], "favoritesCount": ["type": "integer", "minimum": 0], "author": ref("Profile"),
        ]
        let listedRequired = ["slug", "title", "description", "tagList", "createdAt", "updatedAt", "favorited", "favoritesCount", "author"]
        let listed = object(listedArticle, required: listedRequired)
        listedArticle["body"] = ["type": "string"]
        let article = object(listedArticle, required: listedRequired + ["body"])
        let imageOrNull: [String: Any] = [
            "type": ["string", "null"], "maxLength": FieldLimits.image, "pattern": #"^([hH][tT][tT][pP][sS]?://[^\s\u0000-\u001F\u007F-\u009F]*)?$"#,
            "description": "an http(s) URL; empty or null clears it",
        ]
        return [
            "ErrorEnvelope": object(
                ["errors": ["type": "object", "additionalProperties": ["type": "array", "items": ["type": "string"]]]],
                required: ["errors"]),
            "Status": object(["status": ["type": "string"]], required: ["status"]),
            "User": object(
                ["email": ["type": "string"], "token": ["type": "string"], "username": ["type": "string"],
                 "bio": nullableString, "image": nullableString],
                required: ["email", "token", "username", "bio", "image"]),
            "UserResponse": object(["user": ref("User")], required: ["user"]),
            "Profile": profile,
            "ProfileResponse": object(["profile": ref("Profile")], required: ["profile"]),
            "Article": article,
            "ListedArticle": listed,
            "SingleArticleResponse": object(["article": ref("Article")], required: ["article"]),
            "MultipleArticlesResponse": object(
                ["articles": ["type": "array", "items": ref("ListedArticle")], "articlesCount": ["type": "integer", "minimum": 0]],
                required: ["articles", "articlesCount"]),
            "Comment": object(
                ["id": ["type": "integer"], "createdAt": timestamp, "updatedAt": timestamp, "body": ["type": "string"], "author": ref("Profile")],
                required: ["id", "createdAt", "updatedAt", "body", "author"]),
            "SingleCommentResponse": object(["comment": ref("Comment")], required: ["comment"]),
            "MultipleCommentsResponse": object(["comments": ["type": "array", "items": ref("Comment")]], required: ["comments"]),
            "TagsResponse": object(["tags": ["type": "array", "items": ["type": "string"]]], required: ["tags"]),
            "NewUserRequest": object(
                ["user": object(
                    ["username": string(max: FieldLimits.username),
                     "email": string(max: FieldLimits.email).merging(["format": "email"]) { $1 },
                     "password": string(max: FieldLimits.passwordMaximum, min: FieldLimits.passwordMinimum)],
                    required: ["username", "email", "password"])],
                required: ["user"]),
            "LoginUserRequest": object(
                ["user": object(
                    ["email": string(max: FieldLimits.email), "password": string(max: FieldLimits.passwordMaximum)],
                    required: ["email", "password"])],
                required: ["user"]),
            "UpdateUserRequest": object(
                ["user": object(
                    ["username": string(max: FieldLimits.username),
                     "email": string(max: FieldLimits.email).merging(["format": "email"]) { $1 },
                     "password": string(max: FieldLimits.passwordMaximum, min: FieldLimits.passwordMinimum),
                     "bio": ["type": ["string", "null"], "maxLength": FieldLimits.bio, "pattern": multilinePattern],
                     "image": imageOrNull],
                    required: [])],
                required: ["user"]),
            "NewArticleRequest": object(
                ["article": object(
                    ["title": string(max: FieldLimits.title), "description": text(max: FieldLimits.description),
                     "body": text(max: FieldLimits.articleBody), "tagList": tagList],
                    required: ["title", "description", "body"])],
                required: ["article"]),
            "UpdateArticleRequest": object(
                ["article": object(
                    ["title": string(max: FieldLimits.title), "description": text(max: FieldLimits.description),
                     "body": text(max: FieldLimits.articleBody), "tagList": tagList],
                    required: [])],
                required: ["article"]),
            "NewCommentRequest": object(
                ["comment": object(["body": text(max: FieldLimits.commentBody)], required: ["body"])],
                required: ["comment"]),
        ]
    }

    static let errorDescriptions: [Int: String] = [
        400: "Malformed request: body not JSON (or nested deeper than \(JSONBody.maxDepth)), malformed query or path escape.",
        401: "Missing or invalid token.",
        403: "The resource belongs to someone else.",
        404: "Not found.",
        409: "A unique field is already taken.",
        413: "Body larger than MAX_BODY_BYTES (the envelope when Content-Length declares it; evhttp's HTML page when a chunked body grows past it).",
        422: "Validation failed: every failing field with its messages.",
        429: "Rate limited; see Retry-After.",
        406: "Accept-Encoding refuses identity and every coding this server has (gzip, deflate); the request was not carried out.",
        503: "Overloaded (load shedding), database unavailable or shutting down; see Retry-After.",
    ]

    /// A GET answered with a JSON body carries a strong ETag and honours If-None-Match
    /// (`ConditionalGetMiddleware`).
    static func isConditional(_ operation: Operation) -> Bool {
        operation.method == .get && operation.success.status == 200 && operation.successContentType == "application/json"
    }

    // MARK: Document

    /// `/api/articles/:slug` as OpenAPI spells it: `/api/articles/{slug}`.
    static func openAPIPath(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    static func query(_ name: String, _ description: String, _ schema: [String: Any]) -> [String: Any] {
        ["name": name, "in": "query", "required": false, "description": description, "schema": schema]
    }

    static func pathParameter(_ name: String) -> [String: Any] {
        let schema: [String: Any] =
            switch name {
            case "id": ["type": "integer", "minimum": 1]
            case "slug": ["type": "string", "minLength": 1, "maxLength": FieldLimits.slug]
            case "username": ["type": "string", "minLength": 1, "maxLength": FieldLimits.username]
            default: ["type": "string", "minLength": 1]
            }
        return ["name": name, "in": "path", "required": true, "schema": schema]
    }

    static func operationObject(_ operation: Operation) -> [String: Any] {
        var object: [String: Any] = ["operationId": operation.id, "summary": operation.summary, "tags": [operation.tag]]
        let pathNames = operation.template.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
        var parameters = pathNames.map(pathParameter) + operation.query
        if isConditional(operation) {
            parameters.append([
                "name": "If-None-Match", "in": "header", "required": false,
                "description": "Entity tags of representations the client holds (a list, weak or strong, or *): 304 when one is this one's.",
                "schema": ["type": "string"],
            ])
        }
        if !parameters.isEmpty { object["parameters"] = parameters }
        switch operation.auth {
        case .none: object["security"] = [[String: Any]]()
        case .optional: object["security"] = [[String: Any](), ["Token": [String]()]]
        case .required: object["security"] = [["Token": [String]()]]
        case .metricsToken: object["security"] = [[String: Any](), ["MetricsBearer": [String]()]]
        }
        if let body = operation.body {
            object["requestBody"] = ["required": true, "content": ["application/json": ["schema": ref(body)]]]
        }
        var responses: [String: Any] = [:]
        var success: [String: Any] = ["description": operation.success.status == 204 ? "Done; no body." : "Success."]
        if let schema = operation.success.schema {
            success["content"] = ["application/json": ["schema": ref(schema)]]
        } else if operation.success.status != 204 {
            success["content"] = [operation.successContentType: ["schema": ["type": operation.successContentType.hasPrefix("text/") ? "string" : "object"]]]
        }
        if isConditional(operation) {
            success["headers"] = ["ETag": ["description": "Strong tag: a hash of the bytes sent (the gzip body has its own).", "schema": ["type": "string"]]]
            responses["304"] = [
                "description": "Not Modified: If-None-Match names this representation's ETag; no body, the same ETag, Vary and Cache-Control.",
                "headers": ["ETag": ["schema": ["type": "string"]]],
            ]
        }
        responses[String(operation.success.status)] = success
        var errors = Set(operation.errors + [400, 406, 429, 503])
        if operation.auth == .required || operation.auth == .optional { errors.insert(401) }
        for status in errors.sorted() {
            // A declared Content-Length over the limit gets the envelope from the kernel's head
            // scan; a chunked body that grows past it gets evhttp's own HTML page (evhttp 2.1
            // has no hook for its error replies).
            var content: [String: Any] = ["application/json": ["schema": ref("ErrorEnvelope")]]
            if status == 413 { content["text/html"] = ["schema": ["type": "string"]] }
            responses[String(status)] = ["description": errorDescriptions[status] ?? "Error.", "content": content]
        }
        object["responses"] = responses
        return object
    }

    static var document: [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            paths[openAPIPath(operation.template), default: [:]][operation.method.rawValue.lowercased()] = operationObject(operation)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Conduit API",
                "version": "1.0.0",
                "description": "The RealWorld Conduit API on libevent. Errors are always {\"errors\":{\"<key>\":[\"<message>\"]}}. "
                    + "Bodies of 1 KiB or more (COMPRESSION_MIN_BYTES) are gzip- or deflate-coded when Accept-Encoding asks for it.",
            ],
            "paths": paths,
            "components": [
                "schemas": schemas,
                "securitySchemes": [
                    "Token": [
                        "type": "apiKey", "in": "header", "name": "Authorization",
                        "description": "`Token <jwt>` (the RealWorld scheme); `Bearer <jwt>` is accepted too.",
                    ],
                    "MetricsBearer": ["type": "http", "scheme": "bearer", "description": "METRICS_TOKEN"],
                ],
            ],
        ]
    }

    /// The document as served: generated once, keys sorted so it is byte-for-byte stable.
    static let json: [UInt8] = {
        // The document is built from literals; serialization cannot fail.
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return [UInt8](data)
    }()
}

/// `GET /api/openapi.json`.
struct OpenAPIRoute {
    func register(on router: inout Router) {
        router.get("/api/openapi.json") { _ in .json(APIDescription.json) }
    }
}
