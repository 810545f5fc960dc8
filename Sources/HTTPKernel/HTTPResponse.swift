import Logging

/// A response as a plain value; the owning event loop turns it into bytes.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The route template that produced the response (set by the router), for the access log.
    public var route: String?
    /// Extra fields for the kernel's access log line, such as the application's correlation
    /// ids; nil (the usual case) costs the access log nothing.
    public var logMetadata: Logger.Metadata?

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// An `application/json` response from already-encoded bytes.
    public static func json(_ bytes: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json; charset=utf-8"], body: bytes)
    }

    /// An empty response (204 by default).
    public static func empty(status: Int = 204) -> HTTPResponse { HTTPResponse(status: status) }
}
