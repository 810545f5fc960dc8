import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small OTLP/HTTP collector on 127.0.0.1 for the tracing tests: it accepts `POST
/// /v1/traces` with the JSON encoding (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), keeps every
/// body, and answers `200 {}`. One thread per connection; stopped by `stop()` or deinit.
public final class OTLPReceiver: Sendable {
    /// One exported span, ids in lowercase hex.
    public struct Span: Sendable {
        public let traceID: String
        public let spanID: String
        public let parentSpanID: String
        public let name: String
        /// OTLP's SpanKind: 2 server, 3 client, 1 internal.
        public let kind: Int
        /// Every attribute's value as text.
        public let attributes: [String: String]
        /// OTLP's status code: 0 unset, 1 ok, 2 error.
        public let statusCode: Int
        /// The W3C `tracestate` the span carries.
        public let traceState: String
    }

    public let port: Int
    private let listener: Int32
    private let bodies = Mutex<[Data]>([])
    private let paths = Mutex<[String]>([])

    public init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw RawHTTPClient.Failure(description: "receiver cannot listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }  // closed by stop()
                Thread.detachNewThread { [self] in serve(connection) }
            }
        }
    }

    /// A loopback port with nothing listening on it: a collector that is down.
    public static func closedPort() throws -> Int {
        let receiver = try OTLPReceiver()
        receiver.stop()
        return receiver.port
    }

    private let stopped = Mutex(false)

    public func stop() {
        // Once only: a second close could close a descriptor reused meanwhile.
        guard stopped.withLock({ was in defer { was = true }; return !was }) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    /// The request paths received so far (`/v1/traces`).
    public var requestPaths: [String] { paths.withLock { $0 } }

    /// The request bodies received so far, as sent (JSON or protobuf).
    public var requestBodies: [Data] { bodies.withLock { $0 } }

    /// Every span received so far.
    public func spans() -> [Span] {
        bodies.withLock { $0 }.flatMap(Self.spans(in:))
    }

    /// Waits until `found` returns a value for the spans received, or nil after `seconds`.
    public func wait<T>(seconds: Double = 20, for found: ([Span]) -> T?) -> T? {
        var value: T?
        _ = waitUntil(limitSeconds: seconds, everyMilliseconds: 50) {
            value = found(spans())
            return value != nil
        }
        return value
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // One request: the head, then Content-Length bytes of body.
            var headEnd: Int?
            while headEnd == nil {
                headEnd = Self.find([13, 10, 13, 10], in: buffer)
                if headEnd != nil { break }
                let count = read(connection, &chunk, chunk.count)
                guard count > 0 else { return }
                buffer += chunk[0..<count]
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            let lines = head.split(separator: "\r\n")
            let path = lines.first.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "" } ?? ""
            let length = lines.dropFirst().compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
            let bodyStart = headEnd! + 4
            while buffer.count < bodyStart + length {
                let count = read(connection, &chunk, chunk.count)
                guard count > 0 else { return }
                buffer += chunk[0..<count]
            }
            let body = Data(buffer[bodyStart..<(bodyStart + length)])
            buffer.removeFirst(bodyStart + length)
            paths.withLock { $0.append(path) }
            bodies.withLock { $0.append(body) }
            let reply = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8)
            guard write(connection, reply, reply.count) == reply.count else { return }
        }
    }

    private static func find(_ marker: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where Array(bytes[start..<(start + marker.count)]) == marker { return start }
        return nil
    }

    /// The spans of one OTLP JSON `ExportTraceServiceRequest`.
    static func spans(in body: Data) -> [Span] {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return [] }
        var spans: [Span] = []
        for resource in object["resourceSpans"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    var attributes: [String: String] = [:]
                    for attribute in span["attributes"] as? [[String: Any]] ?? [] {
                        guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
                        attributes[key] = value.values.first.map { "\($0)" } ?? ""
                    }
                    spans.append(Span(
                        traceID: hex(span["traceId"]), spanID: hex(span["spanId"]), parentSpanID: hex(span["parentSpanId"]),
                        name: span["name"] as? String ?? "", kind: span["kind"] as? Int ?? 0, attributes: attributes,
                        statusCode: (span["status"] as? [String: Any])?["code"] as? Int ?? 0,
                        traceState: span["traceState"] as? String ?? ""))
                }
            }
        }
        return spans
    }

    /// OTLP/JSON ids: lowercase hex in the specification, base64 in protobuf's standard JSON
    /// mapping (which swift-otel's encoder uses); both are accepted.
    private static func hex(_ value: Any?) -> String {
        guard let text = value as? String, !text.isEmpty else { return "" }
        if (text.count == 32 || text.count == 16), text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let data = Data(base64Encoded: text) else { return text }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}
