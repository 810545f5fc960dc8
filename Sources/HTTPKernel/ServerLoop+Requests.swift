import CLibevent
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A request that a handler owns until its reply is sent. Its evhttp request and connection
/// may only be touched on the owning loop's thread: it travels with the handler inside a
/// ``LoopBound``, and ``ServerLoop/complete(_:with:)`` hops to the loop before opening it.
struct PendingExchange {
    let request: OpaquePointer
    /// The connection's record; kept alive here even if the client leaves meanwhile.
    let connection: Connection?
    let requestID: String
    let method: HTTPMethod
    let path: String
    let peerAddress: String
    let startedAt: UInt64
    /// HTTP/1.1, an origin-form target and no `Connection` header: evhttp keeps the connection
    /// after the reply, so the reply may be held for a pipelined one (ServerLoop+Writes.swift).
    var persistent = false
    /// Its framing obliges the connection to close after the reply (RFC 9112 section 6.1).
    var closesAfterReply = false
}

extension ServerLoop {
    /// evhttp's callback for every complete request (headers and body read).
    func receive(_ request: OpaquePointer) {
        let startedAt = timesRequests ? ServerLoop.monotonicNanoseconds() : 0
        let connection = evhttp_request_get_connection(request).flatMap { connections[$0] }
        connection?.requestReceived()

        let headers = Self.headers(of: request)
        let requestID = RequestID.resolve(inbound: headers?["X-Request-Id"], generator: &requestIDs)
        let method = Self.method(of: request)
        let uri = evhttp_request_get_evhttp_uri(request)
        let path = uri.flatMap { evhttp_uri_get_path($0) }.map { String(cString: $0) } ?? "/"
        var exchange = PendingExchange(
            request: request, connection: connection, requestID: requestID, method: method, path: path.isEmpty ? "/" : path,
            peerAddress: connection?.peerAddress ?? "", startedAt: startedAt)

        // Header shapes evhttp lets through but a proxy in front may read differently: refused,
        // and the connection closed, since what follows on it cannot be trusted either.
        let refusal = connection?.state.requestRefusal ?? (headers == nil ? .header("invalid field name or value") : nil)
        guard let headers, refusal == nil else {
            send(HTTPError(status: refusal!.status, key: refusal!.key, refusal!.message).response(configuration.errorFormat), for: exchange, closing: true)
            return
        }
        // An absolute-form target (`GET http://host/ HTTP/1.1`) is a proxy request to evhttp,
        // which then closes the connection unless `Proxy-Connection: keep-alive`: not counted on.
        exchange.closesAfterReply = connection?.state.requestClosesConnection == true
        exchange.persistent = connection?.state.requestIsHTTP11 == true && headers["Connection"] == nil
            && evhttp_request_get_uri(request)?.pointee == CChar(UInt8(ascii: "/")) && !exchange.closesAfterReply
        if method == .head || method == .trace, Self.declaresBody(headers) {
            // evhttp reads no body for HEAD or TRACE, so these bytes would be parsed as the next
            // request on the connection (a smuggling shape). Refuse, and close the connection
            // so that nothing after the head is ever read.
            send(HTTPError.badRequest("body", "\(method.rawValue) requests cannot carry a body").response(configuration.errorFormat), for: exchange, closing: true)
            return
        }
        guard inFlight < configuration.maxInFlightPerLoop else {
            // Shed here, on the loop, without creating work: queueing more would only make every
            // client wait longer while memory grows (docs/ARCHITECTURE.md, "Load shedding").
            observer?.shed()
            send(HTTPError.serviceUnavailable("server is overloaded", retryAfterSeconds: configuration.retryAfterSeconds).response(configuration.errorFormat), for: exchange)
            return
        }
        let rawQuery = uri.flatMap { evhttp_uri_get_query($0) }
        guard let query = rawQuery.map({ QueryParameters(raw: String(cString: $0)) }) ?? QueryParameters() else {
            send(HTTPError.badRequest("query", "malformed percent-encoding or invalid UTF-8").response(configuration.errorFormat), for: exchange)
            return
        }
        let httpRequest = HTTPRequest(
            method: method, path: exchange.path, query: query, headers: headers, body: Self.body(of: request),
            peerAddress: exchange.peerAddress, requestID: requestID, logger: logger)

        inFlight += 1
        executor.runInline { dispatch(RequestWork(request: httpRequest, exchange: LoopBound(exchange, on: executor))) }
        // The handler suspended: replies held for this one to join (pipelining) go out now
        // rather than after it.
        if let connection, connection.state.heldRepliesWaitForHandler { connection.flushHeldReplies() }
    }

    /// Sends a handler's response, on the loop thread whatever thread the handler ended on.
    func complete(_ exchange: LoopBound<PendingExchange>, with response: HTTPResponse) {
        guard isOnLoopThread else {
            executor.execute { self.complete(exchange, with: response) }
            return
        }
        inFlight -= 1
        send(response, for: exchange.value)
        if draining { finishDrainIfDone() }
    }

    /// Hands `response` to evhttp. With `closing` (or once the shutdown began) the response says
    /// `Connection: close` and evhttp closes the connection once it is written.
    private func send(_ response: HTTPResponse, for exchange: PendingExchange, closing: Bool = false) {
        preconditionOnLoop()
        let request = exchange.request
        let closing = closing || exchange.closesAfterReply || draining || shutdownBegun.isSet
        // A request whose client left has no connection any more; evhttp then just frees it.
        let liveConnection = evhttp_request_get_connection(request) != nil ? exchange.connection : nil
        liveConnection?.replySent(closing: closing)
        let output = evhttp_request_get_output_headers(request)
        let names = HeaderNames.shared
        dateCache.value.withCString { _ = evhttp_add_header(output, names.date, $0) }
        if let serverNameC { evhttp_add_header(output, names.server, serverNameC) }
        if configuration.identityHeaders {
            exchange.requestID.withCString { _ = evhttp_add_header(output, names.requestID, $0) }
            evhttp_add_header(output, names.contentTypeOptions, names.nosniff)
        }
        for field in response.headers where !HeaderNames.isKernelOwned(field.name) {
            // evhttp refuses values with CR or LF (header injection); such a field is dropped.
            // withCString: passing a short String straight to C would allocate a copy.
            field.name.withCString { name in
                field.value.withCString { value in _ = evhttp_add_header(output, name, value) }
            }
        }
        for common in commonHeadersC where !response.headers.contains(common.name) {
            evhttp_add_header(output, common.cName, common.cValue)
        }
        let isHead = exchange.method == .head
        if isHead, response.status != 204, response.status != 304, response.status >= 200 {
            // evhttp leaves Content-Length out of HEAD replies; it must be the GET body's length.
            // (Statuses without content have none: a 304 would otherwise claim an empty body.)
            String(response.body.count).withCString { _ = evhttp_add_header(output, "Content-Length", $0) }
        }
        if closing { evhttp_add_header(output, "Connection", "close") }
        // A HEAD reply is the GET's head and nothing else: evhttp writes whatever is in the
        // output buffer, and body bytes after a HEAD's head would be read as the next response.
        if !response.body.isEmpty, !isHead {
            response.body.withUnsafeBytes { bytes in
                _ = evbuffer_add(evhttp_request_get_output_buffer(request), bytes.baseAddress, bytes.count)
            }
        }
        evhttp_send_reply(request, Int32(response.status), ReasonPhrase.cString(response.status), nil)
        if let connection = liveConnection {
            if connection.state.mayHoldReply(
                closing: closing, persistent: exchange.persistent,
                bufferedInput: connection.inputLength, bufferedOutput: connection.outputLength) {
                connection.holdReply()
            } else {
                connection.writeNow()
            }
        }
        guard timesRequests else { return }
        let elapsed = ServerLoop.monotonicNanoseconds() - exchange.startedAt
        observer?.responded(method: exchange.method, route: response.route, status: response.status, durationNanoseconds: elapsed)
        logAccess(
            exchange, status: response.status, bytes: isHead ? 0 : response.body.count, route: response.route, elapsed: elapsed,
            extra: response.logMetadata)
    }

    private func logAccess(_ exchange: PendingExchange, status: Int, bytes: Int, route: String?, elapsed: UInt64, extra: Logger.Metadata? = nil) {
        guard logsAccess else { return }
        let micros = elapsed / 1000
        var metadata: Logger.Metadata = [
            "request_id": .string(exchange.requestID),
            "method": .string(exchange.method.rawValue),
            "path": .string(exchange.path),
            "route": .string(route ?? "-"),
            "status": .stringConvertible(status),
            "bytes": .stringConvertible(bytes),
            "duration_ms": .stringConvertible(Double(micros) / 1000),
            "peer": .string(exchange.peerAddress),
        ]
        if let extra { metadata.merge(extra) { kernel, _ in kernel } }
        logger.info("request", metadata: metadata)
    }

    // MARK: Copying the request out of evhttp

    /// The request's header fields, or nil when one is malformed: a name that is not an RFC 9110
    /// token, a value with a control character other than tab, or a value that is not UTF-8
    /// (turning it into a String would silently replace bytes, changing what it says).
    private static func headers(of request: OpaquePointer) -> HTTPHeaders? {
        var fields: [(name: String, value: String)] = []
        var entry = evhttp_request_get_input_headers(request)?.pointee.tqh_first
        while let current = entry {
            let key = current.pointee.key!
            let value = current.pointee.value!
            guard HeaderSyntax.isToken(key), HeaderSyntax.isFieldValue(value),
                  let name = String(validatingCString: key), let text = String(validatingCString: value)
            else { return nil }
            fields.append((name, text))
            entry = current.pointee.next.tqe_next
        }
        return HTTPHeaders(fields)
    }

    /// Whether the head announces a body: a non-zero Content-Length or any Transfer-Encoding.
    static func declaresBody(_ headers: HTTPHeaders) -> Bool {
        if headers["Transfer-Encoding"] != nil { return true }
        guard let length = headers["Content-Length"] else { return false }
        // Anything but zeros and blanks is a length (or garbage evhttp would have refused).
        return length.utf8.contains { $0 != UInt8(ascii: "0") && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
    }

    private static func method(of request: OpaquePointer) -> HTTPMethod {
        switch evhttp_request_get_command(request) {
        case EVHTTP_REQ_HEAD: .head
        case EVHTTP_REQ_POST: .post
        case EVHTTP_REQ_PUT: .put
        case EVHTTP_REQ_PATCH: .patch
        case EVHTTP_REQ_DELETE: .delete
        case EVHTTP_REQ_OPTIONS: .options
        case EVHTTP_REQ_TRACE: .trace
        default: .get  // evhttp_set_allowed_methods lets nothing else through
        }
    }

    private static func body(of request: OpaquePointer) -> [UInt8] {
        guard let buffer = evhttp_request_get_input_buffer(request) else { return [] }
        let length = evbuffer_get_length(buffer)
        guard length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { bytes, count in
            count = max(0, evbuffer_copyout(buffer, bytes.baseAddress, length))
        }
    }
}

/// Header names and constant values as C strings made once, so that writing a response does
/// not bridge the same Swift strings again and again.
final class HeaderNames: Sendable {
    // The pointers are written once, here, and only read afterwards.
    nonisolated(unsafe) let date = strdup("Date")!
    nonisolated(unsafe) let server = strdup("Server")!
    nonisolated(unsafe) let requestID = strdup("X-Request-Id")!
    nonisolated(unsafe) let contentTypeOptions = strdup("X-Content-Type-Options")!
    nonisolated(unsafe) let nosniff = strdup("nosniff")!

    static let shared = HeaderNames()

    /// Framing and identity headers are the kernel's (evhttp computes Content-Length from the
    /// body); an application's copy of them is ignored.
    static func isKernelOwned(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: name.asciiCaseInsensitiveEquals("Date")
        case 6: name.asciiCaseInsensitiveEquals("Server")
        case 10: name.asciiCaseInsensitiveEquals("Connection")
        case 12: name.asciiCaseInsensitiveEquals("X-Request-Id")
        case 14: name.asciiCaseInsensitiveEquals("Content-Length")
        case 17: name.asciiCaseInsensitiveEquals("Transfer-Encoding")
        default: false
        }
    }
}
