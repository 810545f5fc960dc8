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
