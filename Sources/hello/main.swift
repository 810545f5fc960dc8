import HTTPKernel
import Logging

#if canImport(Glibc)
import Glibc
#endif

// TechEmpower-style plaintext and JSON on the kernel alone: the benchmark subject that shows what
// the kernel costs compared with other servers. HOST, PORT and EVENT_LOOPS come from the
// environment; LOG_LEVEL=info turns the access log on.

func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

var configuration = ServerConfiguration()
configuration.serverName = "hello"
// TechEmpower's header set (Server, Date, Content-Type, Content-Length), as the peers send it.
configuration.identityHeaders = environment("IDENTITY_HEADERS") == "1"
configuration.host = environment("HOST") ?? "127.0.0.1"
if let port = environment("PORT").flatMap(Int.init) { configuration.port = port }
if let loops = environment("EVENT_LOOPS").flatMap(Int.init), loops > 0 { configuration.eventLoops = loops }
configuration.accessLog = environment("LOG_LEVEL") == "info" || environment("LOG_LEVEL") == "debug"

LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
var logger = Logger(label: "hello")
logger.logLevel = configuration.accessLog ? .info : .error

// Built once: a handler returns a copy, which shares the storage.
let plaintext = HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: Array("Hello, World!".utf8))
let json = HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Array(#"{"message":"Hello, World!"}"#.utf8))

var router = Router()
router.get("/plaintext") { _ in plaintext }
router.get("/json") { _ in json }

let server = HTTPServer(configuration: configuration, responder: router, logger: logger)
let terminationSignals = TerminationSignals()
do {
    let port = try server.start()
    logger.notice("listening", metadata: ["port": "\(port)"])
} catch {
    print("hello: \(error)")
    exit(1)
}
_ = await terminationSignals.next()
server.shutdown(graceSeconds: 5)
await server.waitUntilStopped()
