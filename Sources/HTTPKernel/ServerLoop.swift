import CLibevent
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// One libevent `event_base` with its own `evhttp`, on its own thread: one of the server's
/// loops. (Not `EventLoop`: the application also imports NIO, whose `EventLoop` is another thing.)
///
/// This file, its `ServerLoop+*.swift` extensions, ``Connection`` and ``ListeningSocket`` are
/// the only places that call libevent. Every call happens on the loop's thread: other threads reach the loop
/// only through its ``LoopExecutor``, which wakes the loop by writing to an eventfd the loop
/// watches. Because no libevent object is ever touched from another thread, libevent's own
/// locking (`evthread_use_pthreads`) stays off; it would add a mutex to every event operation
/// (measured: about 2% of throughput).
final class ServerLoop: @unchecked Sendable {
    // @unchecked: other threads hold the loop (the server, request tasks) but only reach it
    // through `executor`, whose closures run on the loop thread (`complete(_:with:)` checks the
    // thread and hops before anything else); all mutable state below is touched there alone
    // (checked by `preconditionOnLoop` where evhttp is entered from outside a libevent
    // callback), and immutable state is set before the thread starts.

    let index: Int
    let configuration: ServerConfiguration
    let responder: any HTTPResponder
    let logger: Logger
    /// Whether each response gets an access log line (decided once: the level is fixed).
    let logsAccess: Bool
    /// Metrics hooks for this loop (``ServerObserver``), called only on the loop thread.
    let observer: (any LoopObserver)?
    /// Whether a request's duration is measured (for the access log or the observer).
    let timesRequests: Bool
    let executor: LoopExecutor
    /// Whether replies are written in the iteration that produced them (ServerLoop+Writes.swift).
    let writesInLoop: Bool
    /// What every ``ConnectionState`` enforces.
    let connectionLimits: ConnectionState.Limits

    let base: OpaquePointer
    let http: OpaquePointer
    var wakeEvent: OpaquePointer!
    /// Written by any thread to wake the loop; read (drained) by the loop.
    let wakeFD: Int32
    var registerEvent: OpaquePointer!
    /// Answers refused request heads (ServerLoop+Refusals.swift).
    var refuseEvent: OpaquePointer!
    var pendingRefusals: [Connection] = []
    /// Releases held replies to evhttp (ServerLoop+Writes.swift).
    var releaseEvent: OpaquePointer!
    var pendingReleases: [Connection] = []
    var tickEvent: OpaquePointer!
    /// The observer's sampling timer (one-shot, re-armed each time) and when it is due.
    var sampleEvent: OpaquePointer?
    var sampleDue: UInt64 = 0
    var sampleIntervalNanoseconds: UInt64 = 0
    var boundSocket: OpaquePointer?
    /// Re-enables accepting after a pause for a failed accept(2) (ServerLoop+Accept.swift).
    var acceptResumeEvent: OpaquePointer!
    var acceptPausedCount = 0
    /// Paused after a failed accept(2) until `acceptResumeEvent` fires.
    var acceptPaused: Bool { event_pending(acceptResumeEvent, Int16(EV_TIMEOUT), nil) != 0 }
    /// Not listening because another loop has fewer connections (ServerLoop+Accept.swift).
    var acceptGated = false
    /// Shared by the loops of one server; nil with one loop.
    let balance: AcceptBalance?
    /// The other loops of the server, told to look again when this one stops listening. Set
    /// once, before the loops start.
    var peers: [Weak] = []
    struct Weak { weak var loop: ServerLoop? }
    private let listenFD: Int32

    var dateCache = DateCache()
    var coarseNow: Int = ServerLoop.monotonicSeconds()
    var requestIDs = RequestID.Generator()
    var inFlight = 0
    var connections: [OpaquePointer: Connection] = [:]
    var pendingBufferEvents: [OpaquePointer] = []
    /// Request tasks waiting for their next request (ServerLoop+Workers.swift).
    var idleWorkers: [UnsafeContinuation<RequestWork?, Never>] = []
    var draining = false
    /// Set while the loop closes a batch of connections itself.
    var closingInBulk = false
    var drainDeadline = 0
    private var onExit: (@Sendable () -> Void)?

    /// The server's shutdown has begun, maybe before this loop runs its drain.
    let shutdownBegun: ShutdownFlag
    /// The Server header value as a C string, made once; nil sends none.
    let serverNameC: UnsafeMutablePointer<CChar>?
    /// ``ServerConfiguration/commonHeaders`` as C strings, made once.
    let commonHeadersC: [(name: String, cName: UnsafeMutablePointer<CChar>, cValue: UnsafeMutablePointer<CChar>)]

    init(index: Int, listenFD: Int32, balance: AcceptBalance?, configuration: ServerConfiguration,
         responder: any HTTPResponder, logger: Logger, shutdownBegun: ShutdownFlag = ShutdownFlag()) throws {
        self.index = index
        self.shutdownBegun = shutdownBegun
        self.listenFD = listenFD
        self.balance = balance
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        logsAccess = configuration.accessLog && logger.logLevel <= .info
        observer = configuration.observer?.makeLoopObserver(loop: index)
        timesRequests = logsAccess || observer != nil
        connectionLimits = ConnectionState.Limits(configuration)
        serverNameC = configuration.serverName.map { strdup($0) }
        commonHeadersC = configuration.commonHeaders.map { ($0.name, strdup($0.name)!, strdup($0.value)!) }
        guard let base = ServerLoop.makeBase() else { throw ListeningSocket.Failure(description: "event_base_new failed") }
        // Two priorities: connection bookkeeping (0) runs before any I/O of the new connection (1).
        event_base_priority_init(base, 2)
        guard let http = evhttp_new(base) else { throw ListeningSocket.Failure(description: "evhttp_new failed") }
        self.base = base
        self.http = http
        writesInLoop = ServerLoop.bufferEventLayoutHolds(base: base)
        if !writesInLoop {
            logger.warning("libevent's bufferevent layout is not the one compiled against; replies wait for epoll")
        }
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw ListeningSocket.Failure(description: "eventfd failed") }
        self.wakeFD = wakeFD
        executor = LoopExecutor(
            wake: {
                var one: UInt64 = 1
                _ = write(wakeFD, &one, 8)
            })
        configureHTTP()
        let me = Unmanaged.passUnretained(self).toOpaque()
        wakeEvent = event_new(base, wakeFD, Int16(EV_READ | EV_PERSIST), { fd, _, arg in
            var count: UInt64 = 0
            _ = read(fd, &count, 8)
            ServerLoop.from(arg).executor.runPending()
        }, me)
        tickEvent = event_new(base, -1, Int16(EV_PERSIST), { _, _, arg in
            ServerLoop.from(arg).tick()
        }, me)
        registerEvent = event_new(base, -1, Int16(EV_PERSIST), { _, _, arg in
            ServerLoop.from(arg).registerPendingConnections()
        }, me)
        event_priority_set(registerEvent, 0)
        refuseEvent = event_new(base, -1, Int16(EV_PERSIST), { _, _, arg in
            ServerLoop.from(arg).runPendingRefusals()
        }, me)
        event_add(refuseEvent, nil)
        releaseEvent = event_new(base, -1, Int16(EV_PERSIST), { _, _, arg in
            ServerLoop.from(arg).runPendingReleases()
        }, me)
        event_add(releaseEvent, nil)
        event_add(wakeEvent, nil)
        event_add(registerEvent, nil)
        var second = timeval(tv_sec: 1, tv_usec: 0)
        event_add(tickEvent, &second)
        if observer != nil, let interval = configuration.observer?.sampleIntervalMilliseconds, interval > 0 {
            sampleIntervalNanoseconds = UInt64(interval) * 1_000_000
            sampleEvent = event_new(base, -1, 0, { _, _, arg in
                ServerLoop.from(arg).sample()
            }, me)
            armSample()
        }
        guard let bound = evhttp_accept_socket_with_handle(http, listenFD) else {
            throw ListeningSocket.Failure(description: "evhttp_accept_socket failed")
        }
        boundSocket = bound
        acceptResumeEvent = event_new(base, -1, 0, { _, _, arg in
            ServerLoop.from(arg).resumeAccepting()
        }, me)
        AcceptErrors.register(self, http: http)
        evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(bound)) { _, http in
            let code = errno
            AcceptErrors.loop(for: http)?.acceptFailed(errno: code)
        }
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> ServerLoop {
        Unmanaged<ServerLoop>.fromOpaque(pointer!).takeUnretainedValue()
    }

    private func configureHTTP() {
        let methods = [EVHTTP_REQ_GET, EVHTTP_REQ_HEAD, EVHTTP_REQ_POST, EVHTTP_REQ_PUT,
                       EVHTTP_REQ_PATCH, EVHTTP_REQ_DELETE, EVHTTP_REQ_OPTIONS, EVHTTP_REQ_TRACE]
        evhttp_set_allowed_methods(http, UInt16(methods.reduce(0) { $0 | $1.rawValue }))
        evhttp_set_max_body_size(http, configuration.maxBodyBytes)
        evhttp_set_max_headers_size(http, configuration.maxHeaderBytes)
        var timeout = timeval(tv_sec: configuration.writeTimeoutSeconds, tv_usec: 0)
        evhttp_set_timeout_tv(http, &timeout)
        evhttp_set_default_content_type(http, nil)
        let me = Unmanaged.passUnretained(self).toOpaque()
        evhttp_set_gencb(http, { request, arg in
            ServerLoop.from(arg).receive(request!)
        }, me)
        evhttp_set_bevcb(http, { base, arg in
            ServerLoop.from(arg).makeBufferEvent(base!)
        }, me)
    }

    // MARK: Thread

    var isOnLoopThread: Bool { executor.isLoopThread }

    func preconditionOnLoop() {
        precondition(isOnLoopThread, "evhttp touched off its loop thread")
    }

    /// Starts the loop's thread; `onExit` runs on it after the loop stopped and tore down.
    func start(onExit: @escaping @Sendable () -> Void) {
        self.onExit = onExit
        let box = Unmanaged.passRetained(self).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        var id = pthread_t()
        // The thread id is stored before the loop runs: the new thread waits on nothing else.
        let status = pthread_create(&id, &attributes, { arg in
            let loop = Unmanaged<ServerLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.runOnThread()
            return nil
        }, box)
        pthread_attr_destroy(&attributes)
        precondition(status == 0, "pthread_create failed")
        pthread_detach(id)
    }

    private func runOnThread() {
        ThreadName.setCurrent("loop-\(index)")
        executor.bindToCurrentThread()
        event_base_dispatch(base)
        tearDown()
        // The server holds its loops, and this closure holds the server: let go of it.
        let onExit = self.onExit
        self.onExit = nil
        onExit?()
    }
}
