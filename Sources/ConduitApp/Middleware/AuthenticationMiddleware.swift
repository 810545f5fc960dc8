import HTTPKernel

/// The caller, attached to the request by ``AuthenticationMiddleware``.
enum CurrentUser: RequestContextKey {
    typealias Value = User
}

extension HTTPRequest {
    /// The caller, on a route of a group behind ``AuthenticationMiddleware``; nil when the
    /// group allows anonymous callers and none authenticated.
    var user: User? { context[CurrentUser.self] }

    /// The caller, on a route of a group that requires one (its middleware answered 401
    /// otherwise, so the throw is a net, not a path).
    func requiredUser() throws(AppError) -> User {
        guard let user else { throw .missingToken }
        return user
    }
}

/// Authenticates the requests of a group of routes once, before their handlers run: a group
/// that requires a user answers 401 without a valid token; one that allows anonymous callers
/// still refuses an invalid token (401) rather than ignoring it.
struct AuthenticationMiddleware: HTTPMiddleware {
    enum Requirement { case required, optional }

    let authentication: Authentication
    let requirement: Requirement

    func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        var request = request
        request.context[CurrentUser.self] =
            switch requirement {
            case .required: try await authentication.required(request)
            case .optional: try await authentication.optional(request)
            }
        return try await next.respond(to: request)
    }
}

extension Authentication {
    /// Middleware for a group of routes that require a caller.
    var requiringUser: AuthenticationMiddleware { AuthenticationMiddleware(authentication: self, requirement: .required) }
    /// Middleware for a group of routes that serve anonymous callers too.
    var allowingUser: AuthenticationMiddleware { AuthenticationMiddleware(authentication: self, requirement: .optional) }
}
