import Foundation
import HTTPKernel

/// Finds the caller from `Authorization: Token <jwt>` (the RealWorld scheme; `Bearer` is
/// accepted too, as many clients send it), or in cookie mode from the ``AuthCookie``.
struct Authentication {
    let users: UsersService
    /// Set when `AUTH_COOKIE` is on.
    var cookie: AuthCookie?

    /// The caller, or 401 `token: is missing` / `token: is invalid`; 403 `origin` for a
    /// cookie-authenticated write from an origin not listed.
    func required(_ request: HTTPRequest) async throws(AppError) -> User {
        guard let token = try credential(in: request) else { throw .missingToken }
        return try await users.authenticate(token: token)
    }

    /// The caller when a token is sent (and must then be valid), nil when none is.
    func optional(_ request: HTTPRequest) async throws(AppError) -> User? {
        guard let token = try credential(in: request) else { return nil }
        return try await users.authenticate(token: token)
    }

    /// The header's token; else, in cookie mode, the cookie's, if the request passes the CSRF rule.
    private func credential(in request: HTTPRequest) throws(AppError) -> String? {
        if let token = Self.token(in: request) { return token }
        guard let cookie, let token = AuthCookie.token(in: request) else { return nil }
        guard cookie.permits(request) else { throw .forbidden("origin") }
        return token
    }

    static func token(in request: HTTPRequest) -> String? {
        guard let header = request.headers["Authorization"] else { return nil }
        for scheme in ["Token ", "Bearer "] where header.count > scheme.count && header.lowercased().hasPrefix(scheme.lowercased()) {
            let token = header.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
        }
        return nil
    }
}
