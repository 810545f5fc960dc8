/// Routes requests by method and path template. Templates are literal segments and `:name`
/// parameters (`/api/articles/:slug/comments/:id`); a literal segment wins over a parameter.
///
/// The router is built once, before the server starts, and is immutable afterwards.
public struct Router: HTTPResponder {
    public typealias Handler = @Sendable (HTTPRequest) async throws -> HTTPResponse

    /// What a lookup found.
    public enum Match: Sendable {
        case found(handler: Handler, template: String, parameters: [String: String])
        /// The path exists, but not for this method; `allowed` is what it does accept.
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
        /// A parameter held a malformed `%` escape or invalid UTF-8.
        case badPath
    }

    /// The trie as an arena: node 0 is the root, children are indices. Lookups walk it by
    /// index, so matching copies no node (and retains nothing) on the way.
    private var nodes = [Node()]
    /// Every registered (method, template), in registration order: what an API description
    /// generated from the same table is checked against.
    public private(set) var routes: [(method: HTTPMethod, template: String)] = []

    /// Middleware of the groups being registered (``group(_:_:)``), outermost first.
    private var groupMiddleware: [any HTTPMiddleware] = []

    public init() {}

    /// Registers `handler` for `method` on `template`, behind the middleware of the enclosing
    /// groups. Registering a pair twice is a programming error and traps at start-up, not at
    /// request time.
    public mutating func add(_ method: HTTPMethod, _ template: String, _ handler: @escaping Handler) {
        var handler = handler
        if !groupMiddleware.isEmpty {
            let chain = MiddlewareChain(groupMiddleware, responder: ClosureResponder(handler))
            handler = { request in try await chain.respond(to: request) }
        }
        let segments = Self.segments(of: template)
        insert(segments[...], at: 0, method: method, route: Route(template: template, handler: handler))
        routes.append((method, template))
    }

    /// Routes registered inside `register` run behind `middleware`: it sees only requests the
    /// router matched to one of them, however their path was spelled (`/a/b/`, `/a/b?x`), so
    /// a limit attached here cannot be sidestepped by another spelling of the same route.
    public mutating func group(_ middleware: [any HTTPMiddleware], _ register: (inout Router) -> Void) {
        let outer = groupMiddleware
        groupMiddleware = outer + middleware
        register(&self)
        groupMiddleware = outer
    }

    public mutating func get(_ template: String, _ handler: @escaping Handler) { add(.get, template, handler) }
    public mutating func post(_ template: String, _ handler: @escaping Handler) { add(.post, template, handler) }
    public mutating func put(_ template: String, _ handler: @escaping Handler) { add(.put, template, handler) }
    public mutating func patch(_ template: String, _ handler: @escaping Handler) { add(.patch, template, handler) }
    public mutating func delete(_ template: String, _ handler: @escaping Handler) { add(.delete, template, handler) }

    public func match(_ method: HTTPMethod, path: String) -> Match {
        // Allocation-free on the common path: segments are slices of `path`, and the parameter
        // list only allocates when a template has parameters.
        var parameterValues: [Substring] = []
        guard let index = find(Self.normalized(path), from: 0, parameters: &parameterValues) else {
            return .notFound
        }
        guard let route = nodes[index].routes[method.index] ?? (method == .head ? nodes[index].routes[HTTPMethod.get.index] : nil)
        else {
            return .methodNotAllowed(allowed: nodes[index].allowedMethods)
        }
        if route.parameterNames.isEmpty {
            return .found(handler: route.handler, template: route.template, parameters: [:])
        }
        var parameters: [String: String] = [:]
        for (name, raw) in zip(route.parameterNames, parameterValues) {
            guard let value = PercentDecoding.decode(raw, plusIsSpace: false) else { return .badPath }
            parameters[name] = value
        }
        return .found(handler: route.handler, template: route.template, parameters: parameters)
    }

    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        switch request.routing ?? match(request.method, path: request.path) {
        case let .found(handler, template, parameters):
            var request = request
            request.pathParameters = parameters
            request.route = template
            var response = try await handler(request)
            response.route = template
            return response
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
    static func normalized(_ path: String) -> Substring {
        var trimmed = Substring(path)
        if trimmed.utf8.first == UInt8(ascii: "/") { trimmed = trimmed.dropFirst() }
        if trimmed.utf8.last == UInt8(ascii: "/") { trimmed = trimmed.dropLast() }
        return trimmed
    }

    static func segments(of path: String) -> [Substring] {
        let trimmed = normalized(path)
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
        /// Few children per node: a linear scan beats hashing the segment.
        var literals: [(segment: String, child: Int)] = []
        var parameterChild: Int?
        var routes = [Route?](repeating: nil, count: HTTPMethod.allCases.count)

        var allowedMethods: [HTTPMethod] {
            HTTPMethod.allCases.filter { routes[$0.index] != nil || ($0 == .head && routes[HTTPMethod.get.index] != nil) }
        }

        var hasRoutes: Bool { routes.contains { $0 != nil } }
    }

    private mutating func insert(_ segments: ArraySlice<Substring>, at index: Int, method: HTTPMethod, route: Route) {
        guard let first = segments.first else {
            precondition(nodes[index].routes[method.index] == nil, "route \(method) \(route.template) registered twice")
            nodes[index].routes[method.index] = route
            return
        }
        let child: Int
        if first.hasPrefix(":") {
            if let existing = nodes[index].parameterChild {
                child = existing
            } else {
                child = nodes.count
                nodes.append(Node())
                nodes[index].parameterChild = child
            }
        } else if let existing = nodes[index].literals.first(where: { $0.segment == first })?.child {
            child = existing
        } else {
            child = nodes.count
            nodes.append(Node())
            nodes[index].literals.append((String(first), child))
        }
        insert(segments.dropFirst(), at: child, method: method, route: route)
    }

    /// `path` is what is left of the normalized path; "" means every segment was consumed.
    private func find(_ path: Substring, from index: Int, parameters: inout [Substring]) -> Int? {
        guard !path.isEmpty else { return nodes[index].hasRoutes ? index : nil }
        let slash = path.utf8.firstIndex(of: UInt8(ascii: "/"))
        let segment = path[..<(slash ?? path.endIndex)]
        let rest = slash.map { path[path.index(after: $0)...] } ?? path[path.endIndex...]
        if slash != nil, rest.isEmpty {
            return nil  // an empty last segment, as in `/a//`
        }
        for position in nodes[index].literals.indices where nodes[index].literals[position].segment == segment {
            if let found = find(rest, from: nodes[index].literals[position].child, parameters: &parameters) {
                return found
            }
        }
        if let child = nodes[index].parameterChild, !segment.isEmpty {
            parameters.append(segment)
            if let found = find(rest, from: child, parameters: &parameters) { return found }
            parameters.removeLast()
        }
        return nil
    }
}
