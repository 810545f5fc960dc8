import Logging

/// One HTTP request, copied off its event loop into an immutable value so that handlers on any
/// executor can read it without touching evhttp.
public struct HTTPRequest: Sendable {
    /// What came off the wire, shared by every copy of the request: a copy costs one retain,
    /// not one per field.
    private final class Head: Sendable {
        let method: HTTPMethod
        let path: String
        let query: QueryParameters
        let headers: HTTPHeaders
        let body: [UInt8]
        let peerAddress: String
        let requestID: String
        let logger: Logger

        init(
            method: HTTPMethod, path: String, query: QueryParameters, headers: HTTPHeaders, body: [UInt8],
            peerAddress: String, requestID: String, logger: Logger
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
            self.peerAddress = peerAddress
            self.requestID = requestID
            self.logger = logger
        }
    }

    private let head: Head

    public var method: HTTPMethod { head.method }
    /// The path exactly as received (still percent-encoded); the router decodes parameters.
    public var path: String { head.path }
    /// Decoded query parameters, in order (`+` is a space, `%XX` decoded).
    public var query: QueryParameters { head.query }
    public var headers: HTTPHeaders { head.headers }
    public var body: [UInt8] { head.body }
    /// The peer's IP address as the socket reports it (a proxy's, when behind one).
    public var peerAddress: String { head.peerAddress }
    /// The request id: the client's `X-Request-Id` when it is safe, otherwise a generated one.
    public var requestID: String { head.requestID }
    /// Path parameters filled in by the router (`/articles/:slug` gives `slug`).
    public internal(set) var pathParameters: [String: String] = [:]
    /// The route template that matched (`/api/articles/:slug`): set before any middleware
    /// runs when the request goes through a ``RoutedPipeline``, so that middleware decides by
    /// route; also what logs and metrics label the response with.
    public internal(set) var route: String?
    /// What the router found, kept so that the router does not match the path twice.
    var routing: Router.Match?
    /// A logger whose metadata carries the request id; middleware may add more. The metadata
    /// is attached when the logger is read, so requests that never log do not pay for it.
    public var logger: Logger {
        get {
            if let loggerOverride { return loggerOverride }
            var logger = head.logger
            logger[metadataKey: "request_id"] = .string(requestID)
            return logger
        }
        set { loggerOverride = newValue }
    }
    /// Set when middleware replaced the logger; nil keeps copies of the request small.
    private var loggerOverride: Logger?

    public init(
        method: HTTPMethod, path: String, query: QueryParameters = QueryParameters(),
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], peerAddress: String = "",
        requestID: String, logger: Logger
    ) {
        head = Head(
            method: method, path: path, query: query, headers: headers, body: body, peerAddress: peerAddress,
            requestID: requestID, logger: logger)
    }

    /// A path parameter by name; the router guarantees every name of the matched template.
    public func parameter(_ name: String) -> String? { pathParameters[name] }

    /// What middleware learned about this request for the handlers after it (the
    /// authenticated user, say), by key type: `request.context[CurrentUser.self] = user`.
    /// Empty, and free, until something is set.
    public var context = RequestContext()
}

/// A key of ``RequestContext``: a type whose name says what the value is.
public protocol RequestContextKey {
    associatedtype Value: Sendable
}

/// Typed values attached to one request by the middleware it passed through.
public struct RequestContext: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]

    public init() {}

    public subscript<Key: RequestContextKey>(key: Key.Type) -> Key.Value? {
        get { values[ObjectIdentifier(key)] as? Key.Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }
}

/// Decoded `application/x-www-form-urlencoded` query parameters.
public struct QueryParameters: Sendable, Equatable {
    public private(set) var pairs: [(name: String, value: String)]

    public init(_ pairs: [(name: String, value: String)] = []) { self.pairs = pairs }

    /// Parses a raw query string; nil when it holds a malformed `%` escape or invalid UTF-8.
    public init?(raw: some StringProtocol) {
        var pairs: [(name: String, value: String)] = []
        for component in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = component.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusIsSpace: true),
                let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusIsSpace: true)
            else { return nil }
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    public var isEmpty: Bool { pairs.isEmpty }

    public static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.pairs.count == rhs.pairs.count
            && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// Percent-decoding that refuses malformed escapes and invalid UTF-8 instead of guessing.
public enum PercentDecoding {
    public static func decode(_ text: some StringProtocol, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue)
                else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The value of one hex digit, either case (also read by ``ChunkedBodyScanner``).
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
