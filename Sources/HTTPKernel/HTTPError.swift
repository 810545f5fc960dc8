/// An error that already knows its HTTP status and the errors (field or topic to messages) its
/// body lists, in the application's ``ErrorBodyFormat``.
///
/// Application errors conform to ``HTTPErrorConvertible``; everything else the error middleware
/// receives is unexpected and becomes a bare 500.
public struct HTTPError: Error, Sendable, Equatable {
    public var status: Int
    /// Field (or topic) name to messages, as in `["body": ["can't be empty"]]`.
    public var errors: [String: [String]]
    /// Extra headers the response needs (`Allow` on a 405, `Retry-After` on a 503...).
    public var headers: HTTPHeaders
    /// What failed underneath, for the log only (``HTTPErrorConvertible/underlyingCause``).
    public var cause: String?

    public init(status: Int, errors: [String: [String]], headers: HTTPHeaders = HTTPHeaders(), cause: String? = nil) {
        self.status = status
        self.errors = errors
        self.headers = headers
        self.cause = cause
    }

    public init(status: Int, key: String, _ message: String, headers: HTTPHeaders = HTTPHeaders(), cause: String? = nil) {
        self.init(status: status, errors: [key: [message]], headers: headers, cause: cause)
    }

    public static func notFound(_ what: String = "route") -> HTTPError {
        HTTPError(status: 404, key: what, "not found")
    }

    public static func methodNotAllowed(allowed: [HTTPMethod]) -> HTTPError {
        HTTPError(
            status: 405, key: "method", "not allowed",
            headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
    }

    public static func badRequest(_ key: String, _ message: String) -> HTTPError {
        HTTPError(status: 400, key: key, message)
    }

    public static let internalServerError = HTTPError(status: 500, key: "server", "internal error")

    public static func serviceUnavailable(_ message: String, retryAfterSeconds: Int) -> HTTPError {
        HTTPError(status: 503, key: "server", message, headers: ["Retry-After": String(retryAfterSeconds)])
    }

    /// The response this error becomes: its errors in `format`, plus its headers.
    public func response(_ format: ErrorBodyFormat) -> HTTPResponse {
        var response = HTTPResponse(status: status, headers: ["Content-Type": format.contentType], body: format.encode(errors))
        for field in headers { response.headers.set(field.name, field.value) }
        return response
    }
}

/// Errors of the application that map themselves onto ``HTTPError``.
public protocol HTTPErrorConvertible: Error {
    var httpError: HTTPError { get }
    /// For a server error, what failed underneath (a database's result code and message, a
    /// hashing failure): the error middleware logs it once, with the request id, and the
    /// client never sees it. nil for errors that are answers, not failures.
    var underlyingCause: String? { get }
}

extension HTTPErrorConvertible {
    public var underlyingCause: String? { nil }
}

extension HTTPError: HTTPErrorConvertible {
    public var httpError: HTTPError { self }
    public var underlyingCause: String? { cause }
}

/// How error bodies are written: the application's format (its JSON envelope, a problem
/// document...), used by the error middleware and by the kernel's own answers (refused heads,
/// a shed 503) alike, so that a client meets one shape whoever answered.
public struct ErrorBodyFormat: Sendable {
    public let contentType: String
    public let encode: @Sendable (_ errors: [String: [String]]) -> [UInt8]

    public init(contentType: String, encode: @escaping @Sendable (_ errors: [String: [String]]) -> [UInt8]) {
        self.contentType = contentType
        self.encode = encode
    }

    /// The kernel's own default: one `key: message` line per message, keys sorted.
    public static let plainText = ErrorBodyFormat(contentType: "text/plain; charset=utf-8") { errors in
        var text = ""
        for key in errors.keys.sorted() {
            for message in errors[key, default: []] { text += "\(key): \(message)\n" }
        }
        return Array(text.utf8)
    }
}
