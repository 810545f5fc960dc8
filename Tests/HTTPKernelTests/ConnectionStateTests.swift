@testable import HTTPKernel
import Testing

/// The per-connection decisions, with no sockets and no clocks: bytes and buffer lengths are
/// what libevent would report, and `now` is the loop's coarse clock in seconds.
@Suite("Connection state")
struct ConnectionStateTests {
    static let limits = ConnectionState.Limits(
        maxHeaderBytes: 64, maxBodyBytes: 100, requestTimeoutSeconds: 10, keepAliveTimeoutSeconds: 30)

    static let get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"

    /// A connection that was accepted at `now`.
    func connection(now: Int = 100) -> ConnectionState { ConnectionState(limits: Self.limits, now: now) }

    /// Delivers `text` as arriving bytes, the way ``Connection`` does: scanned while the state
    /// asks for it, then checked for a refusal. Returns what the state asked for.
    @discardableResult
    func arrive(_ text: String, at now: Int, on state: inout ConnectionState) -> ConnectionState.Arrival {
        let arrival = state.bytesArrived(now: now)
        if arrival == .scan { feed(text, at: now, to: &state) }
        return arrival
    }

    func feed(_ text: String, at now: Int, to state: inout ConnectionState) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { state.scan($0) }
        _ = state.refuseIfScannersDid(now: now)
    }

    /// A request that arrived whole at `now` and went to its handler.
    func handling(_ text: String = get, at now: Int = 100) -> ConnectionState {
        var state = connection(now: now)
        arrive(text, at: now, on: &state)
        state.requestReceived(now: now)
        return state
    }

    // MARK: Phases

    @Test("a new connection is idle; a request's first byte makes it receiving, from then")
    func firstByteStartsReceiving() {
        var state = connection(now: 100)
        #expect(state.phase == .idle && state.phaseStarted == 100)
        #expect(arrive("GET /a HT", at: 103, on: &state) == .scan)
        #expect(state.phase == .receiving && state.phaseStarted == 103)
        #expect(arrive("TP/1.1\r\n", at: 105, on: &state) == .scan, "more of the head: scanned too")
        #expect(state.phaseStarted == 103, "the request deadline counts from the first byte, not the last")
    }

    @Test("once the head is complete, bytes are evhttp's alone; while a handler runs, they are the next request's")
    func bytesAfterHeadAreNotScanned() {
        var state = connection()
        arrive(Self.get, at: 100, on: &state)
        #expect(state.bytesArrived(now: 100) == .ignore)
        state.requestReceived(now: 101)
        #expect(state.phase == .handling && state.phaseStarted == 101)
        #expect(state.bytesArrived(now: 102) == .ignore)
        #expect(state.phase == .handling)
    }

    @Test("a reply with nothing buffered makes the connection idle; with the next request buffered, receiving it")
    func replySent() {
        var idle = handling()
        #expect(idle.replySent(closing: false, bufferedInput: 0, now: 104) == false)
        #expect(idle.phase == .idle && idle.phaseStarted == 104)
        var pipelined = handling()
        let mustScan = pipelined.replySent(closing: false, bufferedInput: 20, now: 104)
        #expect(mustScan, "the buffered bytes must be scanned")
        #expect(pipelined.phase == .receiving && pipelined.phaseStarted == 104)
    }

    @Test("a closing reply makes the connection closing, whatever is buffered")
    func closingReply() {
        var state = handling()
        #expect(state.replySent(closing: true, bufferedInput: 20, now: 104) == false)
        #expect(state.phase == .closing)
        #expect(state.deadline(now: 10_000, bufferedOutput: 0) == .none, "evhttp closes it once written")
    }

    @Test("the request's HTTP version is known once its request line is")
    func http11() {
        #expect(handling().requestIsHTTP11)
        #expect(handling("GET / HTTP/1.0\r\n\r\n").requestIsHTTP11 == false)
    }

    // MARK: Refusals

    @Test("a malformed head refuses the connection; later bytes are discarded")
    func malformedHeadRefuses() {
        var state = connection()
        arrive("GET / HTTP/1.1\nHost: x\n\n", at: 102, on: &state)
        #expect(state.phase == .refused && state.phaseStarted == 102)
        #expect(state.requestRefusal == .header("bare LF in request head"))
        #expect(state.bytesArrived(now: 103) == .discard)
        #expect(state.phase == .refused)
    }

    @Test("a head over the header limit and a declared body over the body limit are refused")
    func limitsRefuse() {
        var long = connection()
        arrive("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "a", count: 64) + "\r\n\r\n", at: 100, on: &long)
        #expect(long.phase == .refused)
        #expect(long.requestRefusal?.status == 431)
        var large = connection()
        arrive("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", at: 100, on: &large)
        #expect(large.phase == .refused)
        #expect(large.requestRefusal?.status == 413)
    }

    @Test("a chunked body is followed after its head, in the same bytes or later ones")
    func chunkedBody() {
        var framed = connection()
        arrive("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", at: 100, on: &framed)
        #expect(framed.phase == .receiving)
        #expect(arrive("0\r\n\r\n", at: 101, on: &framed) == .scan, "the body is still being followed")
        #expect(framed.bytesArrived(now: 101) == .ignore, "body complete: nothing left to follow")
        var bad = connection()
        arrive("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", at: 100, on: &bad)
        arrive("zz\r\n", at: 101, on: &bad)
        #expect(bad.phase == .refused)
        #expect(bad.requestRefusal?.status == 400)
        var large = connection()
        arrive("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n", at: 100, on: &large)
        #expect(large.requestRefusal?.status == 413, "0x65 = 101 bytes, over the body limit")
    }

    @Test("a pipelined request is scanned when the reply before it is sent, and may be refused then")
    func pipelinedRequestRefused() {
        var state = handling()
        let mustScan = state.replySent(closing: false, bufferedInput: 5, now: 103)
        #expect(mustScan)
        feed("GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n", at: 103, to: &state)
        #expect(state.phase == .refused)
    }

    @Test("a refusal is answered once earlier replies are written, or the connection closed unanswered at the request deadline")
    func refusalSteps() throws {
        var state = connection()
        arrive("BREW / HTTP/1.1\r\nHost: x\r\n\r\n", at: 100, on: &state)
        let refusal = try #require(state.requestRefusal)
        #expect(refusal.status == 501)
        #expect(state.refusalStep(now: 100, bufferedOutput: 0) == .answer(refusal))
        #expect(state.refusalStep(now: 109, bufferedOutput: 10) == .wait)
        #expect(state.refusalStep(now: 110, bufferedOutput: 10) == .closeUnanswered(refusal))
        #expect(state.deadline(now: 100, bufferedOutput: 10) == .answerRefusal, "the tick tries again")
        #expect(handling().refusalStep(now: 100, bufferedOutput: 0) == .none, "not refused")
    }

    // MARK: Deadlines

    @Test("a request must arrive whole within the request timeout, counted from its first byte")
    func requestTimeout() {
        var state = connection(now: 100)
        arrive("GET / HTTP/1.1\r\nHost: x\r\n", at: 105, on: &state)
        #expect(state.deadline(now: 114, bufferedOutput: 0) == .none)
        #expect(state.deadline(now: 115, bufferedOutput: 0) == .close)
    }

    @Test("an idle connection closes after the keep-alive timeout, but not while its last reply is unwritten")
    func keepAliveTimeout() {
        var state = handling()
        _ = state.replySent(closing: false, bufferedInput: 0, now: 110)
        #expect(state.deadline(now: 139, bufferedOutput: 0) == .none)
        #expect(state.deadline(now: 140, bufferedOutput: 0) == .close)
        #expect(state.deadline(now: 140, bufferedOutput: 1) == .none, "evhttp's write timeout's business")
        #expect(connection(now: 100).deadline(now: 130, bufferedOutput: 0) == .close, "an accepted connection that never sends")
    }

    @Test("a handler's connection never times out: the request is the handler's until the reply")
    func handlingHasNoDeadline() {
        #expect(handling(at: 100).deadline(now: 100_000, bufferedOutput: 0) == .none)
    }

    @Test("only an idle connection with its output written is closed by a drain")
    func idleAndFlushed() {
        #expect(connection().isIdleAndFlushed(bufferedOutput: 0))
        #expect(connection().isIdleAndFlushed(bufferedOutput: 1) == false)
        #expect(handling().isIdleAndFlushed(bufferedOutput: 0) == false)
        var receiving = connection()
        arrive("G", at: 100, on: &receiving)
        #expect(receiving.isIdleAndFlushed(bufferedOutput: 0) == false)
    }

    // MARK: Held replies (pipelining)

    /// The first request handled, its reply sent with `next` already buffered.
    func replied(next: String) -> ConnectionState {
        var state = handling()
        if state.replySent(closing: false, bufferedInput: next.utf8.count, now: 101) { feed(next, at: 101, to: &state) }
        return state
    }

    @Test("a reply is held while the next request, head and body, is wholly buffered")
    func holdsForBufferedRequest() {
        let next = "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        let state = replied(next: next)
        #expect(state.mayHoldReply(closing: false, persistent: true, bufferedInput: next.utf8.count, bufferedOutput: 100))
        #expect(replied(next: Self.get).mayHoldReply(closing: false, persistent: true, bufferedInput: Self.get.utf8.count, bufferedOutput: 100))
    }

    @Test("a reply is not held for a request whose body has not all arrived, or whose body is chunked")
    func noHoldForPartialRequest() {
        let partial = "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345"
        #expect(replied(next: partial).mayHoldReply(closing: false, persistent: true, bufferedInput: partial.utf8.count, bufferedOutput: 100) == false)
        let head = "GET /a HTTP/1.1\r\nHost: x\r\nHo"
        #expect(replied(next: head).mayHoldReply(closing: false, persistent: true, bufferedInput: head.utf8.count, bufferedOutput: 100) == false)
        let chunked = "POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        #expect(replied(next: chunked).mayHoldReply(closing: false, persistent: true, bufferedInput: chunked.utf8.count, bufferedOutput: 100) == false)
    }

    @Test("a reply is not held when evhttp may close the connection after it, or when nothing follows")
    func noHoldWhenClosing() {
        let state = replied(next: Self.get)
        let length = Self.get.utf8.count
        #expect(state.mayHoldReply(closing: false, persistent: false, bufferedInput: length, bufferedOutput: 100) == false)
        #expect(state.mayHoldReply(closing: true, persistent: true, bufferedInput: length, bufferedOutput: 100) == false)
        var closing = handling()
        _ = closing.replySent(closing: true, bufferedInput: length, now: 101)
        #expect(closing.mayHoldReply(closing: true, persistent: true, bufferedInput: length, bufferedOutput: 100) == false)
        var idle = handling()
        _ = idle.replySent(closing: false, bufferedInput: 0, now: 101)
        #expect(idle.mayHoldReply(closing: false, persistent: true, bufferedInput: 0, bufferedOutput: 100) == false)
    }

    @Test("held output is bounded in bytes and in replies")
    func holdLimits() {
        var state = replied(next: Self.get)
        let length = Self.get.utf8.count
        #expect(state.mayHoldReply(closing: false, persistent: true, bufferedInput: length, bufferedOutput: ConnectionState.holdLimit))
        #expect(state.mayHoldReply(closing: false, persistent: true, bufferedInput: length, bufferedOutput: ConnectionState.holdLimit + 1) == false)
        for _ in 0..<ConnectionState.maxHeldReplies - 1 { state.replyHeld() }
        #expect(state.mayHoldReply(closing: false, persistent: true, bufferedInput: length, bufferedOutput: 100))
        state.replyHeld()
        #expect(state.heldReplies == ConnectionState.maxHeldReplies)
        #expect(state.mayHoldReply(closing: false, persistent: true, bufferedInput: length, bufferedOutput: 100) == false)
        state.outputReleased()
        #expect(state.holdsReplies == false)
        #expect(state.mayHoldReply(closing: false, persistent: true, bufferedInput: length, bufferedOutput: 100))
    }

    @Test("held replies never wait behind a handler that suspended, and go at the latest at the tick")
    func heldRepliesNeverWaitForHandler() {
        var state = replied(next: Self.get)
        state.replyHeld()
        #expect(state.heldRepliesWaitForHandler == false, "the next request has not reached its handler")
        #expect(state.holdsStrayReplies, "the tick's safety net writes them")
        state.requestReceived(now: 101)
        #expect(state.heldRepliesWaitForHandler, "its handler suspended: write them now")
        #expect(state.holdsStrayReplies == false, "not the tick's business while a handler runs")
        state.outputReleased()
        #expect(state.heldRepliesWaitForHandler == false)
    }
}
