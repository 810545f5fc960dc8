import HTTPKernel
import HTTPTestSupport
import Testing

@testable import ConduitApp

/// The W3C checks the tracing middleware applies before the tracer sees a header.
@Suite("Trace context validation")
struct TraceContextValidationTests {
    @Test("hands the tracer a traceparent only when valid and a tracestate only when valid too", arguments: TraceContextCase.all(secret: "s3cret"))
    func cases(_ shape: TraceContextCase) {
        let incoming = IncomingTraceContext(HTTPHeaders(shape.fields))
        #expect((incoming != nil) == shape.continues)
        #expect(incoming?.tracestate == shape.tracestate)
        if let incoming {
            let parent = TraceParent(incoming.traceparent)
            #expect(parent?.traceID == TraceContextCase.traceID && parent?.spanID == TraceContextCase.spanID)
        }
    }

    @Test("a traceparent is handed over as version 00, keeping the flags of 00 and only the sampled bit of later versions")
    func rewritten() {
        let ids = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"
        #expect(TraceParent("00-\(ids)-03")?.headerValue == "00-\(ids)-03")
        #expect(TraceParent("\t00-\(ids)-01 ")?.headerValue == "00-\(ids)-01")
        #expect(TraceParent("cc-\(ids)-03-more")?.headerValue == "00-\(ids)-01")
        #expect(TraceParent("01-\(ids)-fe")?.headerValue == "00-\(ids)-00")
        #expect(TraceParent("00-\(ids)-ff")?.flags == 0xFF)
    }

    @Test("tracestate keys: simple and tenant@system, within their lengths")
    func keys() {
        for key in ["a", "a0_-*/", "0tenant@system", String(repeating: "t", count: 241) + "@" + String(repeating: "s", count: 14)] {
            #expect(TraceStateList.isKey(key.utf8), "\(key)")
        }
        for key in ["", "A", "0a", "a.b", "a b", "@a", "a@", "a@0b", "a@b@c", "a@B", String(repeating: "a", count: 257)] {
            #expect(!TraceStateList.isKey(key.utf8), "\(key)")
        }
    }

    @Test("tracestate values: 1 to 256 printable characters, no comma or equals sign, no trailing space")
    func values() {
        for value in ["x", " x", "a b", String(repeating: "v", count: 256)] { #expect(TraceStateList.isValue(value.utf8), "\(value)") }
        for value in ["", "x ", "a,b", "a=b", "a\tb", "\u{7F}", "\u{E9}", String(repeating: "v", count: 257)] {
            #expect(!TraceStateList.isValue(value.utf8), "\(value)")
        }
    }
}
