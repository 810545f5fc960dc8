/// What one connection is doing, and what the loop must do about it: the decisions evhttp 2.1
/// does not make (a deadline per phase, refusing a request from its raw bytes, holding
/// pipelined replies), apart from libevent so that they are tested without sockets or clocks.
///
/// ``Connection`` tells it what happened, passing in what only libevent knows (how many bytes
/// are buffered each way) and the loop's coarse clock as `now`, and carries out its answers.
/// A value stored inline in the connection: no allocation, no indirection on the request path.
struct ConnectionState {
    enum Phase {
        /// Waiting for the first byte of the next request.
        case idle
        /// Request bytes are arriving; the request deadline runs.
        case receiving
        /// A handler owns the request.
        case handling
        /// The response (with `Connection: close`) is on its way; evhttp closes the connection
        /// once it is written.
        case closing
        /// Its request was refused (``RequestHeadScanner``, ``ChunkedBodyScanner``): nothing
        /// more is read from it, and the loop answers and closes it once earlier replies are
        /// written.
        case refused
    }

    /// The limits it enforces, taken from ``ServerConfiguration`` once per loop.
    struct Limits {
        var maxHeaderBytes: Int
        var maxBodyBytes: Int
        var requestTimeoutSeconds: Int
        var keepAliveTimeoutSeconds: Int

        init(maxHeaderBytes: Int, maxBodyBytes: Int, requestTimeoutSeconds: Int, keepAliveTimeoutSeconds: Int) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
            self.requestTimeoutSeconds = requestTimeoutSeconds
            self.keepAliveTimeoutSeconds = keepAliveTimeoutSeconds
        }

        init(_ configuration: ServerConfiguration) {
            self.init(
                maxHeaderBytes: configuration.maxHeaderBytes, maxBodyBytes: configuration.maxBodyBytes,
                requestTimeoutSeconds: configuration.requestTimeoutSeconds,
                keepAliveTimeoutSeconds: configuration.keepAliveTimeoutSeconds)
        }
    }

    /// Held output beyond this many bytes, or this many replies, is written rather than held
    /// further. The count matters more: libevent writes at most 128 buffer chunks per `writev`
    /// and a reply takes two or three, so a longer batch is written in part, and a client that
    /// half-closed meanwhile has its EOF read before the rest (evhttp then drops the connection
    /// with requests unanswered: measured with 100 pipelined requests and replies of 200 bytes).
    static let holdLimit = 16 * 1024
    static let maxHeldReplies = 32

    let limits: Limits
    private(set) var phase = Phase.idle
    /// When the current phase began, in the loop's coarse seconds.
    private(set) var phaseStarted: Int
    /// Replies evhttp counts as sent that are still in the output buffer (pipelining).
    private(set) var heldReplies = 0
    private var headScanner = RequestHeadScanner()
    /// Follows the current request's chunked body, once its head is complete.
    private var bodyScanner: ChunkedBodyScanner?

    init(limits: Limits, now: Int) {
        self.limits = limits
        phaseStarted = now
    }

    private mutating func enter(_ phase: Phase, now: Int) {
        self.phase = phase
        phaseStarted = now
    }

    private mutating func startRequest(now: Int) {
        enter(.receiving, now: now)
        headScanner = RequestHeadScanner(maxHeadBytes: limits.maxHeaderBytes, maxBodyBytes: limits.maxBodyBytes)
        bodyScanner = nil
    }

    // MARK: Receiving

    /// What to do with bytes that just arrived, before evhttp parses them.
    enum Arrival: Equatable {
        /// Scan them (``scan(_:)``), then ask ``refuseIfScannersDid(now:)``.
        case scan
        /// Drop every buffered byte: the connection was refused, and evhttp (which may have
        /// resumed reading after an earlier reply) gets to parse nothing.
        case discard
        /// Nothing: they belong to a request already judged, or to the next one while a
        /// handler owns this one (those are scanned when the reply is sent).
        case ignore
    }

    /// Bytes arrived. The first bytes of a request start its deadline and a scan of its head.
    mutating func bytesArrived(now: Int) -> Arrival {
        if phase == .refused { return .discard }
        if phase == .idle { startRequest(now: now) }
        guard phase == .receiving, headScanner.state == .scanning || bodyScanner?.state == .scanning else { return .ignore }
        return .scan
    }

    /// Follows the request's next contiguous bytes, still in the input buffer: its head's
    /// (which the head scanner may rewrite in place before evhttp reads them),
    /// then a chunked body's. Returns whether the scanners want more bytes.
    mutating func scan(_ bytes: UnsafeMutableRawBufferPointer) -> Bool {
        var body = UnsafeRawBufferPointer(bytes)
        if headScanner.state == .scanning {
            let before = headScanner.scannedBytes
            guard headScanner.scan(bytes) == .headComplete, headScanner.isChunked else {
                return headScanner.state == .scanning
            }
            body = UnsafeRawBufferPointer(rebasing: body[(headScanner.scannedBytes - before)...])
            bodyScanner = ChunkedBodyScanner(maxBodyBytes: limits.maxBodyBytes, maxTrailerBytes: limits.maxHeaderBytes)
        }
        return bodyScanner?.scan(body) == .scanning
    }

    /// Why the current request is refused, if it is: its head or its chunked body's framing
    /// or size.
    var requestRefusal: RequestHeadScanner.Refusal? {
        if case let .refused(refusal) = headScanner.state { return refusal }
        if case let .refused(refusal) = bodyScanner?.state { return refusal }
        return nil
    }

    /// After a scan: whether the request was refused, which makes the connection refused. The
    /// loop then drops its input and stops reading (inside the input callback, before evhttp
    /// parses anything) and answers it outside evhttp's callbacks (``refusalStep(now:bufferedOutput:)``).
    mutating func refuseIfScannersDid(now: Int) -> Bool {
        guard requestRefusal != nil else { return false }
        enter(.refused, now: now)
        return true
    }

    /// Whether the request being handled persists the connection by default (HTTP/1.1); asked
    /// before its reply, while the scanner is still this request's.
    var requestIsHTTP11: Bool { headScanner.isHTTP11 }

    /// Whether the request's framing obliges the server to close the connection after its
    /// answer (a chunked body on HTTP/1.0, RFC 9112 section 6.1); asked like ``requestIsHTTP11``.
    var requestClosesConnection: Bool { headScanner.closesAfterReply }

    // MARK: Handling and replying

    /// evhttp parsed a complete request; a handler owns it until the reply.
    mutating func requestReceived(now: Int) {
        enter(.handling, now: now)
    }

    /// The reply went to evhttp, with `Connection: close` or not. Without, the connection is
    /// idle until the next request's first byte, which may already be buffered (pipelining):
    /// then the result is true, and the buffered input must be scanned from its start. Marked
    /// here rather than when the write completes, to spare a callback per request;
    /// ``isIdleAndFlushed(bufferedOutput:)`` tells the two apart where it matters.
    mutating func replySent(closing: Bool, bufferedInput: @autoclosure () -> Int, now: Int) -> Bool {
        if closing {
            enter(.closing, now: now)
            return false
        }
        guard bufferedInput() > 0 else {
            enter(.idle, now: now)
            return false
        }
        startRequest(now: now)
        return true
    }

    /// Whether the reply just handed to evhttp may stay in the output buffer, to be written
    /// with the next one: only when evhttp keeps the connection after it (`persistent`, not
    /// `closing`), the next request, head and body, is wholly buffered (evhttp reads it as
    /// soon as this reply counts as sent; a chunked body's length is not known in advance),
    /// and what is held stays under ``holdLimit`` and ``maxHeldReplies``. Asked after
    /// ``replySent(closing:bufferedInput:now:)``.
    func mayHoldReply(
        closing: Bool, persistent: Bool, bufferedInput: @autoclosure () -> Int, bufferedOutput: @autoclosure () -> Int
    ) -> Bool {
        guard !closing, persistent, phase == .receiving, let length = headScanner.requestLength, bufferedInput() >= length else {
            return false
        }
        return heldReplies < Self.maxHeldReplies && bufferedOutput() <= Self.holdLimit
    }

    /// A reply stays in the output buffer while evhttp is told it was written.
    mutating func replyHeld() { heldReplies += 1 }

    /// The output buffer, held replies and all, is being written.
    mutating func outputReleased() { heldReplies = 0 }

    var holdsReplies: Bool { heldReplies > 0 }

    /// Held replies must never wait for a handler: asked once the handler of the request just
    /// received has run as far as it could; still handling means it suspended.
    var heldRepliesWaitForHandler: Bool { heldReplies > 0 && phase == .handling }

    // MARK: Deadlines and closing

    /// What the once-a-second tick does about the connection.
    enum DeadlineAction: Equatable {
        case none
        /// It overran its phase's deadline: close it.
        case close
        /// Refused: try answering again (``refusalStep(now:bufferedOutput:)``).
        case answerRefusal
    }

    /// A request must arrive within the request timeout (slowloris), an idle keep-alive
    /// connection is closed after the keep-alive timeout. A handler's connection is never
    /// closed here: its request belongs to the handler until the reply is sent; neither is a
    /// connection with unwritten output (evhttp's write timeout's business).
    func deadline(now: Int, bufferedOutput: @autoclosure () -> Int) -> DeadlineAction {
        switch phase {
        case .receiving where now - phaseStarted >= limits.requestTimeoutSeconds: .close
        case .idle where now - phaseStarted >= limits.keepAliveTimeoutSeconds && bufferedOutput() == 0: .close
        case .refused: .answerRefusal
        default: .none
        }
    }

    /// A safety net for the tick: held replies go at the latest then, should evhttp and the
    /// head scanner ever disagree on whether the next request was complete.
    var holdsStrayReplies: Bool { heldReplies > 0 && phase != .handling }

    /// What to do for a refused connection.
    enum RefusalStep: Equatable {
        /// Not refused (any more).
        case none
        /// Earlier replies are still being written: try again later.
        case wait
        /// Write the refusal and close.
        case answer(RequestHeadScanner.Refusal)
        /// Its earlier replies were not read within the request timeout: close unanswered.
        case closeUnanswered(RequestHeadScanner.Refusal)
    }

    /// A refusal is written only once the earlier replies are (so bytes never interleave);
    /// a client that does not read them within the request timeout is closed without one.
    func refusalStep(now: Int, bufferedOutput: Int) -> RefusalStep {
        guard phase == .refused else { return .none }
        let refusal = requestRefusal ?? .header("malformed request head")
        if bufferedOutput == 0 { return .answer(refusal) }
        return now - phaseStarted >= limits.requestTimeoutSeconds ? .closeUnanswered(refusal) : .wait
    }

    /// Idle, with every byte of the last response handed to the socket: safe to close
    /// (keep-alive timeout, draining).
    func isIdleAndFlushed(bufferedOutput: @autoclosure () -> Int) -> Bool {
        phase == .idle && bufferedOutput() == 0
    }
}
