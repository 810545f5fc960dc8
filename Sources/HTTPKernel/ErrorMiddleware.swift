import Logging

/// The one place where errors become responses. Typed errors (``HTTPErrorConvertible``) map to
/// their status and envelope; anything else is a 500 whose body says only that, while the log
/// line gets the details and the request id.
public struct ErrorMiddleware: HTTPMiddleware {
    public init() {}

    public func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        do {
            return try await next.respond(to: request)
        } catch {
            return Self.response(for: error, request: request)
        }
    }

    /// The response for `error`, logging what the client must not see.
    public static func response(for error: any Error, request: HTTPRequest) -> HTTPResponse {
        if let routed = error as? RoutedError {
            var request = request
            request.route = routed.route
            var response = response(for: routed.underlying, request: request)
            response.route = routed.route
            return response
        }
        if let error = error as? any HTTPErrorConvertible {
            return error.httpError.response
        }
        request.logger.error(
            "unhandled error",
            metadata: ["error": "\(String(reflecting: error))", "route": "\(request.route ?? "-")"])
        return HTTPError.internalServerError.response
    }
}

/// An error thrown by a route's handler, with the route template that matched. The router
/// wraps handler errors in it so that the response made from the error still knows its route
/// (access log, metrics); ``ErrorMiddleware`` unwraps it. Middleware between the router and
/// the error middleware that inspects errors should look at ``underlying``.
public struct RoutedError: Error {
    public let underlying: any Error
    public let route: String

    public init(underlying: any Error, route: String) {
        self.underlying = underlying
        self.route = route
    }
}
