import HTTPKernel

/// Cross-origin requests from browser frontends, allowed only for the configured origins.
///
/// A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered here
/// with 204; an allowed origin gets `Access-Control-Allow-Origin` echoed (or `*` when so
/// configured), the methods, the headers clients send (Authorization, Content-Type,
/// X-Request-Id) and a max age; `Access-Control-Allow-Credentials` only in cookie mode, where
/// `*` is refused. A disallowed origin gets no CORS header at all,
/// which browsers treat as a refusal. `Vary: Origin` goes on every response when CORS is on,
/// since the answer depends on the origin.
struct CORSMiddleware: SynchronousMiddleware {
    let allowedOrigins: Set<String>
    let allowsAnyOrigin: Bool
    /// Cookie mode: browsers send the cookie cross-origin only if told credentials are allowed
    /// (never with `*`, which the configuration refuses in cookie mode).
    let allowsCredentials: Bool

    static let allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
    static let allowedHeaders = "Authorization, Content-Type, X-Request-Id"
    static let maxAgeSeconds = "600"

    init(origins: [String], allowsCredentials: Bool = false) {
        allowsAnyOrigin = origins.contains("*")
        self.allowsCredentials = allowsCredentials && !allowsAnyOrigin
        allowedOrigins = Set(origins.filter { $0 != "*" }.map { $0.lowercased() })
    }

    var isEnabled: Bool { allowsAnyOrigin || !allowedOrigins.isEmpty }

    /// A preflight is answered here; the handler never sees it.
    func intercept(_ request: inout HTTPRequest) -> HTTPResponse? {
        guard request.method == .options, let origin = request.headers["Origin"], request.headers["Access-Control-Request-Method"] != nil
        else { return nil }
        var response = HTTPResponse.empty(status: 204)
        if let allowed = allowedValue(for: origin) {
            response.headers.set("Access-Control-Allow-Origin", allowed)
            response.headers.set("Access-Control-Allow-Methods", Self.allowedMethods)
            response.headers.set("Access-Control-Allow-Headers", Self.allowedHeaders)
            response.headers.set("Access-Control-Max-Age", Self.maxAgeSeconds)
            if allowsCredentials { response.headers.set("Access-Control-Allow-Credentials", "true") }
        }
        response.headers.add("Vary", "Origin")
        return response
    }

    func finish(_ response: inout HTTPResponse, for request: HTTPRequest) {
        if let allowed = allowedValue(for: request.headers["Origin"]) {
            response.headers.set("Access-Control-Allow-Origin", allowed)
            response.headers.set("Access-Control-Expose-Headers", "X-Request-Id")
            if allowsCredentials { response.headers.set("Access-Control-Allow-Credentials", "true") }
        }
        response.headers.add("Vary", "Origin")
    }

    /// The Access-Control-Allow-Origin value for `origin`, or nil when it is not allowed.
    func allowedValue(for origin: String?) -> String? {
        guard let origin, !origin.isEmpty else { return nil }
        if allowsAnyOrigin { return "*" }
        return allowedOrigins.contains(origin.lowercased()) ? origin : nil
    }
}
