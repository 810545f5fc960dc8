import Foundation
import HTTPKernel

/// Cookie mode (`AUTH_COOKIE=true`), for browser frontends that should not keep the token where
/// scripts can read it: login and registration also set it in an HttpOnly cookie, which is
/// accepted as auth when no `Authorization` header is sent.
///
/// A browser attaches cookies to requests other sites trigger, so a write authenticated by the
/// cookie must come with an `Origin` the operator listed (CSRF defence; `SameSite=Strict` is the
/// second line). A token in the `Authorization` header needs no such check: no other site can
/// make a browser send it.
struct AuthCookie: Sendable {
    static let name = "conduit_token"

    let lifetimeSeconds: Int
    /// Lowercased origins that may send cookie-authenticated writes (`CORS_ALLOWED_ORIGINS`).
    let writeOrigins: Set<String>

    init(lifetimeSeconds: Int, writeOrigins: [String]) {
        self.lifetimeSeconds = lifetimeSeconds
        self.writeOrigins = Set(writeOrigins.map { $0.lowercased() })
    }

    private static let attributes = "Path=/api; HttpOnly; Secure; SameSite=Strict"

    func setCookie(token: String) -> String {
        "\(Self.name)=\(token); Max-Age=\(lifetimeSeconds); \(Self.attributes)"
    }

    var expiredCookie: String { "\(Self.name)=; Max-Age=0; \(Self.attributes)" }

    /// The token in the request's `Cookie` headers, if one is there.
    static func token(in request: HTTPRequest) -> String? {
        for header in request.headers.values(for: "Cookie") {
            for pair in header.split(separator: ";") {
                let pair = pair.trimmingCharacters(in: .whitespaces)
                guard pair.hasPrefix(name + "=") else { continue }
                let value = pair.dropFirst(name.count + 1)
                return value.isEmpty ? nil : String(value)
            }
        }
        return nil
    }

    /// Whether a request the cookie authenticates may go on: reads always, writes only from a
    /// listed origin. A missing `Origin` is refused too: browsers send it on every write.
    func permits(_ request: HTTPRequest) -> Bool {
        switch request.method {
        case .get, .head, .options: true
        default: isListed(request.headers["Origin"])
        }
    }

    /// Whether a login or registration may set the cookie: not when another site's page sent it
    /// (login CSRF would sign the victim into the attacker's account). Clients that send no
    /// `Origin` (curl, servers) get it.
    func maySet(for request: HTTPRequest) -> Bool {
        guard let origin = request.headers["Origin"] else { return true }
        return isListed(origin)
    }

    private func isListed(_ origin: String?) -> Bool {
        guard let origin else { return false }
        return writeOrigins.contains(origin.lowercased())
    }
}
