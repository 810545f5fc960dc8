import HTTPTestSupport
import Logging
import Synchronization
import Testing

@testable import HTTPKernel

/// The kernel's access line: one per response, with the fields an application adds.
@Suite("Access log")
struct AccessLogTests {
    /// Keeps every record's message and metadata.
    struct Recorder: LogHandler {
        final class Records: Sendable {
            let lines = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
        }
        let records: Records
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let fields = metadata.merging(event.metadata ?? [:]) { $1 }
            records.lines.withLock { $0.append((event.message.description, fields)) }
        }
    }

    @Test("the access line carries the log metadata a response brings, without overriding the kernel's fields")
    func responseMetadata() async throws {
        var router = Router()
        router.get("/tagged") { _ in
            var response = HTTPResponse.text("ok")
            response.logMetadata = ["trace_id": "abc", "status": "forged"]
            return response
        }
        router.get("/plain") { _ in .text("ok") }
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.eventLoops = 1
        let records = Recorder.Records()
        let server = HTTPServer(
            configuration: configuration, responder: RoutedPipeline([], router: router),
            logger: Logger(label: "test") { _ in Recorder(records: records) })
        let port = try server.start()
        let client = try RawHTTPClient(port: port)
        #expect(try client.get("/tagged").status == 200)
        #expect(try client.get("/plain").status == 200)
        server.shutdown(graceSeconds: 5)
        await server.waitUntilStopped()
        let access = records.lines.withLock { $0 }.filter { $0.message == "request" }
        #expect(access.count == 2)
        let tagged = try #require(access.first { $0.metadata["path"] == "/tagged" })
        #expect(tagged.metadata["trace_id"] == "abc")
        #expect(tagged.metadata["status"] == .stringConvertible(200), "the kernel's status wins")
        let plain = try #require(access.first { $0.metadata["path"] == "/plain" })
        #expect(plain.metadata["trace_id"] == nil)
    }
}
