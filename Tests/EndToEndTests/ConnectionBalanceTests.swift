import Foundation
import HTTPTestSupport
import Testing

/// How connections spread over the event loops, read from the loops' own connection gauges.
@Suite("Connections spread over the loops")
struct ConnectionBalanceTests {
    /// `conduit_http_connections{loop="N"}` for each loop, once every loop has sampled `total`.
    static func perLoop(_ client: RawHTTPClient, loops: Int, total: Int) throws -> [Int] {
        var counts: [Int] = []
        for _ in 0..<40 {
            let text = try client.get("/metrics").text
            counts = (0..<loops).map { Int(MetricsAPITests.value(text, #"conduit_http_connections{loop="\#($0)"}"#) ?? -1) }
            if counts.reduce(0, +) == total { return counts }
            Thread.sleep(forTimeInterval: 0.1)  // the gauges are sampled every 500 ms
        }
        return counts
    }

    @Test("keep-alive connections are spread evenly, whatever the kernel's hash, and new ones go where old ones closed")
    func evenSpread() throws {
        let loops = 4
        let server = try ServerProcess.start(environment: ["EVENT_LOOPS": "\(loops)", "SQLITE_READERS": "1"])
        // One at a time, as a proxy opens its pool: each is served once, so it is registered.
        var clients = try (0..<40).map { _ in try RawHTTPClient(port: server.port) }
        for client in clients { #expect(try client.get("/healthz").status == 200) }
        var counts = try Self.perLoop(clients[0], loops: loops, total: 40)
        #expect(counts.reduce(0, +) == 40 && counts.max()! - counts.min()! <= 1, "\(counts)")

        // A loop whose clients left takes the next ones.
        clients.removeLast(8)  // closed as they go
        counts = try Self.perLoop(clients[0], loops: loops, total: 32)
        let replacements = try (0..<8).map { _ in try RawHTTPClient(port: server.port) }
        for client in replacements { #expect(try client.get("/healthz").status == 200) }
        counts = try Self.perLoop(clients[0], loops: loops, total: 40)
        #expect(counts.reduce(0, +) == 40 && counts.max()! - counts.min()! <= 1, "\(counts)")
    }
}
