import CLibevent
import Foundation
import HTTPTestSupport
import Logging
import Synchronization
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
        /// What `/slow` waits at, on a thread of the blocking pool, until the test opens it.
        let slowGate: Gate
    }

    /// One loop, so that "does not stall the loop" really means the same loop.
    func start(
        loops: Int = 1, maxInFlight: Int = 100, observer: (any ServerObserver)? = nil, slowGate: Gate = Gate(),
        configure: (inout Router) -> Void = { _ in }
    ) throws -> Running {
        var router = Router()
        router.get("/fast") { _ in .text("fast") }
        router.get("/slow") { _ in
            try await ServerTests.pool.run { slowGate.pass() }
            return .text("slow")
        }
        router.get("/crash") { _ in throw CocoaError(.fileNoSuchFile) }
        configure(&router)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.eventLoops = loops
        configuration.maxInFlightPerLoop = maxInFlight
        configuration.accessLog = false
        configuration.observer = observer
        let server = HTTPServer(configuration: configuration, responder: RoutedPipeline([], router: router), logger: Logger(label: "test"))
        return Running(server: server, port: try server.start(), slowGate: slowGate)
    }

    func stop(_ running: Running) async {
        running.server.shutdown(graceSeconds: 5)
        await running.server.waitUntilStopped()
    }

    @Test("a handler waiting on the blocking pool does not stall its loop")
    func blockingWorkDoesNotStallLoop() async throws {
        let running = try start()
        let slow = try RawHTTPClient(port: running.port)
        try slow.send(RawHTTPClient.request("GET", "/slow"))
        #expect(running.slowGate.waitForArrivals(1), "the slow handler is waiting on the blocking pool")
        let fast = try RawHTTPClient(port: running.port)
        #expect(try fast.get("/fast").text == "fast")
        #expect(slow.hasData(withinMilliseconds: 0) == false, "the slow reply came before the fast one")
        running.slowGate.open()
        #expect(try slow.readResponse().text == "slow")
        await stop(running)
    }

    @Test("past the in-flight limit the loop answers 503 with Retry-After by itself")
    func shedsLoad() async throws {
        let running = try start(maxInFlight: 1)
        let slow = try RawHTTPClient(port: running.port)
        try slow.send(RawHTTPClient.request("GET", "/slow"))
        #expect(running.slowGate.waitForArrivals(1), "one request in flight: the limit")
        let shed = try RawHTTPClient(port: running.port).get("/fast")
        #expect(shed.status == 503)
        #expect(shed.header("Retry-After") == "1")
        #expect(shed.text == "server: server is overloaded\n" && shed.header("Content-Type") == "text/plain; charset=utf-8")
        running.slowGate.open()
        #expect(try slow.readResponse().status == 200)
        #expect(try RawHTTPClient(port: running.port).get("/fast").status == 200)
        await stop(running)
    }

    /// Records what the kernel reports, for the test to read and wait on.
    final class RecordingObserver: ServerObserver {
        final class Loop: LoopObserver {
            let events: EventLog<String>
            init(events: EventLog<String>) { self.events = events }
            func responded(method: HTTPMethod, route: String?, status: Int, durationNanoseconds: UInt64) {
                events.append("\(method) \(route ?? "-") \(status)")
            }
            func shed() { events.append("shed") }
            func sampled(_ sample: LoopSample) { events.append("sample \(sample.inFlight)") }
        }
        let events = EventLog<String>()
        var sampleIntervalMilliseconds: Int { 100 }
        func makeLoopObserver(loop: Int) -> any LoopObserver { Loop(events: events) }
    }

    @Test("the observer hears every response with its route template, every shed request and periodic samples")
    func observerHooks() async throws {
        let observer = RecordingObserver()
        let running = try start(maxInFlight: 1, observer: observer) { router in
            router.get("/items/:id") { _ in throw HTTPError.notFound("item") }
        }
        let slow = try RawHTTPClient(port: running.port)
        try slow.send(RawHTTPClient.request("GET", "/slow"))
        #expect(running.slowGate.waitForArrivals(1))
        #expect(try RawHTTPClient(port: running.port).get("/fast").status == 503)
        #expect(observer.events.wait { $0.contains("sample 1") }, "a sample taken while /slow is in flight")
        running.slowGate.open()
        #expect(try slow.readResponse().status == 200)
        let client = try RawHTTPClient(port: running.port)
        #expect(try client.get("/items/42").status == 404)
        #expect(try client.get("/nowhere").status == 404)
        #expect(try client.get("/fast", method: "TRACE").status == 405)
        #expect(observer.events.wait { $0.filter { $0.hasPrefix("sample") }.count >= 3 })
        await stop(running)
        let events = observer.events.all
        let answers = events.filter { !$0.hasPrefix("sample") }
        #expect(answers == ["shed", "GET - 503", "GET /slow 200", "GET /items/:id 404", "GET - 404", "TRACE - 405"])
        #expect(events.filter { $0.hasPrefix("sample") }.count >= 3)
    }

    @Test("a client gone before its reply is ready leaves the server healthy")
    func clientGoneBeforeReply() async throws {
        let observer = RecordingObserver()
        let running = try start(observer: observer)
        var clients: [RawHTTPClient] = []
        for index in 0..<20 {
            let client = try RawHTTPClient(port: running.port)
            try client.send(RawHTTPClient.request("GET", "/slow"))
            if index.isMultiple(of: 2) { client.abort() } else { clients.append(client) }
        }
        #expect(running.slowGate.waitForArrivals(2), "both pool threads hold a handler while half the clients are gone")
        running.slowGate.open()
        #expect(observer.events.wait { $0.filter { $0 == "GET /slow 200" }.count == 20 }, "every abandoned reply has been attempted")
        #expect(try RawHTTPClient(port: running.port).get("/fast").status == 200)
        await stop(running)
    }

    @Test("shutdown lets an in-flight handler finish and closes its connection")
    func drainCompletesInFlight() async throws {
        let running = try start()
        let slow = try RawHTTPClient(port: running.port)
        try slow.send(RawHTTPClient.request("GET", "/slow"))
        let idle = try RawHTTPClient(port: running.port)
        #expect(try idle.get("/fast").status == 200)
        #expect(running.slowGate.waitForArrivals(1))
        running.server.shutdown(graceSeconds: 5)
        running.slowGate.open()
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
        #expect(response.text == "server: internal error\n", "the kernel's default error format: nothing of the error itself")
        await stop(running)
    }

    /// Replies are written in the loop iteration that made them (ServerLoop+Writes.swift); one
    /// that does not fit the socket's buffers must still finish later, in order, while the loop
    /// serves others.
    @Test("a reply larger than the socket buffers reaches a late reader, followed by the next pipelined one")
    func largeReplyToLateReader() async throws {
        let size = 8 << 20
        let observer = RecordingObserver()
        let running = try start(observer: observer) { router in
            router.get("/big") { _ in HTTPResponse(body: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }) }
        }
        let late = try RawHTTPClient(port: running.port)
        try late.send(RawHTTPClient.request("GET", "/big") + RawHTTPClient.request("GET", "/fast"))
        // Handed to evhttp: more than the socket's buffers hold, and nobody reads yet.
        #expect(observer.events.wait { $0.contains("GET /big 200") })
        #expect(try RawHTTPClient(port: running.port).get("/fast").text == "fast")
        let big = try late.readResponse()
        #expect(big.status == 200)
        #expect(big.body.count == size)
        #expect(big.body == (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) })
        #expect(try late.readResponse().text == "fast")
        await stop(running)
    }

    /// Every descriptor the process has open (the listing's own included, before and after).
    static func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    @Test("a stopped server has closed every descriptor it opened: sockets, epoll, eventfd")
    func stopReleasesDescriptors() async throws {
        // Once first: whatever libevent or the test harness opens once per process.
        let first = try start(loops: 2)
        #expect(try RawHTTPClient(port: first.port).get("/fast").status == 200)
        await stop(first)
        let before = try Self.openDescriptors()
        for _ in 0..<50 {
            let running = try start(loops: 2)
            let client = try RawHTTPClient(port: running.port)
            #expect(try client.get("/fast").status == 200)
            await stop(running)
            #expect(client.waitForClose(), "the drain closed the idle connection")
        }
        // Suites in parallel open and close descriptors of their own: waited out, not counted.
        let settled = try waitUntil { try Self.openDescriptors() <= before }
        let leaked = try Self.openDescriptors() - before
        #expect(settled, "\(leaked) descriptors more than before the servers started")
    }

    @Test("a handler still running when the grace period ends finishes against a torn-down loop harmlessly")
    func handlerOutlivesGracePeriod() async throws {
        // One thread, so that a second job on it runs only after the late handler's resumption.
        let lonePool = BlockingPool(threads: 1, name: "test-late")
        defer { lonePool.shutdown() }
        let lateGate = Gate()
        let running = try start { router in
            router.get("/late") { _ in
                try await lonePool.run { lateGate.pass() }
                return .text("late")
            }
        }
        let late = try RawHTTPClient(port: running.port)
        try late.send(RawHTTPClient.request("GET", "/late"))
        #expect(lateGate.waitForArrivals(1))
        running.server.shutdown(graceSeconds: 0)
        await running.server.waitUntilStopped()
        #expect(late.waitForClose(), "the loop's teardown closed the connection it was still holding")
        lateGate.open()
        // The handler's continuation went to the stopped loop, which dropped it.
        try await lonePool.run {}
    }

    @Test("the bufferevent layout compiled against is the one libevent uses")
    func bufferEventLayout() throws {
        let base = try #require(ServerLoop.makeBase())
        defer { event_base_free(base) }
        #expect(ServerLoop.bufferEventLayoutHolds(base: base))
    }

    // Pipelined replies are held while the next request is already buffered, and written
    // together (ServerLoop+Writes.swift). These pin down when holding must not happen.

    @Test("pipelined requests come back complete and in order, whatever their mix")
    func pipelinedMixInOrder() async throws {
        let running = try start { router in
            router.post("/echo") { request in .text(String(decoding: request.body, as: UTF8.self)) }
        }
        let client = try RawHTTPClient(port: running.port)
        var batch = ""
        for index in 0..<40 {
            batch += index.isMultiple(of: 3)
                ? RawHTTPClient.request("POST", "/echo", body: "body-\(index)")
                : RawHTTPClient.request(index.isMultiple(of: 5) ? "HEAD" : "GET", "/fast")
        }
        try client.send(batch)
        for index in 0..<40 {
            let method = index.isMultiple(of: 3) ? "POST" : index.isMultiple(of: 5) ? "HEAD" : "GET"
            let response = try client.readResponse(method: method)
            #expect(response.status == 200)
            #expect(response.text == (method == "POST" ? "body-\(index)" : method == "HEAD" ? "" : "fast"), "reply \(index)")
        }
        #expect(try client.get("/fast").text == "fast", "the connection is still usable")
        await stop(running)
    }

    @Test("a reply held for the next pipelined request goes out when that request's handler suspends")
    func heldReplyDoesNotWaitForSlowHandler() async throws {
        let running = try start()
        let client = try RawHTTPClient(port: running.port)
        try client.send(RawHTTPClient.request("GET", "/fast") + RawHTTPClient.request("GET", "/slow"))
        // The second handler cannot finish until the gate opens: the first reply arriving
        // before that is the proof that it was not held for the second.
        #expect(running.slowGate.waitForArrivals(1))
        #expect(try client.readResponse().text == "fast", "the first reply waited for the second handler")
        running.slowGate.open()
        #expect(try client.readResponse().text == "slow")
        await stop(running)
    }

    @Test("a reply after which evhttp closes the connection is written, not held")
    func closingRepliesAreNotHeld() async throws {
        let running = try start()
        // HTTP/1.0 without keep-alive, and HTTP/1.1 with Connection: close, each followed by a
        // second request in the same write: the first reply arrives, then the connection closes.
        let http11 = try RawHTTPClient(port: running.port)
        try http11.send(RawHTTPClient.request("GET", "/fast", headers: ["Connection: close"]) + RawHTTPClient.request("GET", "/fast"))
        #expect(try http11.readResponse().text == "fast")
        #expect(http11.waitForClose())
        // An absolute-form target is a proxy request to evhttp, closed unless Proxy-Connection
        // says keep-alive.
        let proxy = try RawHTTPClient(port: running.port)
        try proxy.send("GET http://example.com/fast HTTP/1.1\r\nHost: example.com\r\n\r\n" + RawHTTPClient.request("GET", "/fast"))
        #expect(try proxy.readResponse().text == "fast")
        #expect(proxy.waitForClose())
        // An HTTP/1.0 reply without keep-alive has no Content-Length: its body ends at the close.
        let http10 = try RawHTTPClient(port: running.port)
        try http10.send("GET /fast HTTP/1.0\r\n\r\n" + RawHTTPClient.request("GET", "/fast"))
        #expect(try http10.readResponse().status == 200)
        #expect(http10.waitForClose())
        #expect(String(decoding: http10.unread, as: UTF8.self) == "fast")
        await stop(running)
    }

    @Test("a reply is not held for a pipelined request whose body has not all arrived")
    func partialNextRequestDoesNotHoldReply() async throws {
        let running = try start { router in
            router.post("/echo") { request in .text(String(decoding: request.body, as: UTF8.self)) }
        }
        let client = try RawHTTPClient(port: running.port)
        try client.send(RawHTTPClient.request("GET", "/fast") + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
        let started = ContinuousClock.now
        #expect(try client.readResponse().text == "fast")
        #expect(ContinuousClock.now - started < .milliseconds(1000))
        try client.send("67890")
        #expect(try client.readResponse().text == "1234567890")
        await stop(running)
    }

    @Test("pipelined requests followed by a half-close all get their replies, then the connection closes")
    func pipelinedThenHalfClose() async throws {
        let running = try start()
        for count in [3, 100, 1000] {
            let client = try RawHTTPClient(port: running.port)
            try client.send(String(repeating: RawHTTPClient.request("GET", "/fast"), count: count))
            client.shutdownWrite()
            for index in 0..<count {
                let response = try #require(try? client.readResponse(), "reply \(index) of \(count)")
                #expect(response.text == "fast")
            }
            #expect(client.waitForClose())
        }
        await stop(running)
    }

    @Test("a loop stalled by a handler that blocks it stops counting: the other loop takes new connections")
    func stalledLoopIsSkipped() async throws {
        let stall = Gate()
        let running = try start(loops: 2) { router in
            router.get("/where") { _ in .text(ThreadName.current) }
            // Blocks the loop's own thread: the bug a handler must never have.
            router.get("/stall") { _ in
                stall.pass()
                return .text(ThreadName.current)
            }
        }
        // Three connections: one loop holds two, the other one (the fewest: where new ones go).
        let clients = try (0..<3).map { _ in try RawHTTPClient(port: running.port) }
        let loops = try clients.map { try $0.get("/where").text }
        #expect(Set(loops) == ["loop-0", "loop-1"], "\(loops)")
        let lonely = try #require(Set(loops).first { name in loops.filter { $0 == name }.count == 1 })
        let stalled = try #require(clients.indices.first { loops[$0] == lonely })
        try clients[stalled].send(RawHTTPClient.request("GET", "/stall"))
        #expect(stall.waitForArrivals(1))
        // The stalled loop still has the fewest connections; after AcceptBalance.staleAfterSeconds
        // without a word from it, the other loop listens again.
        let newcomer = try RawHTTPClient(port: running.port, timeoutSeconds: AcceptBalance.staleAfterSeconds + 3)
        let answer = try? newcomer.get("/where").text
        stall.open()
        #expect(answer != nil && answer != lonely, "answered by \(answer ?? "nobody") while \(lonely) stalled")
        #expect(try clients[stalled].readResponse().text == lonely)
        await stop(running)
    }

    @Test("a loop that answers before it hears of the shutdown still says Connection: close")
    func answersDuringShutdownClose() async throws {
        let stall = Gate()
        let box = ServerBox()
        let running = try start(loops: 2) { router in
            router.get("/where") { _ in .text(ThreadName.current) }
            // Blocks its loop's thread, so that the loop hears of the shutdown only afterwards.
            router.get("/stall") { _ in
                stall.pass()
                return .text("stalled")
            }
            // On the other loop: the shutdown reaches this loop at once, the stalled one later.
            router.get("/shutdown") { _ in
                box.server?.shutdown(graceSeconds: 5)
                stall.open()
                return .text("bye")
            }
        }
        box.server = running.server
        let clients = try (0..<2).map { _ in try RawHTTPClient(port: running.port) }
        let loops = try clients.map { try $0.get("/where").text }
        #expect(Set(loops) == ["loop-0", "loop-1"], "\(loops)")
        try clients[0].send(RawHTTPClient.request("GET", "/stall"))
        #expect(stall.waitForArrivals(1))
        let bye = try clients[1].get("/shutdown")
        #expect(bye.header("Connection") == "close")
        let stalled = try clients[0].readResponse()
        #expect(stalled.text == "stalled")
        #expect(stalled.header("Connection") == "close", "answered after the shutdown began, keeping the connection")
        await running.server.waitUntilStopped()
    }

    final class ServerBox: @unchecked Sendable {
        // Set once, before any request that reads it.
        var server: HTTPServer?
    }
}
