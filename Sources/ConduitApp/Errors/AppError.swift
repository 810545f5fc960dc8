import HTTPKernel

/// Every error the application reports to a client, with its status and envelope. Services
/// throw these; the error middleware turns them into responses.
public enum AppError: Error, Equatable, HTTPErrorConvertible {
    /// 422: field name to messages, e.g. `["email": ["can't be blank"]]`.
    case validation([String: [String]])
    /// 400: the body is not the JSON the endpoint expects.
    case malformedBody(String)
    /// 401: no token on a route that needs one.
    case missingToken
    /// 401: a token that is expired, forged or names no user.
    case invalidToken
    /// 401: login with an unknown email or a wrong password (indistinguishable on purpose).
    case invalidCredentials
    /// 403: the resource is someone else's (`article`, `comment`).
    case forbidden(String)
    /// 404: `article`, `profile`, `comment`...
    case notFound(String)
    /// 409: a unique field already taken (`username`, `email`).
    case taken(String)
    /// 503: the database (or another dependency: password hashing, token signing) failed; the
    /// cause is for the log only (``underlyingCause``).
    case unavailable(cause: String)

    public var httpError: HTTPError {
        switch self {
        case let .validation(errors): HTTPError(status: 422, errors: errors)
        case let .malformedBody(message): HTTPError(status: 400, key: "body", message)
        case .missingToken: HTTPError(status: 401, key: "token", "is missing")
        case .invalidToken: HTTPError(status: 401, key: "token", "is invalid")
        case .invalidCredentials: HTTPError(status: 401, key: "credentials", "invalid")
        case let .forbidden(what): HTTPError(status: 403, key: what, "forbidden")
        case let .notFound(what): HTTPError(status: 404, key: what, "not found")
        case let .taken(field): HTTPError(status: 409, key: field, "has already been taken")
        case .unavailable: HTTPError(status: 503, key: "database", "unavailable", headers: ["Retry-After": "1"])
        }
    }

    public var underlyingCause: String? {
        if case let .unavailable(cause) = self { cause } else { nil }
    }
}
