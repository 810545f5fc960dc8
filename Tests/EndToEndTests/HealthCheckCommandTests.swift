import Foundation
import HTTPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `conduit healthcheck`, the image's HEALTHCHECK (no curl in the image): exit 0 when the
/// configured server answers /healthz with 200, 1 otherwise, within its timeout.
@Suite("conduit healthcheck")
struct HealthCheckCommandTests {
    /// Runs `conduit healthcheck` with `arguments` and returns its exit status and stderr.
    private func healthcheck(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32?, stderr: String) {
        // DATABASE_URL "": the probe opens no database, so the PostgreSQL pass makes none for it.
        let probe = try ServerProcess(arguments: ["healthcheck"] + arguments, environment: ["DATABASE_URL": ""].merging(environment) { $1 })
        let status = probe.waitForExit(timeout: 10)
        probe.kill()
        return (status, probe.stderrText)
    }

    @Test("exit 0 against a running server, by flag or by PORT as the server reads it")
    func healthyServer() throws {
        let server = try ServerProcess.start()
        defer { server.stop() }
        let byFlag = try healthcheck(["--port", "\(server.port)"])
        #expect(byFlag.status == 0, "\(byFlag.stderr)")
        #expect(byFlag.stderr.isEmpty)
        let byEnvironment = try healthcheck([], environment: ["PORT": "\(server.port)", "HOST": "0.0.0.0"])
        #expect(byEnvironment.status == 0, "\(byEnvironment.stderr)")
    }

    @Test("exit 1 with one line against a closed port")
    func closedPort() throws {
        let listener = try Listener()
        let port = listener.port
        listener.close()
        let result = try healthcheck(["--port", "\(port)", "--timeout", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("conduit: healthcheck: connect to 127.0.0.1 port \(port)"), "\(result.stderr)")
    }

    @Test("exit 1 within its timeout against a port that accepts but never answers")
    func silentPort() throws {
        let listener = try Listener()  // listening, never accepting: the connection completes, no answer comes
        defer { listener.close() }
        let started = Date()
        let result = try healthcheck(["--port", "\(listener.port)", "--timeout", "0.5"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    private struct ListenerFailure: Error { let reason: String }

    /// A TCP socket listening on a free loopback port.
    private final class Listener {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard fd >= 0, bound else { throw ListenerFailure(reason: String(cString: strerror(errno))) }
            self.fd = fd
            port = Int(in_port_t(bigEndian: address.sin_port))
        }

        func close() { _ = Glibc.close(fd) }
    }
}
