import CLibevent
import CLibeventLayout
#if canImport(Glibc)
import Glibc
#endif

/// One client connection as the loop sees it: evhttp's connection and bufferevent, and its
/// ``ConnectionState``, whose decisions this carries out with libevent.
///
/// evhttp keeps its connections to itself; the loop hooks each one as it is accepted
/// (ServerLoop+Connections.swift) and sees each request's bytes here, in an input-buffer
/// callback that runs before evhttp parses them.
final class Connection {
    let evcon: OpaquePointer
    let bufferEvent: OpaquePointer
    /// The bufferevent's write event, when the loop writes replies itself (``writeNow()``).
    let writeEvent: OpaquePointer?
    var inputCallback: OpaquePointer?
    var state: ConnectionState
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
        state = ConnectionState(limits: loop.connectionLimits, now: loop.coarseNow)
    }

    var inputLength: Int { evbuffer_get_length(bufferevent_get_input(bufferEvent)) }
    var outputLength: Int { evbuffer_get_length(bufferevent_get_output(bufferEvent)) }

    /// Bytes arrived (`count` of them, at the end of the input buffer), before evhttp parses
    /// them.
    func bytesArrived(_ input: OpaquePointer, count: Int) {
        switch state.bytesArrived(now: loop.coarseNow) {
        case .discard:
            evbuffer_drain(input, evbuffer_get_length(input))
        case .scan:
            scanRequest(input, from: evbuffer_get_length(input) - count)
            refuseIfScannersDid(input)
        case .ignore:
            break
        }
    }

    /// evhttp parsed a complete request.
    func requestReceived() { state.requestReceived(now: loop.coarseNow) }

    /// The reply went to evhttp; bytes already buffered are the next request's, scanned now
    /// since no callback announces them.
    func replySent(closing: Bool) {
        guard state.replySent(closing: closing, bufferedInput: inputLength, now: loop.coarseNow),
              let input = bufferevent_get_input(bufferEvent)
        else { return }
        scanRequest(input, from: 0)
        refuseIfScannersDid(input)
    }

    /// A refused request never reaches evhttp's parser (or, for a body, its body reader): its
    /// bytes are dropped here, inside the input callback that runs before evhttp reads them,
    /// and the loop answers in the envelope and closes the connection once it is outside
    /// evhttp's callbacks.
    private func refuseIfScannersDid(_ input: OpaquePointer) {
        guard state.refuseIfScannersDid(now: loop.coarseNow) else { return }
        evbuffer_drain(input, evbuffer_get_length(input))
        bufferevent_disable(bufferEvent, Int16(EV_READ))
        loop.scheduleRefusal(self)
    }

    /// Hands the buffered bytes from `start` to the state's scanners, chunk by chunk.
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
                guard state.scan(UnsafeMutableRawBufferPointer(start: vector.iov_base, count: count)) else { return }
            }
        }
    }

    /// Idle, with every byte of the last response handed to the socket: safe to close.
    var isIdleAndFlushed: Bool { state.isIdleAndFlushed(bufferedOutput: outputLength) }
}
