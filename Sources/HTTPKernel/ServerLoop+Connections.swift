import CLibevent
import CLibeventLayout
#if canImport(Glibc)
import Glibc
#endif

/// Connection bookkeeping on top of evhttp, which keeps its connections to itself.
///
/// evhttp asks us for each new connection's bufferevent (`evhttp_set_bevcb`); a priority-0
/// event then runs before any I/O of that connection and finds its `evhttp_connection` (the
/// bufferevent's callback argument), where we hook the close callback and an input-buffer
/// callback. That lets the once-a-second tick enforce what evhttp 2.1 cannot: a deadline for a
/// whole request to arrive (slowloris), a keep-alive idle limit, and closing idle connections
/// when draining; and it lets us see each request head's bytes before evhttp parses them
/// (``RequestHeadScanner``).
final class Connection {
    enum Phase {
        /// Waiting for the first byte of the next request.
        case idle
        /// Request bytes are arriving; the request deadline runs.
        case receiving
        /// A handler owns the request.
        case handling
        /// Draining: the response (with `Connection: close`) is on its way; evhttp closes the
        /// connection once it is written.
        case closing
        /// Its request head was refused (``RequestHeadScanner``): nothing more is read from it,
        /// and the loop answers 400 and closes it once earlier replies are written.
        case refused
    }

    let evcon: OpaquePointer
    let bufferEvent: OpaquePointer
    /// The bufferevent's write event, when the loop writes replies itself (``writeNow()``).
    let writeEvent: OpaquePointer?
    var inputCallback: OpaquePointer?
    /// Replies evhttp counts as sent that are still in the output buffer (``holdReply()``).
    var heldReplies = 0
    var holdsOutput: Bool { heldReplies > 0 }
    private var headScanner = RequestHeadScanner()
    /// Follows the current request's chunked body, once its head is complete.
    private var bodyScanner: ChunkedBodyScanner?
    var phase = Phase.idle
    var phaseStarted: Int
    /// The loop outlives its connections (it frees them all before it stops); unowned(unsafe)
    /// because checked unowned references cost atomic operations on every phase change.
    unowned(unsafe) let loop: ServerLoop
    lazy var peerAddress: String = {
        var address: UnsafeMutablePointer<CChar>?
        var port: UInt16 = 0
        evhttp_connection_get_peer(evcon, &address, &port)
        return address.map { String(cString: $0) } ?? ""
    }()

    init(evcon: OpaquePointer, bufferEvent: OpaquePointer, loop: ServerLoop) {
        self.evcon = evcon
        self.bufferEvent = bufferEvent
        writeEvent = loop.writesInLoop ? httpkernel_bufferevent_write_event(bufferEvent) : nil
        self.loop = loop
        phaseStarted = loop.coarseNow
    }

    func enter(_ phase: Phase) {
        self.phase = phase
        phaseStarted = loop.coarseNow
    }

    /// Bytes arrived (`count` of them, at the end of the input buffer), before evhttp parses
    /// them. The first bytes of a request start its deadline and a scan of its head.
    func bytesArrived(_ input: OpaquePointer, count: Int) {
        if phase == .refused {
            // evhttp may have resumed reading after an earlier reply: it gets to parse nothing.
            evbuffer_drain(input, evbuffer_get_length(input))
            return
        }
        if phase == .idle {
            enter(.receiving)
            startRequestScan()
        }
        // While a handler owns the request, new bytes belong to the next one: `responseSent`
        // scans them before evhttp reads them.
        guard phase == .receiving, headScanner.state == .scanning || bodyScanner?.state == .scanning else { return }
        scanRequest(input, from: evbuffer_get_length(input) - count)
        refuseIfScannerDid(input)
    }

    /// The response went to evhttp: idle until the next request's first byte, which may already
    /// be buffered (pipelining). Marked here rather than when the write completes, to spare a
    /// callback per request; `isFlushed` tells the two apart where it matters.
    func responseSent() {
        let input = bufferevent_get_input(bufferEvent)
        if evbuffer_get_length(input) > 0 {
            enter(.receiving)
            startRequestScan()
            scanRequest(input!, from: 0)
            refuseIfScannerDid(input!)
        } else {
            enter(.idle)
        }
    }

    /// Whether the request being handled persists the connection by default (HTTP/1.1); asked
    /// before its reply, while the scanner is still this request's.
    var requestIsHTTP11: Bool { headScanner.isHTTP11 }

    /// Whether the next request, head and body, is already in the input buffer: evhttp will
    /// read it as soon as the current reply counts as sent. Asked after ``responseSent()``.
    var nextRequestIsBuffered: Bool {
        guard phase == .receiving, let length = headScanner.requestLength else { return false }
        return evbuffer_get_length(bufferevent_get_input(bufferEvent)) >= length
    }

    /// Why the current request is refused, if it is: its head (``RequestHeadScanner``) or its
    /// chunked body's framing or size (``ChunkedBodyScanner``).
    var requestRefusal: RequestHeadScanner.Refusal? {
        if case let .refused(refusal) = headScanner.state { return refusal }
        if case let .refused(refusal) = bodyScanner?.state { return refusal }
        return nil
    }

    private func startRequestScan() {
        headScanner = loop.newHeadScanner()
        bodyScanner = nil
    }

    /// A refused request never reaches evhttp's parser (or, for a body, its body reader): its
    /// bytes are dropped here, inside the input callback that runs before evhttp reads them,
    /// and the loop answers in the envelope and closes the connection once it is outside
    /// evhttp's callbacks.
    private func refuseIfScannerDid(_ input: OpaquePointer) {
        guard requestRefusal != nil else { return }
        evbuffer_drain(input, evbuffer_get_length(input))
        bufferevent_disable(bufferEvent, Int16(EV_READ))
        enter(.refused)
        loop.scheduleRefusal(self)
    }

    /// Scans the buffered bytes from `start`: the head's, then a chunked body's.
    private func scanRequest(_ input: OpaquePointer, from start: Int) {
        var position = evbuffer_ptr()
        guard evbuffer_ptr_set(input, &position, start, EVBUFFER_PTR_SET) == 0 else { return }
        let length = evbuffer_get_length(input) - start
        // A head is a few hundred bytes: it rarely spans more than a couple of chunks.
        let chunks = Int(evbuffer_peek(input, length, &position, nil, 0))
        withUnsafeTemporaryAllocation(of: iovec.self, capacity: max(chunks, 1)) { vectors in
            let filled = Int(evbuffer_peek(input, length, &position, vectors.baseAddress, Int32(chunks)))
            var remaining = length
            for vector in vectors.prefix(filled) where remaining > 0 {
                let count = min(vector.iov_len, remaining)
                remaining -= count
                var bytes = UnsafeRawBufferPointer(start: vector.iov_base, count: count)
                if headScanner.state == .scanning {
                    let before = headScanner.scannedBytes
                    guard headScanner.scan(bytes) == .headComplete, headScanner.isChunked else {
                        if headScanner.state == .scanning { continue } else { return }
                    }
                    bytes = UnsafeRawBufferPointer(rebasing: bytes[(headScanner.scannedBytes - before)...])
                    bodyScanner = loop.newBodyScanner()
                }
                guard bodyScanner != nil, bodyScanner!.scan(bytes) == .scanning else { return }
            }
        }
    }

    /// Idle, with every byte of the last response handed to the socket: safe to close.
    var isIdleAndFlushed: Bool {
        phase == .idle && evbuffer_get_length(bufferevent_get_output(bufferEvent)) == 0
    }
}

extension ServerLoop {
    /// evhttp's bufferevent factory, called inside its accept callback.
    func makeBufferEvent(_ base: OpaquePointer) -> OpaquePointer? {
        guard let bufferEvent = bufferevent_socket_new(base, -1, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)) else {
            return nil
        }
        pendingBufferEvents.append(bufferEvent)
        event_active(registerEvent, 0, 0)
        return bufferEvent
    }

    /// Runs (priority 0) right after evhttp finished setting up the new connections.
    func registerPendingConnections() {
        let pending = pendingBufferEvents
        pendingBufferEvents.removeAll(keepingCapacity: true)
        for bufferEvent in pending {
            var argument: UnsafeMutableRawPointer?
            bufferevent_getcb(bufferEvent, nil, nil, nil, &argument)
            guard let argument else { continue }
            let evcon = OpaquePointer(argument)
            let connection = Connection(evcon: evcon, bufferEvent: bufferEvent, loop: self)
            connections[evcon] = connection
            let me = Unmanaged.passUnretained(self).toOpaque()
            evhttp_connection_set_closecb(evcon, { evcon, arg in
                ServerLoop.from(arg).connectionClosed(evcon!)
            }, me)
            // Unretained: the record lives in `connections` until the close callback removes
            // this callback along with it.
            connection.inputCallback = evbuffer_add_cb(
                bufferevent_get_input(bufferEvent),
                { input, info, arg in
                    // evhttp drains the buffer once per parsed line: those calls add nothing.
                    let added = info!.pointee.n_added
                    guard added > 0 else { return }
                    let connection = Unmanaged<Connection>.fromOpaque(arg!).takeUnretainedValue()
                    connection.bytesArrived(input!, count: added)
                }, Unmanaged.passUnretained(connection).toOpaque())
        }
    }

    private func connectionClosed(_ evcon: OpaquePointer) {
        guard let connection = connections.removeValue(forKey: evcon) else { return }
        if let entry = connection.inputCallback {
            evbuffer_remove_cb_entry(bufferevent_get_input(connection.bufferEvent), entry)
        }
        // Closing many at once (closeIdleConnections) checks once at the end, not per
        // connection: a per-close check scans every connection, O(n²) with n idle ones.
        if draining, !closingInBulk { finishDrainIfDone() }
    }

    /// Closes connections that overran their phase's deadline. A handler's connection is never
    /// closed here: its request belongs to the handler until the reply is sent.
    func enforceDeadlines() {
        let now = coarseNow
        var overdue: [OpaquePointer] = []
        for (evcon, connection) in connections {
            switch connection.phase {
            case .receiving where now - connection.phaseStarted >= configuration.requestTimeoutSeconds:
                overdue.append(evcon)
            case .idle where now - connection.phaseStarted >= configuration.keepAliveTimeoutSeconds && connection.isIdleAndFlushed:
                // A response still being written is evhttp's write timeout's business.
                overdue.append(evcon)
            case .refused:
                // Waiting for an earlier reply to be written; past the deadline, closed without one.
                pendingRefusals.append(connection)
            default: break
            }
            // A safety net: held replies go at the latest here, should evhttp and the head
            // scanner ever disagree on whether the next request was complete.
            if connection.holdsOutput, connection.phase != .handling { connection.flushHeldReplies() }
        }
        // A close callback may already have freed some of them (drain closes idle ones too).
        closingInBulk = true
        for evcon in overdue where connections[evcon] != nil { evhttp_connection_free(evcon) }
        closingInBulk = false
        runPendingRefusals()
    }

    func closeIdleConnections() {
        let idle = connections.filter { $0.value.isIdleAndFlushed }.map(\.key)
        closingInBulk = true
        for evcon in idle where connections[evcon] != nil { evhttp_connection_free(evcon) }
        closingInBulk = false
    }

}
