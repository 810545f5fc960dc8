import CLibevent
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP server: N event loops (one per core by default), each with its own listening socket
/// on the same port, handing every request to `responder` and writing the reply on the loop that
/// owns the connection.
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    private let responder: any HTTPResponder
    private let logger: Logger
    private let state = Mutex(State())
    /// Set by ``shutdown(graceSeconds:)`` before any loop hears of it: a loop that answers a
    /// request before it runs its own drain still says `Connection: close`.
    private let shutdownBegun = ShutdownFlag()

    private struct State: ~Copyable {
        var loops: [ServerLoop] = []
        var running = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false
    }

    public init(configuration: ServerConfiguration, responder: any HTTPResponder, logger: Logger) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
    }

    /// Binds the port and starts the loops. Returns the bound port (useful with port 0).
    @discardableResult
    public func start() throws -> Int {
        HTTPServer.prepareProcess
        let count = max(1, configuration.eventLoops)
        let (fds, port) = try ListeningSocket.bind(
            host: configuration.host, port: configuration.port, count: count, backlog: configuration.backlog)
        let balance = count > 1 ? AcceptBalance(loops: count, now: ServerLoop.monotonicSeconds()) : nil
        let loops = try fds.enumerated().map { index, fd in
            try ServerLoop(
                index: index, listenFD: fd, balance: balance, configuration: configuration, responder: responder, logger: logger,
                shutdownBegun: shutdownBegun)
        }
        for loop in loops {
            loop.peers = loops.filter { $0 !== loop }.map { ServerLoop.Weak(loop: $0) }
        }
        state.withLock {
            $0.loops = loops
            $0.running = loops.count
        }
        for loop in loops {
            loop.start { [self] in self.loopStopped() }
        }
        return port
    }

    /// Whether a shutdown has begun (readiness probes answer 503 from then on).
    public var isDraining: Bool { shutdownBegun.isSet }

    /// Stops accepting, lets in-flight requests finish for up to `graceSeconds`, closes idle
    /// keep-alive connections, then stops the loops. Callable from any thread, more than once.
    public func shutdown(graceSeconds: Int) {
        guard shutdownBegun.setOnce() else { return }
        let loops = state.withLock { $0.loops }
        for loop in loops {
            loop.executor.execute { loop.beginDrain(graceSeconds: graceSeconds) }
        }
    }

    /// Returns once every loop has stopped and freed its libevent objects and descriptors.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.stopped || state.loops.isEmpty { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func loopStopped() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.running -= 1
            guard state.running == 0 else { return [] }
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Once per process:
    /// - SIGPIPE ignored: a peer that vanished must not kill the process on write;
    /// - the open-file limit raised to its hard maximum: each connection is a descriptor, and
    ///   the common soft default (1024) is an easy way to starve the server;
    /// - glibc's fastbins off: every request used to allocate a task larger than the tcache
    ///   limit, and with fastbins on each such allocation first consolidated them (a no-op
    ///   in a process that links another malloc, as `conduit` links tcmalloc);
    /// - libevent's own warnings routed into the log instead of raw stderr lines.
    private static let prepareProcess: Void = {
        signal(SIGPIPE, SIG_IGN)
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        mallopt(M_MXFAST, 0)
        event_set_log_callback { severity, message in
            guard let message else { return }
            let text = String(cString: message)
            switch severity {
            case EVENT_LOG_DEBUG, EVENT_LOG_MSG: HTTPServer.libeventLogger.debug("\(text)")
            default: HTTPServer.libeventLogger.warning("\(text)")
            }
        }
    }()

    private static let libeventLogger = Logger(label: "libevent")
}

/// A one-way switch that every loop reads without a lock.
final class ShutdownFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    /// Turns it on; true for the one caller that did.
    func setOnce() -> Bool { !value.exchange(true, ordering: .acquiringAndReleasing) }
}
