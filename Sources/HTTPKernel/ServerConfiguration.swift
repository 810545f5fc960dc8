#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything the kernel needs to listen and to protect itself. Defaults are safe for the
/// open internet; the application maps its configuration keys onto these fields.
public struct ServerConfiguration: Sendable {
    /// Address to bind (`127.0.0.1`, `0.0.0.0`, `::`).
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one (all loops share it), which tests use.
    public var port: Int = 8080
    /// Event loops, one thread each, sharing one listening socket (``AcceptBalance``).
    public var eventLoops: Int = ServerConfiguration.onlineCores
    /// `listen(2)` backlog of the listening socket the loops share (evhttp's own bind would use 128).
    public var backlog: Int = 4096
    /// Largest request body accepted; past it evhttp answers 413 and closes.
    public var maxBodyBytes: Int = 1 << 20
    /// Largest request head (request line and headers); past it the request is refused.
    public var maxHeaderBytes: Int = 16 << 10
    /// Seconds a request may take to arrive in full, counted from its first byte: the defence
    /// against slowloris and slow-body clients, which an idle timeout alone does not stop.
    public var requestTimeoutSeconds: Int = 10
    /// Seconds an idle keep-alive connection is kept open.
    public var keepAliveTimeoutSeconds: Int = 30
    /// Seconds a connection may make no progress on a write (or read) before evhttp drops it.
    public var writeTimeoutSeconds: Int = 30
    /// Requests a loop runs at once; past it the loop answers 503 itself (load shedding).
    public var maxInFlightPerLoop: Int = 1024
    /// `Retry-After` seconds sent with a shed 503.
    public var retryAfterSeconds: Int = 1
    /// The `Server` header (a name, never a version); nil sends none.
    public var serverName: String?
    /// How error bodies are written, by the kernel's own answers and by default by
    /// ``ErrorMiddleware`` and ``RoutedPipeline``: the application's format.
    public var errorFormat = ErrorBodyFormat.plainText
    /// Whether every response carries `X-Request-Id` and `X-Content-Type-Options: nosniff`.
    /// On for applications; the `hello` benchmark server turns it off to send exactly
    /// TechEmpower's header set, like the peers it is compared with.
    public var identityHeaders: Bool = true
    /// Header fields every response carries, whoever writes it: the application's, the
    /// kernel's own answers (refused heads, 413, 431, 501, a shed 503) and error pages alike.
    /// The place for security headers, configured once. A field the application's response
    /// sets itself wins over the one here.
    public var commonHeaders = HTTPHeaders()
    /// Whether the kernel writes one access log line per response (at info level).
    public var accessLog: Bool = true
    /// Told about every response, shed request and a periodic per-loop sample (metrics);
    /// nil (the default) costs nothing.
    public var observer: (any ServerObserver)?

    public init() {}

    public static var onlineCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
