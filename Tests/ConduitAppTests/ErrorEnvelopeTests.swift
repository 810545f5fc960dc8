import HTTPKernel
import Testing

@testable import ConduitApp

@Suite("Error envelope")
struct ErrorEnvelopeTests {
    @Test("envelope keys are sorted and strings escaped")
    func envelopeEncoding() {
        let bytes = ErrorEnvelope.encode(["title": ["can't be \"empty\""], "body": ["a\nb", "\u{1}"]])
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"errors":{"body":["a\nb","\u0001"],"title":["can't be \"empty\""]}}"#)
    }

    @Test("the kernel writes the envelope for its own answers and the error middleware's")
    func suppliedToTheKernel() {
        let configuration = AppConfiguration(jwtSecret: String(repeating: "k", count: 40)).server
        #expect(configuration.errorFormat.contentType == "application/json; charset=utf-8")
        #expect(configuration.errorFormat.encode(["server": ["busy"]]) == Array(#"{"errors":{"server":["busy"]}}"#.utf8))
        #expect(configuration.serverName == "conduit")
    }
}
