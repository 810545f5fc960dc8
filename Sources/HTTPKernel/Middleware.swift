/// Anything that turns a request into a response: a route handler, a router, a whole pipeline.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) async throws -> HTTPResponse
}

/// A step of the middleware chain: it may act before and after the rest of the chain (`next`),
/// or answer by itself without calling it.
public protocol HTTPMiddleware: Sendable {
    func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse
}

/// A middleware step that never suspends: it may answer before the rest of the chain runs
/// (``intercept(_:)``), adjust the response on its way back (``finish(_:for:)``), and turn an
/// error thrown inside it into a response (``recover(from:for:)``). It behaves exactly as the
/// ``HTTPMiddleware`` that calls these around `next`, but a ``MiddlewareChain`` runs a run of
/// consecutive steps around a single `await`: every async call that returns costs the task an
/// executor switch (the runtime then reads the task's executor preference under a lock), and
/// a chain of async middleware paid two of them per step on every request.
public protocol SynchronousMiddleware: HTTPMiddleware {
    /// Before the rest of the chain: a response returned here is the answer (the steps outside
    /// still finish it), and nothing inside this step runs. What it sets on the request (its
    /// ``HTTPRequest/context``) is seen by the steps inside, the handler and every `finish`.
    func intercept(_ request: inout HTTPRequest) throws -> HTTPResponse?
    /// The response from inside (the handler's, or one a step inside made), on its way out.
    func finish(_ response: inout HTTPResponse, for request: HTTPRequest) throws
    /// An error thrown inside this step (not by its own hooks): a response, or the error again.
    func recover(from error: any Error, for request: HTTPRequest) throws -> HTTPResponse
}

extension SynchronousMiddleware {
    public func intercept(_ request: inout HTTPRequest) throws -> HTTPResponse? { nil }
    public func finish(_ response: inout HTTPResponse, for request: HTTPRequest) throws {}
    public func recover(from error: any Error, for request: HTTPRequest) throws -> HTTPResponse { throw error }

    public func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        try await SynchronousRun(steps: [self], next: next).respond(to: request)
    }
}

/// Consecutive synchronous steps in front of a responder, with the semantics of nesting them:
/// step `i` sees what steps `0..<i` let through, and its hooks on the way out run only if its
/// `intercept` ran without answering or throwing.
struct SynchronousRun: HTTPResponder {
    let steps: [any SynchronousMiddleware]
    let next: any HTTPResponder

    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        var outcome: Result<HTTPResponse, any Error>?
        // Steps whose way out runs: those whose `intercept` let the request through.
        var passed = 0
        while passed < steps.count, outcome == nil {
            do {
                if let answer = try steps[passed].intercept(&request) { outcome = .success(answer) } else { passed += 1 }
            } catch {
                outcome = .failure(error)
            }
        }
        var result: Result<HTTPResponse, any Error>
        if let outcome {
            result = outcome
        } else {
            do { result = .success(try await next.respond(to: request)) } catch { result = .failure(error) }
        }
        for index in stride(from: passed - 1, through: 0, by: -1) {
            switch result {
            case .success(var response):
                do {
                    try steps[index].finish(&response, for: request)
                    result = .success(response)
                } catch {
                    result = .failure(error)
                }
            case let .failure(error):
                do { result = .success(try steps[index].recover(from: error, for: request)) } catch { result = .failure(error) }
            }
        }
        return try result.get()
    }
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
        // Built from the inside out; consecutive synchronous steps share one link.
        var run: [any SynchronousMiddleware] = []
        for middleware in middlewares.reversed() {
            if let step = middleware as? any SynchronousMiddleware {
                run.insert(step, at: 0)
                continue
            }
            if !run.isEmpty { next = SynchronousRun(steps: run, next: next) }
            run = []
            next = Link(middleware: middleware, next: next)
        }
        if !run.isEmpty { next = SynchronousRun(steps: run, next: next) }
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
