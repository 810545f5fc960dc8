import Foundation
import HTTPKernel

/// `GET /metrics`: the Prometheus text exposition.
///
/// Who may read it (when METRICS_ENABLED is true, the default): with `METRICS_TOKEN` set, only requests with `Authorization: Bearer <token>`
/// (compared in constant time; 401 otherwise). Without a token it is open in development and
/// answers 404 in production, as if it did not exist: metrics name every route and show load,
/// which is not for the public. (The rate limiter never counts scrapes.)
struct MetricsRoute {
    static let path = "/metrics"
    /// Scrapes come from the infrastructure: never rate limited.
    static let templates: Set<String> = [path]
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let metrics: AppMetrics
    /// METRICS_ENABLED=false: the route exists (the API description lists it) but answers 404.
    var enabled = true
    let token: String?
    let production: Bool

    func register(on router: inout Router) {
        router.get(Self.path) { request in
            guard enabled else { throw HTTPError.notFound() }
            if let token {
                guard let presented = Self.bearer(in: request), ConstantTime.equal(presented, token) else {
                    throw HTTPError(status: 401, key: "token", "is missing or invalid", headers: ["WWW-Authenticate": "Bearer"])
                }
            } else if production {
                throw HTTPError.notFound()
            }
            return HTTPResponse(status: 200, headers: ["Content-Type": Self.contentType], body: metrics.render())
        }
    }

    static func bearer(in request: HTTPRequest) -> String? {
        guard let header = request.headers["Authorization"], header.utf8.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: [" "])
    }
}

/// Comparisons whose time does not depend on where two secrets differ.
enum ConstantTime {
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        // Walk the expected length whatever was presented, so timing reveals neither prefix nor length.
        for index in 0..<y.count {
            difference |= (index < x.count ? x[index] : 0) ^ y[index]
        }
        return difference == 0
    }
}

