import Logging

/// The one place where errors become responses. Typed errors (``HTTPErrorConvertible``) map to
/// their status and body (in the application's ``ErrorBodyFormat``); anything else is a 500
/// whose body says only that. A server error with a cause, and any untyped error, is logged
/// here, once, at error level, with the request id and route; the client sees only the body.
public struct ErrorMiddleware: SynchronousMiddleware {
    public let format: ErrorBodyFormat

    public init(format: ErrorBodyFormat = .plainText) { self.format = format }

    public func recover(from error: any Error, for request: HTTPRequest) -> HTTPResponse {
        var response = Self.response(for: error, request: request, format: format)
        response.route = request.route
        return response
    }

    /// The response for `error`, logging what the client must not see.
    public static func response(for error: any Error, request: HTTPRequest, format: ErrorBodyFormat) -> HTTPResponse {
        if let error = error as? any HTTPErrorConvertible {
            let httpError = error.httpError
            if httpError.status >= 500, let cause = error.underlyingCause {
                request.logger.error(
                    "request failed",
                    metadata: ["status": "\(httpError.status)", "cause": "\(cause)", "route": "\(request.route ?? "-")"])
            }
            return httpError.response(format)
        }
        request.logger.error(
            "unhandled error",
            metadata: ["error": "\(String(reflecting: error))", "route": "\(request.route ?? "-")"])
        return HTTPError.internalServerError.response(format)
    }
}
