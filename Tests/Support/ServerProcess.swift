import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs a built executable of this package (`conduit`, `hello`) as a child process on a free
/// loopback port, captures its stdout and stderr, and stops it by PID.
public final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` is only used from the test that owns this object; what the process
    // printed and whether it exited are behind `captured`'s lock.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let process: Process
    public private(set) var port = 0
    public let workingDirectory: URL
    /// The DATABASE_URL the process got (nil: its default, an SQLite file in `workingDirectory`).
    public let databaseURL: String?
    private let captured = CapturedOutput()

    /// What the process printed, and whether its output ended and it exited: the events the
    /// waits below wait on (a condition, woken by the reader threads and the termination handler).
    private final class CapturedOutput: @unchecked Sendable {
        // @unchecked: `state` is only read and written holding `condition`.
        struct State {
            var stdout: [String] = []
            var stderr = ""
            var stdoutEnded = false
            var stderrEnded = false
            var exited = false
        }
        private let condition = NSCondition()
        private var state = State()

        func withLock<T>(_ body: (inout State) -> T) -> T {
            condition.lock()
            defer {
                condition.broadcast()
                condition.unlock()
            }
            return body(&state)
        }

        /// Blocks until `predicate` holds or `timeout` seconds pass; returns whether it holds.
        func wait(timeout: TimeInterval, until predicate: (State) -> Bool) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            let deadline = Date(timeIntervalSinceNow: timeout)
            while !predicate(state) { if !condition.wait(until: deadline) { return predicate(state) } }
            return true
        }
    }

    /// The directory holding the package's built products: `CONDUIT_BIN_DIR`, or the folder of
    /// the running test bundle (SwiftPM puts both in the same build folder).
    public static var binDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["CONDUIT_BIN_DIR"] { return URL(fileURLWithPath: path) }
        var executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        while executable.pathComponents.count > 1 {
            executable.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: executable.appendingPathComponent("conduit").path) { return executable }
        }
        return URL(fileURLWithPath: ".build/debug")
    }

    /// Starts `product` without waiting for it to listen (for start-up failures).
    /// With `launcher` (such as `["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"]`) the
    /// product runs as that command's child.
    public init(
        product: String = "conduit", arguments: [String] = [], environment: [String: String] = [:], launcher: [String] = []
    ) throws {
        workingDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("conduit-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workingDirectory, withIntermediateDirectories: true)
        process = Process()
        let binary = Self.binDirectory.appendingPathComponent(product)
        if let command = launcher.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(launcher.dropFirst()) + [binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = workingDirectory
        var env = ["PATH": "/usr/bin:/bin", "HOST": "127.0.0.1", "PORT": "0", "LOG_LEVEL": "info", "LOG_FORMAT": "json"]
        // The PostgreSQL pass of the end-to-end suite: a fresh database per server unless the
        // test chose its own. An empty DATABASE_URL means the binary's own default (SQLite).
        if product == "conduit", environment["DATABASE_URL"] == nil, TestPostgres.endToEndOnPostgres {
            env["DATABASE_URL"] = try TestPostgres.createDatabase()
        }
        env.merge(environment) { $1 }
        if env["DATABASE_URL"] == "" { env.removeValue(forKey: "DATABASE_URL") }
        databaseURL = env["DATABASE_URL"]
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let captured = self.captured
        process.terminationHandler = { _ in captured.withLock { $0.exited = true } }
        try process.run()
        Thread.detachNewThread {
            let handle = stdout.fileHandleForReading
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    captured.withLock { $0.stdout.append(line) }
                }
            }
            captured.withLock { $0.stdoutEnded = true }
        }
        Thread.detachNewThread {
            let data = stderr.fileHandleForReading.readDataToEndOfFile()
            captured.withLock {
                $0.stderr += String(decoding: data, as: UTF8.self)
                $0.stderrEnded = true
            }
        }
    }

    /// Starts `product` and waits for its "listening" log line, which carries the port.
    public static func start(
        product: String = "conduit", arguments: [String] = ["serve"], environment: [String: String] = [:],
        launcher: [String] = []
    ) throws -> ServerProcess {
        let server = try ServerProcess(product: product, arguments: arguments, environment: environment, launcher: launcher)
        // Until it says where it listens, or its output ends (it exited).
        _ = server.captured.wait(timeout: 30) { state in state.stdoutEnded || state.stdout.contains { $0.contains("\"listening\"") } }
        if let line = server.stdoutLines.first(where: { $0.contains("\"listening\"") }),
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let port = object["port"] as? Int
        {
            server.port = port
            return server
        }
        server.kill()
        throw Failure(description: "\(product) did not start: \(server.stderrText) \(server.stdoutLines.joined(separator: "\n"))")
    }

    public var stdoutLines: [String] { captured.withLock { $0.stdout } }

    /// Blocks until a log line contains `text` (or the output ends, or `timeout` passes);
    /// returns whether one does.
    public func waitForLog(containing text: String, timeout: TimeInterval = 30) -> Bool {
        _ = captured.wait(timeout: timeout) { state in state.stdoutEnded || state.stdout.contains { $0.contains(text) } }
        return stdoutLines.contains { $0.contains(text) }
    }

    /// Bytes that the server's socket for the connection from `clientPort` has received but
    /// the server has not read yet (`/proc/net/tcp`), or nil when no such connection is listed.
    public func unreadBytes(fromClientPort clientPort: Int) -> Int? {
        // Read to the end: procfs reports a size of 0, which whole-file readers may trust.
        guard let handle = FileHandle(forReadingAtPath: "/proc/net/tcp") else { return nil }
        defer { try? handle.close() }
        let table = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let local = String(format: ":%04X", port), remote = String(format: ":%04X", clientPort)
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[1].hasSuffix(local), fields[2].hasSuffix(remote) else { continue }
            return fields[4].split(separator: ":").last.flatMap { Int($0, radix: 16) }
        }
        return nil
    }
    public var stderrText: String { captured.withLock { $0.stderr } }

    /// The JSON log lines as objects.
    public var logObjects: [[String: Any]] {
        stdoutLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    public var pid: Int32 { process.processIdentifier }

    public func signal(_ number: Int32) { Glibc.kill(pid, number) }

    /// The PIDs of the process's children (the real server when a launcher is used).
    public var childPIDs: [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0) }
    }

    /// Waits for the process to exit; returns its status, or nil after `timeout` seconds.
    public func waitForExit(timeout: TimeInterval = 20) -> Int32? {
        guard captured.wait(timeout: timeout, until: \.exited) else { return nil }
        // The last lines: the readers reach the end of the pipes (a child that inherited them
        // and outlives the process would hold them open: bounded).
        _ = captured.wait(timeout: 5) { $0.stdoutEnded && $0.stderrEnded }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Stops the process with SIGTERM and returns its exit status.
    @discardableResult
    public func stop() -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        signal(SIGTERM)
        return waitForExit()
    }

    public func kill() {
        if process.isRunning { signal(SIGKILL) }
        _ = waitForExit(timeout: 5)
    }

    /// User plus system CPU time of the process so far, in clock ticks.
    public var cpuTicks: Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// Open file descriptors of the process (sockets included).
    public var openDescriptorCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    deinit {
        if process.isRunning { Glibc.kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(at: workingDirectory)
    }
}
