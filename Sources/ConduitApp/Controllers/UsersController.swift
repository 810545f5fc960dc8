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
        router.group([authentication.requiringUser]) { router in
            router.get("/api/user") { request in try await current(request) }
            router.put("/api/user") { request in try await update(request) }
        }
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
        var response = HTTPResponse.json(UserResponse(authenticated: authenticated), status: status)
        response.headers.set("Cache-Control", "no-store")
        if let cookie = authentication.cookie, cookie.maySet(for: request) {
            response.headers.add("Set-Cookie", cookie.setCookie(token: authenticated.token))
        }
        return response
    }

    func register(_ request: HTTPRequest) async throws -> HTTPResponse {
        let new = try JSONBody.decode(NewUserRequest.self, from: request)
        let created = try await users.register(username: new.username, email: new.email, password: new.password)
        return tokenResponse(created, status: 201, for: request)
    }

    func login(_ request: HTTPRequest) async throws -> HTTPResponse {
        let login = try JSONBody.decode(LoginUserRequest.self, from: request)
        return tokenResponse(try await users.login(email: login.email, password: login.password), for: request)
    }

    func current(_ request: HTTPRequest) async throws -> HTTPResponse {
        .json(UserResponse(authenticated: try await users.current(try request.requiredUser())))
    }

    func update(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try request.requiredUser()
        let update = try JSONBody.decode(UpdateUserRequest.self, from: request)
        return .json(UserResponse(authenticated: try await users.update(user, with: update.changes)))
    }
}
