import Foundation
import HTTPTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Start-up, configuration errors, logs and shutdown of the real binary.
@Suite("Lifecycle of conduit")
struct LifecycleTests {
    @Test("SIGTERM during in-flight requests completes them and exits 0")
    func sigtermDrains() throws {
        let server = try ServerProcess.start(environment: ["SHUTDOWN_GRACE_SECONDS": "5"])
        // A request still arriving when the signal comes: it must get its answer.
        let arriving = try RawHTTPClient(port: server.port)
        try arriving.send("GET /readyz HTTP/1.1\r\nHost: x\r\n")
        // Idle keep-alive connections are closed by the drain.
        let idle = try RawHTTPClient(port: server.port)
        #expect(try idle.get("/healthz").status == 200)
        // Busy clients hammering until the end: every answer they get is whole.
        let failures = Mutex<[String]>([])
        let served = Atomic<Int>(0)
        let group = DispatchGroup()
        // Connected and served once before the signal, so that each is a live keep-alive client.
        let busyClients = try (0..<8).map { _ in try RawHTTPClient(port: server.port) }
        for client in busyClients {
            #expect(try client.get("/healthz").status == 200)
            nonisolated(unsafe) let client = client  // each client is used by one thread only
            DispatchQueue.global().async(group: group) {
                while true {
                    do {
                        let response = try client.get("/healthz")
                        guard response.status == 200, response.text == #"{"status":"ok"}"# else {
                            failures.withLock { $0.append("bad response \(response.status)") }
                            return
                        }
                        served.add(1, ordering: .relaxed)
                        if response.header("Connection") == "close" { return }
                    } catch {
                        return  // the connection was closed between requests: allowed
                    }
                }
            }
        }
        #expect(waitUntil { served.load(ordering: .relaxed) >= 40 }, "the busy clients are going")
        server.signal(SIGTERM)
        // The loops are draining once they close idle keep-alive connections.
        #expect(idle.waitForClose(), "idle keep-alive connections are closed on drain")
        try arriving.send("\r\n")
        let answer = try arriving.readResponse()
        #expect(answer.status == 503, "readiness fails while draining")
        #expect(answer.header("Connection") == "close")
        group.wait()
        #expect(server.waitForExit() == 0)
        #expect(failures.withLock { $0 }.isEmpty)
        let messages = server.logObjects.compactMap { $0["message"] as? String }
        #expect(messages.contains("draining"))
        #expect(messages.last == "stopped")
    }

    @Test("the server allocates with tcmalloc, not glibc's malloc")
    func allocator() throws {
        // glibc's malloc spent a tenth of the server's CPU in its arenas under the read mix
        // (memory allocated on a reader thread and freed on a loop): the binary links
        // tcmalloc, which must be the malloc that every library in the process binds to.
        // The dynamic linker says where each library's `malloc` and `free` went.
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("conduit-ld-\(UUID().uuidString)").path
        let server = try ServerProcess.start(environment: ["LD_DEBUG": "bindings", "LD_DEBUG_OUTPUT": trace])
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
        let path = "\(trace).\(server.pid)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bindings = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasSuffix("`malloc' [GLIBC_2.2.5]") || $0.hasSuffix("`free' [GLIBC_2.2.5]") }
        #expect(bindings.count >= 4, "libswiftCore, libsqlite3, libevent and the binary allocate")
        let elsewhere = bindings.filter { !$0.contains("libtcmalloc_minimal.so.4 [0]: normal symbol") }
        #expect(elsewhere.isEmpty, "bound past tcmalloc: \(elsewhere.prefix(3))")
    }

    @Test("its threads carry their names, as top -H and perf show them")
    func threadNames() throws {
        // SQLite (the binary's default) whatever the end-to-end pass: its threads are named too.
        let server = try ServerProcess.start(environment: ["EVENT_LOOPS": "2", "SQLITE_READERS": "2", "DATABASE_URL": ""])
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
        let expected: Set = ["loop-0", "loop-1", "sqlite-writer", "sqlite-reader-0", "sqlite-reader-1", "password-hash-0", "password-hash-1"]
        var names: Set<String> = []
        // A loop names itself when its thread starts, which the first answer does not wait for.
        #expect(waitUntil {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.pid)/task")) ?? []
            names = Set(tasks.compactMap { try? String(contentsOfFile: "/proc/\(server.pid)/task/\($0)/comm", encoding: .utf8) }
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            return expected.isSubset(of: names)
        }, "\(expected.subtracting(names).sorted()) missing from \(names.sorted())")
    }

    @Test("SIGINT stops it too, with exit 0")
    func sigint() throws {
        let server = try ServerProcess.start()
        server.signal(SIGINT)
        #expect(server.waitForExit() == 0)
    }

    @Test("an invalid value exits non-zero with one line naming it", arguments: [
        ["PORT": "notaport"], ["PORT": "70000"], ["LOG_LEVEL": "loud"], ["EVENT_LOOPS": "0"],
        ["APP_ENV": "staging"], ["DATABASE_URL": "mysql://x"], ["MAX_BODY_BYTES": "-1"],
    ])
    func invalidConfiguration(_ environment: [String: String]) throws {
        let server = try ServerProcess(arguments: ["serve"], environment: environment)
        let status = server.waitForExit()
        #expect(status != nil && status != 0)
        let lines = server.stderrText.split(separator: "\n")
        #expect(lines.count == 1, "\(server.stderrText)")
        #expect(server.stderrText.contains(environment.keys.first!))
        #expect(!server.stderrText.contains("Fatal error"))
    }

    @Test("production refuses to start without a strong JWT_SECRET")
    func productionSecret() throws {
        for secret in [nil, "short", "change-me-to-at-least-32-random-bytes-please"] {
            var environment = ["APP_ENV": "production"]
            environment["JWT_SECRET"] = secret
            let server = try ServerProcess(arguments: ["serve"], environment: environment)
            #expect(server.waitForExit() == 78)
            #expect(server.stderrText.contains("JWT_SECRET"))
        }
        let strong = try ServerProcess.start(environment: [
            "APP_ENV": "production", "JWT_SECRET": "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o",
        ])
        #expect(strong.stop() == 0)
    }

    @Test("a port already in use is a one-line error")
    func portInUse() throws {
        let first = try ServerProcess.start()
        defer { first.stop() }
        let second = try ServerProcess(arguments: ["serve"], environment: ["PORT": String(first.port)])
        #expect(second.waitForExit() == 1)
        #expect(second.stderrText.split(separator: "\n").count == 1)
    }

    @Test("no subcommand means serve; the command line beats the environment")
    func defaultSubcommand() throws {
        let server = try ServerProcess.start(arguments: ["--log-level", "notice"], environment: ["LOG_LEVEL": "debug"])
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
        #expect(server.stop() == 0)
        #expect(!server.stdoutLines.contains { $0.contains("\"message\":\"request\"") }, "info lines logged at notice")
    }

    @Test("--help and config check work, and secrets are masked")
    func cli() throws {
        let help = try ServerProcess(arguments: ["--help"])
        #expect(help.waitForExit() == 0)
        #expect(help.stdoutLines.joined().contains("config"))
        let check = try ServerProcess(
            arguments: ["config", "check"],
            environment: [
                "JWT_SECRET": "a-very-secret-value-that-must-not-appear", "DATABASE_URL": "postgres://u:hunter2@db:5432/c",
                "METRICS_TOKEN": "metrics-token-that-must-not-appear",
            ])
        #expect(check.waitForExit() == 0)
        let output = check.stdoutLines.joined(separator: "\n")
        #expect(output.contains("PORT=0"))
        #expect(!output.contains("a-very-secret-value"))
        #expect(!output.contains("hunter2"))
        #expect(!output.contains("metrics-token-that"))
        #expect(output.contains("METRICS_TOKEN=<set, 34 bytes>"))
    }

    @Test("logs are JSON lines, with one access line per request carrying the request id")
    func accessLog() throws {
        let server = try ServerProcess.start()
        let client = try RawHTTPClient(port: server.port)
        _ = try client.get("/healthz", headers: ["X-Request-Id: log-test-1"])
        _ = try client.get("/nowhere", headers: ["X-Request-Id: log-test-2"])
        #expect(server.stop() == 0)
        #expect(server.stdoutLines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
        let access = server.logObjects.filter { $0["message"] as? String == "request" }
        #expect(access.count == 2)
        let first = try #require(access.first { $0["request_id"] as? String == "log-test-1" })
        #expect(first["method"] as? String == "GET")
        #expect(first["path"] as? String == "/healthz")
        #expect(first["route"] as? String == "/healthz")
        #expect(first["status"] as? Int == 200)
        #expect(first["bytes"] as? Int == 15)
        #expect(first["peer"] as? String == "127.0.0.1")
        #expect(first["duration_ms"] is Double)
        #expect(first["timestamp"] is String && first["level"] as? String == "info")
        #expect(access.contains { $0["request_id"] as? String == "log-test-2" && $0["status"] as? Int == 404 })
    }
}

/// A container runs its entrypoint as PID 1, for which the kernel drops signals that have no
/// handler. A new PID namespace reproduces that without a Docker engine.
@Suite("conduit as PID 1")
struct PIDOneTests {
    static let unshare = ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"]

    static var canUnshare: Bool {
        guard FileManager.default.isExecutableFile(atPath: unshare[0]) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: unshare[0])
        probe.arguments = Array(unshare.dropFirst()) + ["/bin/true"]
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    @Test("SIGTERM from outside the namespace drains and exits 0, logs on stdout", .enabled(if: canUnshare))
    func pidOne() throws {
        // A slow password hash keeps a registration in flight while the signal arrives.
        let server = try ServerProcess.start(environment: ["PASSWORD_HASH_COST": "16"], launcher: Self.unshare)
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
        let child = try #require(server.childPIDs.first)
        let namespacePID = try String(contentsOfFile: "/proc/\(child)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("NSpid:") }?.split(separator: "\t").last
        #expect(namespacePID == "1", "conduit is PID 1 in its namespace")
        let inFlight = try RawHTTPClient(port: server.port)
        try inFlight.send(RawHTTPClient.request(
            "POST", "/api/users", headers: ["Content-Type: application/json"],
            body: #"{"user":{"username":"pid1","email":"pid1@x.yz","password":"password123"}}"#))
        // In flight: the server has read the request (its socket holds nothing unread) and is
        // hashing the password.
        #expect(waitUntil { server.unreadBytes(fromClientPort: inFlight.localPort) == 0 })
        kill(child, SIGTERM)
        #expect(try inFlight.readResponse().status == 201, "the request in flight at SIGTERM is answered")
        #expect(server.waitForExit() == 0)
        let messages = server.logObjects.compactMap { $0["message"] as? String }
        #expect(messages.contains("request") && messages.contains("draining") && messages.last == "stopped")
        #expect(server.logObjects.contains { $0["route"] as? String == "/api/users" && $0["status"] as? Int == 201 })
    }
}

@Suite("conduit database lifecycle")
struct DatabaseLifecycleTests {
    @Test("serve creates and migrates the SQLite default; readyz checks it; migrate is idempotent")
    func defaultDatabase() throws {
        let server = try ServerProcess.start(environment: ["DATABASE_URL": ""])  // the default, on every pass
        defer { withExtendedLifetime(server) {} }  // its working directory holds the database
        #expect(try RawHTTPClient(port: server.port).get("/readyz").status == 200)
        #expect(server.stop() == 0)
        let file = server.workingDirectory.appendingPathComponent("data/conduit.sqlite").path
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(server.logObjects.contains { $0["message"] as? String == "migration applied" })

        let migrate = try ServerProcess(
            arguments: ["migrate"], environment: ["DATABASE_URL": "sqlite:\(file)", "LOG_LEVEL": "warning"])
        #expect(migrate.waitForExit() == 0)
        #expect(migrate.stdoutLines.contains("schema up to date"))
    }

    @Test("a database that cannot be opened stops start-up with one line")
    func unopenable() throws {
        let server = try ServerProcess(arguments: ["serve"], environment: ["DATABASE_URL": "sqlite:/proc/no/such/dir/x.sqlite"])
        let status = server.waitForExit()
        #expect(status != nil && status != 0)
        #expect(server.stderrText.split(separator: "\n").count == 1)
        #expect(server.stderrText.contains("database"))
    }
}
