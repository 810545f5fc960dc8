import Foundation
import HTTPKernel

/// Finds the caller from `Authorization: Token <jwt>` (the RealWorld scheme; `Bearer` is
/// accepted too, as many clients send it).
struct Authentication {
    let users: UsersService

    /// The caller, or 401 `token: is missing` / `token: is invalid`.
    func required(_ request: HTTPRequest) async throws(AppError) -> User {
        guard let token = Self.token(in: request) else { throw .missingToken }
        return try await users.authenticate(token: token)
    }

    /// The caller when a token is sent (and must then be valid), nil when none is.
    func optional(_ request: HTTPRequest) async throws(AppError) -> User? {
        guard let token = Self.token(in: request) else { return nil }
        return try await users.authenticate(token: token)
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
