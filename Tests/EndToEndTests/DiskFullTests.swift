import Foundation
import HTTPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The SQLite file on a small tmpfs that fills up (mounting one needs root, as in CI).
@Suite("conduit with a full disk", .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct DiskFullTests {
    let api = UsersAPITests()

    @discardableResult
    func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Writes until the file system refuses: what is left for the database is then nothing.
    func fill(_ path: String) {
        guard let file = fopen(path, "w") else { return }
        let block = [UInt8](repeating: 0x61, count: 4096)
        while fwrite(block, 1, block.count, file) == block.count, fflush(file) == 0 {}
        fclose(file)
    }

    @Test("writes answer 503 in the envelope and log their cause with the request id; reads and probes go on; space back, writes work again and nothing acknowledged is lost")
    func diskFull() throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("conduit-full-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        #expect(run(["/bin/mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]) == 0)
        defer {
            run(["/bin/umount", "-l", mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let server = try ServerProcess.start(environment: UsersAPITests.environment.merging(["DATABASE_URL": "sqlite:\(mountPoint)/conduit.sqlite"]) { $1 })
        defer { server.stop() }
        let port = server.port
        let token = try ArticlesAPITests().register(port, "writer")
        var acknowledged: [String] = []
        func post(_ index: Int) throws -> (status: Int, json: [String: Any]) {
            let body = String(repeating: "word ", count: 2000)
            let response = try api.call(port, "POST", "/api/articles", body: #"{"article":{"title":"Article \#(index)","description":"d","body":"\#(body)","tagList":["t\#(index)"]}}"#, token: token)
            if response.status == 201, let slug = (response.json["article"] as? [String: Any])?["slug"] as? String { acknowledged.append(slug) }
            return response
        }
        for index in 0..<5 { #expect(try post(index).status == 201) }

        fill("\(mountPoint)/filler")
        var refused: (status: Int, json: [String: Any])?
        for index in 5..<40 {
            let response = try post(index)
            if response.status != 201 { refused = response; break }
        }
        let full = try #require(refused, "the disk never filled")
        #expect(full.status == 503)
        #expect(api.errors(full.json) == ["database": ["unavailable"]], "the cause stays out of the answer: \(full.json)")
        // Reads, probes and other clients go on.
        #expect(try api.call(port, "GET", "/api/articles").status == 200)
        #expect(try api.call(port, "GET", "/api/articles/\(acknowledged[0])").status == 200)
        #expect(try api.call(port, "GET", "/healthz").status == 200)

        // The log names the cause, once, at error level, with the request id of the 503.
        let failures = server.logObjects.filter { $0["message"] as? String == "request failed" }
        #expect(failures.count == 1, "\(failures)")
        let failure = try #require(failures.first)
        #expect(failure["level"] as? String == "error")
        #expect((failure["cause"] as? String)?.lowercased().contains("full") == true, "\(failure)")
        let access = server.logObjects.first { $0["message"] as? String == "request" && ($0["status"] as? Int == 503 || $0["status"] as? String == "503") }
        #expect(access != nil && access?["request_id"] as? String == failure["request_id"] as? String)

        // Space comes back: writes succeed again, without a restart.
        try FileManager.default.removeItem(atPath: "\(mountPoint)/filler")
        #expect(try post(100).status == 201)
        for slug in acknowledged {
            #expect(try api.call(port, "GET", "/api/articles/\(slug)").status == 200, "\(slug) was acknowledged")
        }
        #expect(server.stop() == 0)
    }
}
