/// Anything that turns a request into a response: a route handler, a router, a whole pipeline.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) async throws -> HTTPResponse
}

/// A step of the middleware chain: it may act before and after the rest of the chain (`next`),
/// or answer by itself without calling it.
public protocol HTTPMiddleware: Sendable {
    func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse
}

/// A closure as a responder.
public struct ClosureResponder: HTTPResponder {
    let body: @Sendable (HTTPRequest) async throws -> HTTPResponse
    public init(_ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) { self.body = body }
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse { try await body(request) }
}

/// Middleware in front of a responder, outermost first: `[a, b]` runs a, then b, then the
/// responder, and the response travels back through b, then a.
public struct MiddlewareChain: HTTPResponder {
    private let head: any HTTPResponder

    public init(_ middlewares: [any HTTPMiddleware], responder: any HTTPResponder) {
        var next = responder
        for middleware in middlewares.reversed() { next = Link(middleware: middleware, next: next) }
        head = next
    }

    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        try await head.respond(to: request)
    }

    private struct Link: HTTPResponder {
        let middleware: any HTTPMiddleware
        let next: any HTTPResponder
        func respond(to request: HTTPRequest) async throws -> HTTPResponse {
            try await middleware.handle(request, next: next)
        }
    }
}

/// The application's pipeline: the router matches first, then the middleware runs, then the
/// matched handler. Middleware thus sees the route template and parameters of every request
/// the router would serve (``HTTPRequest/route``), whatever spelling of the path reached it,
/// and can decide by route rather than by comparing path strings. Responses made by middleware
/// or from errors keep the route too, for logs and metrics. It never throws: an error that no
/// middleware turned into a response becomes one here (``ErrorMiddleware/response(for:request:format:)``).
public struct RoutedPipeline: HTTPResponder {
    private let router: Router
    private let chain: MiddlewareChain
    private let errorFormat: ErrorBodyFormat

    public init(_ middlewares: [any HTTPMiddleware], router: Router, errorFormat: ErrorBodyFormat = .plainText) {
        self.router = router
        chain = MiddlewareChain(middlewares, responder: router)
        self.errorFormat = errorFormat
    }

    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        let match = router.match(request.method, path: request.path)
        request.routing = match
        if case let .found(_, template, parameters) = match {
            request.route = template
            request.pathParameters = parameters
        }
        var response: HTTPResponse
        do {
            response = try await chain.respond(to: request)
        } catch {
            // No error middleware in the chain (or one that rethrew): the same net as the
            // kernel's, but here the route is known.
            response = ErrorMiddleware.response(for: error, request: request, format: errorFormat)
        }
        if response.route == nil { response.route = request.route }
        return response
    }
}
