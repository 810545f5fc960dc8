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
        router.post("/api/users/logout") { request in try await logout(request) }
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
        .json(UserResponse(authenticated: users.current(try request.requiredUser(), caller: try request.requiredCaller())))
    }

    /// A new password answers with a token for a new session (the others ended): a token
    /// response, like login's.
    func update(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try request.requiredUser()
        let update = try JSONBody.decode(UpdateUserRequest.self, from: request)
        let updated = try await users.update(user, with: update.changes, caller: try request.requiredCaller())
        if update.changes.password != nil { return tokenResponse(updated, for: request) }
        return .json(UserResponse(authenticated: updated))
    }

    /// Ends the session the request's token names (`?everywhere=true`: every session of its
    /// user): 204, and in cookie mode the cookie expired (HttpOnly: only the server can take it
    /// back), which happens even when the cookie's token is no longer good.
    func logout(_ request: HTTPRequest) async throws -> HTTPResponse {
        let everywhere: Bool
        switch request.query["everywhere"] {
        case nil, "false": everywhere = false
        case "true": everywhere = true
        default: throw AppError.validation(["everywhere": ["must be true or false"]])
        }
        if let caller = try await sessionToEnd(request) { try await users.logout(caller, everywhere: everywhere) }
        var response = HTTPResponse.empty(status: 204)
        if let cookie = authentication.cookie { response.headers.add("Set-Cookie", cookie.expiredCookie) }
        return response
    }

    /// The caller whose session logout ends; in cookie mode nil for a missing or no longer
    /// valid token (nothing left to end: the cookie still goes).
    private func sessionToEnd(_ request: HTTPRequest) async throws(AppError) -> UsersService.Caller? {
        do {
            return try await authentication.requiredViewer(request)
        } catch {
            switch error {
            case .missingToken, .invalidToken: if authentication.cookie != nil { return nil }
            default: break
            }
            throw error
        }
    }
}
