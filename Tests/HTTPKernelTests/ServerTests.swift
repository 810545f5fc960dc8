import Foundation
import HTTPTestSupport
import Logging
import Testing

@testable import HTTPKernel

/// The kernel in-process, over real sockets: the executor hand-off, the blocking pool, load
/// shedding and draining, with handlers that tests control.
@Suite("Server in process", .serialized)
struct ServerTests {
    static let pool = BlockingPool(threads: 2, name: "test-blocking")

    struct Running {
        let server: HTTPServer
        let port: Int
    }

    /// One loop, so that "does not stall the loop" really means the same loop.
    func start(maxInFlight: Int = 100, configure: (inout Router) -> Void = { _ in }) throws -> Running {
        var router = Router()
        router.get("/fast") { _ in .text("fast") }
        router.get("/slow") { request in
            let millis = Int(request.query["ms"] ?? "") ?? 800
            try await ServerTests.pool.run { usleep(UInt32(millis) * 1000) }
            return .text("slow")
        }
        router.get("/crash") { _ in throw CocoaError(.fileNoSuchFile) }
        configure(&router)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.eventLoops = 1
        configuration.maxInFlightPerLoop = maxInFlight
        configuration.accessLog = false
        let server = HTTPServer(configuration: configuration, responder: router, logger: Logger(label: "test"))
        return Running(server: server, port: try server.start())
    }

    func stop(_ running: Running) async {
        running.server.shutdown(graceSeconds: 5)
        await running.server.waitUntilStopped()
    }

    @Test("a handler waiting on the blocking pool does not stall its loop")
    func blockingWorkDoesNotStallLoop() async throws {
        let running = try start()
        let slow = try RawHTTPClient(port: running.port)
        try slow.send(RawHTTPClient.request("GET", "/slow?ms=1500"))
        let fast = try RawHTTPClient(port: running.port)
        #expect(try fast.get("/fast").text == "fast")
        #expect(slow.hasData(withinMilliseconds: 0) == false, "the slow reply came before the fast one")
        #expect(try slow.readResponse().text == "slow")
        await stop(running)
    }

    @Test("past the in-flight limit the loop answers 503 with Retry-After by itself")
    func shedsLoad() async throws {
        let running = try start(maxInFlight: 1)
        let slow = try RawHTTPClient(port: running.port)
        try slow.send(RawHTTPClient.request("GET", "/slow?ms=1000"))
        usleep(200_000)
        let shed = try RawHTTPClient(port: running.port).get("/fast")
        #expect(shed.status == 503)
        #expect(shed.header("Retry-After") == "1")
        #expect(shed.text == #"{"errors":{"server":["server is overloaded"]}}"#)
        #expect(try slow.readResponse().status == 200)
        #expect(try RawHTTPClient(port: running.port).get("/fast").status == 200)
        await stop(running)
    }

    @Test("a client gone before its reply is ready leaves the server healthy")
    func clientGoneBeforeReply() async throws {
        let running = try start()
        for index in 0..<20 {
            let client = try RawHTTPClient(port: running.port)
            try client.send(RawHTTPClient.request("GET", "/slow?ms=200"))
            if index.isMultiple(of: 2) { client.abort() }
        }
        usleep(2_500_000)  // every abandoned reply has been attempted by now
        #expect(try RawHTTPClient(port: running.port).get("/fast").status == 200)
        await stop(running)
    }

    @Test("shutdown lets an in-flight handler finish and closes its connection")
    func drainCompletesInFlight() async throws {
        let running = try start()
        let slow = try RawHTTPClient(port: running.port)
        try slow.send(RawHTTPClient.request("GET", "/slow?ms=700"))
        let idle = try RawHTTPClient(port: running.port)
        #expect(try idle.get("/fast").status == 200)
        usleep(100_000)
        running.server.shutdown(graceSeconds: 5)
        let response = try slow.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(idle.waitForClose(), "idle keep-alive connections are closed on drain")
        await running.server.waitUntilStopped()
        #expect(throws: (any Error).self) { try RawHTTPClient(port: running.port) }
    }

    @Test("an unexpected handler error is a bare 500")
    func unexpectedErrorIs500() async throws {
        let running = try start()
        let response = try RawHTTPClient(port: running.port).get("/crash")
        #expect(response.status == 500)
        #expect(response.text == #"{"errors":{"server":["internal error"]}}"#)
        await stop(running)
    }
}
