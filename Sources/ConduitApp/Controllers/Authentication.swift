import Foundation
import HTTPKernel

/// Finds the caller from `Authorization: Token <jwt>` (the RealWorld scheme; `Bearer` is
/// accepted too, as many clients send it), or in cookie mode from the ``AuthCookie``.
struct Authentication {
    let users: UsersService
    /// Set when `AUTH_COOKIE` is on.
    var cookie: AuthCookie?

    /// The caller's row and session, or 401 `token: is missing` / `token: is invalid` (an
    /// ended session included); 403 `origin` for a cookie-authenticated write from an origin
    /// not listed.
    func required(_ request: HTTPRequest) async throws(AppError) -> (user: User, caller: UsersService.Caller) {
        guard let token = try credential(in: request) else { throw .missingToken }
        return try await users.authenticate(token: token)
    }

    /// The caller from a valid token and live session, its row not read (reads that only need
    /// to know whom they show follows and favorites to), or 401 `token: is missing`.
    func requiredViewer(_ request: HTTPRequest) async throws(AppError) -> UsersService.Caller {
        guard let token = try credential(in: request) else { throw .missingToken }
        return try await users.caller(token: token)
    }

    /// The caller when a token is sent (and must then be valid), nil when none is.
    func optionalViewer(_ request: HTTPRequest) async throws(AppError) -> UsersService.Caller? {
        guard let token = try credential(in: request) else { return nil }
        return try await users.caller(token: token)
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
        return token(inAuthorization: header)
    }

    /// The token of `Token <jwt>` or `Bearer <jwt>` (schemes in any case), without the spaces
    /// and tabs around it; nil for another scheme or an empty token. Byte comparisons: this runs
    /// on every authenticated request, and Foundation's trimming cost a tenth of one.
    static func token(inAuthorization header: String) -> String? {
        let bytes = header.utf8
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let scheme = bytes[..<space]
        guard scheme.elementsEqual("token".utf8, by: Self.sameLetter) || scheme.elementsEqual("bearer".utf8, by: Self.sameLetter) else {
            return nil
        }
        var start = bytes.index(after: space)
        var end = bytes.endIndex
        while start < end, Self.isBlank(bytes[start]) { start = bytes.index(after: start) }
        while end > start, Self.isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        guard start < end else { return nil }
        return String(Substring(bytes[start..<end]))
    }

    private static func sameLetter(_ byte: UInt8, _ lowercase: UInt8) -> Bool {
        byte | 0x20 == lowercase
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
