/// Routes requests by method and path template. Templates are literal segments and `:name`
/// parameters (`/api/articles/:slug/comments/:id`); a literal segment wins over a parameter.
///
/// The router is built once, before the server starts, and is immutable afterwards.
public struct Router: HTTPResponder {
    public typealias Handler = @Sendable (HTTPRequest) async throws -> HTTPResponse

    /// What a lookup found.
    public enum Match {
        case found(handler: Handler, template: String, parameters: [String: String])
        /// The path exists, but not for this method; `allowed` is what it does accept.
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
        /// A parameter held a malformed `%` escape or invalid UTF-8.
        case badPath
    }

    private var root = Node()

    public init() {}

    /// Registers `handler` for `method` on `template`. Registering a pair twice is a programming
    /// error and traps at start-up, not at request time.
    public mutating func add(_ method: HTTPMethod, _ template: String, _ handler: @escaping Handler) {
        let segments = Self.segments(of: template)
        root.insert(segments[...], method: method, route: Route(template: template, handler: handler))
    }

    public mutating func get(_ template: String, _ handler: @escaping Handler) { add(.get, template, handler) }
    public mutating func post(_ template: String, _ handler: @escaping Handler) { add(.post, template, handler) }
    public mutating func put(_ template: String, _ handler: @escaping Handler) { add(.put, template, handler) }
    public mutating func patch(_ template: String, _ handler: @escaping Handler) { add(.patch, template, handler) }
    public mutating func delete(_ template: String, _ handler: @escaping Handler) { add(.delete, template, handler) }

    public func match(_ method: HTTPMethod, path: String) -> Match {
        var parameterValues: [Substring] = []
        guard let node = root.find(Self.segments(of: path)[...], parameters: &parameterValues) else {
            return .notFound
        }
        guard let route = node.routes[method] ?? (method == .head ? node.routes[.get] : nil) else {
            return .methodNotAllowed(allowed: node.allowedMethods)
        }
        var parameters: [String: String] = [:]
        for (name, raw) in zip(route.parameterNames, parameterValues) {
            guard let value = PercentDecoding.decode(raw, plusIsSpace: false) else { return .badPath }
            parameters[name] = value
        }
        return .found(handler: route.handler, template: route.template, parameters: parameters)
    }

    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        switch match(request.method, path: request.path) {
        case let .found(handler, template, parameters):
            var request = request
            request.pathParameters = parameters
            request.route = template
            return try await handler(request)
        case let .methodNotAllowed(allowed):
            throw HTTPError.methodNotAllowed(allowed: allowed)
        case .notFound:
            throw HTTPError.notFound()
        case .badPath:
            throw HTTPError.badRequest("path", "malformed percent-encoding")
        }
    }

    /// `/a/b/` and `/a/b` are the same route; empty segments elsewhere are kept, so `/a//b` is
    /// not `/a/b`.
    static func segments(of path: String) -> [Substring] {
        var trimmed = Substring(path)
        if trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        if trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty { return [] }
        return trimmed.split(separator: "/", omittingEmptySubsequences: false)
    }

    private struct Route {
        let template: String
        let handler: Handler
        let parameterNames: [String]

        init(template: String, handler: @escaping Handler) {
            self.template = template
            self.handler = handler
            parameterNames = Router.segments(of: template).filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
        }
    }

    private struct Node {
        var literals: [Substring: Node] = [:]
        var parameter: [Node] = []  // zero or one child; an array keeps Node a value type
        var routes: [HTTPMethod: Route] = [:]

        var allowedMethods: [HTTPMethod] {
            var methods = Set(routes.keys)
            if methods.contains(.get) { methods.insert(.head) }
            return HTTPMethod.allCases.filter(methods.contains)
        }

        mutating func insert(_ segments: ArraySlice<Substring>, method: HTTPMethod, route: Route) {
            guard let first = segments.first else {
                precondition(routes[method] == nil, "route \(method) \(route.template) registered twice")
                routes[method] = route
                return
            }
            if first.hasPrefix(":") {
                if parameter.isEmpty { parameter.append(Node()) }
                parameter[0].insert(segments.dropFirst(), method: method, route: route)
            } else {
                literals[first, default: Node()].insert(segments.dropFirst(), method: method, route: route)
            }
        }

        func find(_ segments: ArraySlice<Substring>, parameters: inout [Substring]) -> Node? {
            guard let first = segments.first else { return routes.isEmpty ? nil : self }
            if let literal = literals[first], let found = literal.find(segments.dropFirst(), parameters: &parameters) {
                return found
            }
            if let child = parameter.first, !first.isEmpty {
                parameters.append(first)
                if let found = child.find(segments.dropFirst(), parameters: &parameters) { return found }
                parameters.removeLast()
            }
            return nil
        }
    }
}
