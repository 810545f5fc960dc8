import Foundation
import HTTPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Clients that misbehave: slowloris, idle connections, mass disconnects.
@Suite("Robustness of conduit", .serialized)
struct RobustnessTests {
    @Test("a slowloris client is closed at the request deadline while others are served")
    func slowloris() throws {
        let server = try ServerProcess.start(environment: ["REQUEST_TIMEOUT_SECONDS": "2"])
        defer { server.stop() }
        let slow = try RawHTTPClient(port: server.port, timeoutSeconds: 1)
        try slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        let started = Date()
        var closed = false
        // One header line every 300 ms never lets an idle timeout fire; the deadline must.
        for index in 0..<40 {
            if (try? slow.send("X-Slow-\(index): y\r\n")) == nil || slow.hasData(withinMilliseconds: 300) {
                closed = slow.waitForClose()
                break
            }
            let other = try RawHTTPClient(port: server.port)
            #expect(try other.get("/healthz").status == 200)
        }
        #expect(closed, "the slow connection was never closed")
        #expect(Date().timeIntervalSince(started) < 6)
    }

    @Test("an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_SECONDS")
    func idleKeepAlive() throws {
        let server = try ServerProcess.start(environment: ["KEEP_ALIVE_TIMEOUT_SECONDS": "1"])
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port, timeoutSeconds: 5)
        #expect(try client.get("/healthz").status == 200)
        let started = Date()
        #expect(client.waitForClose())
        #expect(Date().timeIntervalSince(started) < 4)
    }

    @Test("1,000 clients that disconnect mid-request leave the server healthy")
    func massDisconnects() throws {
        let server = try ServerProcess.start()
        defer { server.stop() }
        // The count once start-up has opened everything: it stops changing.
        var baseline = server.openDescriptorCount
        _ = waitUntil(limitSeconds: 5, everyMilliseconds: 50) {
            defer { baseline = server.openDescriptorCount }
            return server.openDescriptorCount == baseline && (try? RawHTTPClient(port: server.port).get("/healthz").status) == 200
        }
        let shapes = [
            "GET /healthz HTTP/1.1\r\nHost:",  // inside the headers
            "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf",  // inside the body
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",  // before reading the reply
            "",  // connect and go
        ]
        for round in 0..<10 {
            var clients: [RawHTTPClient] = []
            for index in 0..<100 {
                let client = try RawHTTPClient(port: server.port)
                try client.send(shapes[(round + index) % shapes.count])
                clients.append(client)
            }
            for (index, client) in clients.enumerated() where index.isMultiple(of: 2) { client.abort() }
            clients.removeAll()  // closes the rest with FIN
            #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
        }
        #expect(server.process.isRunning)
        // Every abandoned connection is released (not leaked) once the server has seen the close.
        let settled = waitUntil(limitSeconds: 5) { server.openDescriptorCount <= baseline + 2 }
        #expect(settled, "descriptors: \(server.openDescriptorCount), baseline \(baseline)")
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
    }
}

/// Running out of file descriptors must not turn the accept loop into a busy spin.
@Suite("conduit out of file descriptors")
struct DescriptorExhaustionTests {
    static var hasPrlimit: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") }

    @Test("past the descriptor limit it pauses accepting, logs a little, and recovers", .enabled(if: hasPrlimit))
    func emfile() throws {
        let server = try ServerProcess.start(launcher: ["/usr/bin/prlimit", "--nofile=48:48"])
        defer { server.stop() }
        var clients: [RawHTTPClient] = []
        for _ in 0..<80 {
            guard let client = try? RawHTTPClient(port: server.port, timeoutSeconds: 1) else { break }
            clients.append(client)
        }
        #expect(server.waitForLog(containing: "accept failed"), "it ran out of descriptors")
        // Busy-looping on accept(2) would use a whole core: about 100 ticks a second.
        let before = server.cpuTicks
        letTimePass(milliseconds: 1000)  // the window the CPU use is measured over
        let used = server.cpuTicks - before
        #expect(used < 30, "\(used) CPU ticks in one second while out of descriptors")
        #expect(server.stdoutLines.count < 200, "\(server.stdoutLines.count) log lines")
        #expect(server.stdoutLines.contains { $0.contains("accept failed") })
        clients.removeAll()
        #expect(waitUntil(limitSeconds: 10) { (try? RawHTTPClient(port: server.port, timeoutSeconds: 1).get("/healthz").status) == 200 }, "accepting again")
    }
}

@Suite("conduit shutdown with many connections")
struct ManyConnectionsShutdownTests {
    @Test("SIGTERM with 6,000 idle keep-alive connections closes them all and exits promptly")
    func manyIdleConnections() throws {
        let server = try ServerProcess.start(environment: ["LOG_LEVEL": "notice"])
        var clients: [RawHTTPClient] = []
        for _ in 0..<6000 { clients.append(try RawHTTPClient(port: server.port)) }
        // Every connection served once, so each is an idle keep-alive connection.
        for client in clients { try client.send(RawHTTPClient.request("GET", "/healthz")) }
        for client in clients { #expect(try client.readResponse().status == 200) }
        let started = Date()
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: 20) == 0)
        // Closing them used to re-scan every connection per close: seconds for thousands.
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 1.5, "exit took \(elapsed) s")
        #expect(clients.prefix(50).allSatisfy { $0.waitForClose() })
    }
}
