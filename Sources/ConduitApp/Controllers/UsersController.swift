import HTTPKernel

/// `/api/users`, `/api/users/login`, `/api/user`: decode and validate, call ``UsersService``,
/// encode `{"user": {...}}`.
struct UsersController {
    let users: UsersService
    let authentication: Authentication
    /// The per-client limit on password guessing and account creation, when on.
    var authRateLimit: RateLimitMiddleware? = nil

    /// The routes behind ``authRateLimit``.
    static let authRateLimitedTemplates: Set<String> = ["/api/users", "/api/users/login"]

    func register(on router: inout Router) {
        router.group(authRateLimit.map { [$0] } ?? []) { router in
            router.post("/api/users") { request in try await register(request) }
            router.post("/api/users/login") { request in try await login(request) }
        }
        router.get("/api/user") { request in try await current(request) }
        router.put("/api/user") { request in try await update(request) }
        if let cookie = authentication.cookie {
            // The cookie is HttpOnly: only the server can take it back.
            router.post("/api/users/logout") { _ in
                var response = HTTPResponse.empty(status: 204)
                response.headers.add("Set-Cookie", cookie.expiredCookie)
                return response
            }
        }
    }

    /// A response that carries a token: never cached, and in cookie mode the token also goes
    /// into the cookie.
    func tokenResponse(_ authenticated: UsersService.Authenticated, status: Int = 200, for request: HTTPRequest) -> HTTPResponse {
        var response = HTTPResponse.json(Self.encode(authenticated), status: status)
        response.headers.set("Cache-Control", "no-store")
        if let cookie = authentication.cookie, cookie.maySet(for: request) {
            response.headers.add("Set-Cookie", cookie.setCookie(token: authenticated.token))
        }
        return response
    }

    func register(_ request: HTTPRequest) async throws -> HTTPResponse {
        var fields = try JSONBody.envelope(request, key: "user")
        let username = fields.required("username", max: FieldLimits.username)
        let email = fields.required("email", max: FieldLimits.email)
        let password = fields.required("password", max: FieldLimits.passwordMaximum, min: FieldLimits.passwordMinimum)
        if let email, !FieldFormats.isEmail(email) { fields.fail("email", "is invalid") }
        let (validUsername, validEmail, validPassword) = try fields.check(username, email, password)
        let created = try await users.register(username: validUsername, email: validEmail, password: validPassword)
        return tokenResponse(created, status: 201, for: request)
    }

    func login(_ request: HTTPRequest) async throws -> HTTPResponse {
        var fields = try JSONBody.envelope(request, key: "user")
        let email = fields.required("email", max: FieldLimits.email)
        let password = fields.required("password", max: FieldLimits.passwordMaximum)
        let (validEmail, validPassword) = try fields.check(email, password)
        return tokenResponse(try await users.login(email: validEmail, password: validPassword), for: request)
    }

    func current(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try await authentication.required(request)
        return .json(Self.encode(try await users.current(user)))
    }

    func update(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try await authentication.required(request)
        var fields = try JSONBody.envelope(request, key: "user")
        var changes = UsersService.Changes()
        changes.username = fields.optional("username", max: FieldLimits.username)
        changes.email = fields.optional("email", max: FieldLimits.email)
        changes.password = fields.optional("password", max: FieldLimits.passwordMaximum, min: FieldLimits.passwordMinimum)
        changes.bio = fields.patch("bio", max: FieldLimits.bio)
        changes.image = fields.patch("image", max: FieldLimits.image)
        if let email = changes.email, !FieldFormats.isEmail(email) { fields.fail("email", "is invalid") }
        if case let .set(url) = changes.image, !url.isEmpty, !FieldFormats.isWebURL(url) { fields.fail("image", "must be an http(s) URL") }
        try fields.check()
        return .json(Self.encode(try await users.update(user, with: changes)))
    }

    static func encode(_ authenticated: UsersService.Authenticated) -> [UInt8] {
        let user = authenticated.user
        var json = JSONWriter(capacity: 384)
        json.raw("{\"user\":{\"email\":")
        json.string(user.email)
        json.raw(",\"token\":")
        json.string(authenticated.token)
        json.raw(",\"username\":")
        json.string(user.username)
        json.raw(",\"bio\":")
        json.stringOrNull(user.bio)
        json.raw(",\"image\":")
        json.stringOrNull(user.image)
        json.raw("}}")
        return json.bytes
    }
}
