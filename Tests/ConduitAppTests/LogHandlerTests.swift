import Foundation
import Logging
import Testing

@testable import ConduitApp

@Suite("Log handlers")
struct LogHandlerTests {
    /// Runs `body` with a logger writing into a pipe and returns the lines written.
    func capture(_ body: (Logger) -> Void) throws -> [String] {
        let pipe = Pipe()
        let output = LogOutput(descriptor: pipe.fileHandleForWriting.fileDescriptor)
        var logger = Logger(label: "test") { JSONLogHandler(label: $0, level: .info, output: output) }
        logger[metadataKey: "request_id"] = "req-1"
        body(logger)
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").map(String.init)
    }

    @Test("one JSON object per line with timestamp, level, message, label and metadata")
    func jsonLines() throws {
        let lines = try capture { logger in
            logger.info("hello \"world\"\nsecond line", metadata: ["status": .stringConvertible(200), "path": "/a"])
            logger.debug("not at info")
        }
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["message"] as? String == "hello \"world\"\nsecond line")
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "test")
        #expect(object["request_id"] as? String == "req-1")
        #expect(object["status"] as? Int == 200)
        #expect(object["path"] as? String == "/a")
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(timestamp.count == 24 && timestamp.hasSuffix("Z"))
    }

    @Test("metadata cannot overwrite the reserved fields")
    func reservedFields() throws {
        let lines = try capture { $0.error("real", metadata: ["message": "forged", "level": "debug"]) }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["message"] as? String == "real")
        #expect(object["level"] as? String == "error")
    }
}
