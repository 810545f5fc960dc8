/// The request methods that reach the router. TRACE is let through only to be refused
/// properly: no route registers it, so the router answers 405 with `Allow` (or 404), where
/// evhttp alone would answer 501, a server error. evhttp answers the rest itself with 501:
/// CONNECT (it would keep a tunnel's connection open after the reply) and methods it does not
/// know (PROPFIND...).
public enum HTTPMethod: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
    case options = "OPTIONS"
    case trace = "TRACE"

    public var description: String { rawValue }

    /// A dense index, for per-method tables.
    var index: Int {
        switch self {
        case .get: 0
        case .head: 1
        case .post: 2
        case .put: 3
        case .patch: 4
        case .delete: 5
        case .options: 6
        case .trace: 7
        }
    }
}
