import HTTPKernel

/// The caller, attached to the request by ``AuthenticationMiddleware``.
enum CurrentUser: RequestContextKey {
    typealias Value = User
}

/// The caller's token and session, attached by ``AuthenticationMiddleware`` in every mode.
enum CurrentCaller: RequestContextKey {
    typealias Value = UsersService.Caller
}

extension HTTPRequest {
    /// The caller, on a route of a group behind ``AuthenticationMiddleware``; nil when the
    /// group allows anonymous callers and none authenticated.
    var user: User? { context[CurrentUser.self] }

    /// The caller's id, in any mode; nil for an anonymous caller.
    var viewerID: Int64? { context[CurrentCaller.self]?.userID }

    /// The caller's token and session, on a route of a group that requires a caller.
    func requiredCaller() throws(AppError) -> UsersService.Caller {
        guard let caller = context[CurrentCaller.self] else { throw .missingToken }
        return caller
    }

    /// The caller's id, on a route of a group that requires a caller.
    func requiredViewerID() throws(AppError) -> Int64 {
        guard let viewerID else { throw .missingToken }
        return viewerID
    }

    /// The caller, on a route of a group that requires one (its middleware answered 401
    /// otherwise, so the throw is a net, not a path).
    func requiredUser() throws(AppError) -> User {
        guard let user else { throw .missingToken }
        return user
    }
}

/// Authenticates the requests of a group of routes once, before their handlers run: a group
/// that requires a caller answers 401 without a valid token; one that allows anonymous callers
/// still refuses an invalid token (401) rather than ignoring it. The user modes read the
/// caller's row (routes that write, or show the caller); the viewer modes only verify the token
/// and keep its id (routes that read, and only need to know whose follows and favorites to
/// show): on PostgreSQL the row was a round trip of its own before every page.
struct AuthenticationMiddleware: HTTPMiddleware {
    enum Requirement { case requiredUser, optionalViewer, requiredViewer }

    let authentication: Authentication
    let requirement: Requirement

    func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        var request = request
        switch requirement {
        case .requiredUser:
            let (user, caller) = try await authentication.required(request)
            request.context[CurrentUser.self] = user
            request.context[CurrentCaller.self] = caller
        case .optionalViewer: request.context[CurrentCaller.self] = try await authentication.optionalViewer(request)
        case .requiredViewer: request.context[CurrentCaller.self] = try await authentication.requiredViewer(request)
        }
        return try await next.respond(to: request)
    }
}

extension Authentication {
    /// Middleware for a group of routes that require a caller and read the caller's row.
    var requiringUser: AuthenticationMiddleware { AuthenticationMiddleware(authentication: self, requirement: .requiredUser) }
    /// Middleware for a group of reads that require a caller's token, its id enough.
    var requiringViewer: AuthenticationMiddleware { AuthenticationMiddleware(authentication: self, requirement: .requiredViewer) }
    /// Middleware for a group of reads that serve anonymous callers too.
    var allowingViewer: AuthenticationMiddleware { AuthenticationMiddleware(authentication: self, requirement: .optionalViewer) }
}
