import HTTPKernel

/// `/api/users`, `/api/users/login`, `/api/user`: decode and validate, call ``UsersService``,
/// encode `{"user": {...}}`.
struct UsersController {
    let users: UsersService
    let authentication: Authentication

    func register(on router: inout Router) {
        router.post("/api/users") { request in try await register(request) }
        router.post("/api/users/login") { request in try await login(request) }
        router.get("/api/user") { request in try await current(request) }
        router.put("/api/user") { request in try await update(request) }
    }

    func register(_ request: HTTPRequest) async throws -> HTTPResponse {
        var fields = try JSONBody.envelope(request, key: "user")
        let username = fields.required("username", max: FieldLimits.username)
        let email = fields.required("email", max: FieldLimits.email)
        let password = fields.required("password", max: FieldLimits.passwordMaximum, min: FieldLimits.passwordMinimum)
        if let email, !FieldFormats.isEmail(email) { fields.fail("email", "is invalid") }
        try fields.check()
        let created = try await users.register(username: username!, email: email!, password: password!)
        return .json(Self.encode(created), status: 201)
    }

    func login(_ request: HTTPRequest) async throws -> HTTPResponse {
        var fields = try JSONBody.envelope(request, key: "user")
        let email = fields.required("email", max: FieldLimits.email)
        let password = fields.required("password", max: FieldLimits.passwordMaximum)
        try fields.check()
        return .json(Self.encode(try await users.login(email: email!, password: password!)))
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
        let json = "{\"user\":{\"email\":\(JSONString.quote(user.email)),\"token\":\(JSONString.quote(authenticated.token)),"
            + "\"username\":\(JSONString.quote(user.username)),\"bio\":\(JSONString.quoteOrNull(user.bio)),\"image\":\(JSONString.quoteOrNull(user.image))}}"
        return Array(json.utf8)
    }
}
