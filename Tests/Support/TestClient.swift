import Foundation
import HTTPKernel
import Logging

/// How a scenario reaches the application, as `HummingbirdTesting`'s `.router` and `.live`:
/// `router` hands requests to the responder in process (no sockets, no kernel: fast, and a
/// failure points at the application); `live` sends them over real sockets to a running
/// server (the kernel, its limits and headers included). One scenario runs both ways.
public enum TestMode: String, Sendable, CaseIterable, CustomStringConvertible {
    case router, live
    public var description: String { rawValue }
}

/// A response as a scenario sees it, whichever way it came.
public struct TestResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
    /// The body as a JSON object (empty when it is not one).
    public var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
    /// `errors` of the error envelope, by field.
    public var errors: [String: [String]] { json["errors"] as? [String: [String]] ?? [:] }
    public func object(_ key: String) -> [String: Any] { json[key] as? [String: Any] ?? [:] }
}

/// Sends requests to the application under test; see ``TestMode``.
public protocol TestClient: Sendable {
    func execute(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: [UInt8]) async throws -> TestResponse
}

extension TestClient {
    /// A request with an optional `Token` and a JSON body (`Content-Type` set when there is one).
    public func call(_ method: HTTPMethod, _ path: String, token: String? = nil, json: String? = nil) async throws -> TestResponse {
        var headers = HTTPHeaders()
        if let token { headers.add("Authorization", "Token \(token)") }
        if json != nil { headers.add("Content-Type", "application/json") }
        return try await execute(method, path, headers: headers, body: Array((json ?? "").utf8))
    }
}

/// ``TestMode/router``: the responder in process.
public struct RouterTestClient: TestClient {
    let responder: any HTTPResponder
    private static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    public init(responder: any HTTPResponder) { self.responder = responder }

    public func execute(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: [UInt8]) async throws -> TestResponse {
        let parts = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let query = parts.count > 1 ? QueryParameters(raw: parts[1]) ?? QueryParameters() : QueryParameters()
        let request = HTTPRequest(
            method: method, path: String(parts[0]), query: query, headers: headers, body: body, peerAddress: "127.0.0.1",
            requestID: UUID().uuidString, logger: Self.logger)
        let response = try await responder.respond(to: request)
        return TestResponse(status: response.status, headers: response.headers, body: method == .head ? [] : response.body)
    }
}

/// ``TestMode/live``: a running server on loopback, one connection per request.
public struct LiveTestClient: TestClient {
    public let port: Int

    public init(port: Int) { self.port = port }

    public func execute(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: [UInt8]) async throws -> TestResponse {
        let client = try RawHTTPClient(port: port)
        var head = "\(method.rawValue) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for field in headers { head += "\(field.name): \(field.value)\r\n" }
        if !body.isEmpty || method == .post || method == .put { head += "Content-Length: \(body.count)\r\n" }
        try client.send(Array((head + "\r\n").utf8) + body)
        let response = try client.readResponse(method: method.rawValue)
        return TestResponse(status: response.status, headers: HTTPHeaders(response.headers), body: response.body)
    }
}
