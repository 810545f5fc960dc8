/// An error that already knows its HTTP status and the `{"errors":{...}}` envelope it becomes.
///
/// Application errors conform to ``HTTPErrorConvertible``; everything else the error middleware
/// receives is unexpected and becomes a bare 500.
public struct HTTPError: Error, Sendable, Equatable {
    public var status: Int
    /// Field (or topic) name to messages, as in `{"errors":{"body":["can't be empty"]}}`.
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

    /// The response this error becomes: the envelope as JSON, plus its headers.
    public var response: HTTPResponse {
        var response = HTTPResponse.json(ErrorEnvelope.encode(errors), status: status)
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

/// Encodes `{"errors":{"key":["message", ...]}}` with keys sorted, so bodies are stable.
public enum ErrorEnvelope {
    public static func encode(_ errors: [String: [String]]) -> [UInt8] {
        var out = "{\"errors\":{"
        for (index, key) in errors.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            out += JSONString.quote(key) + ":["
            out += errors[key, default: []].map(JSONString.quote).joined(separator: ",")
            out += "]"
        }
        out += "}}"
        return Array(out.utf8)
    }
}

/// Minimal JSON string quoting for bodies the kernel writes itself.
public enum JSONString {
    /// `quote(text)`, or `null` for nil.
    public static func quoteOrNull(_ text: String?) -> String { text.map(quote) ?? "null" }

    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20:
                let hex = String(s.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
