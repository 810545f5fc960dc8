import HTTPKernel
import Instrumentation

/// The caller's trace context as the tracer gets to read it: one `traceparent` that passed
/// ``TraceParent`` (rewritten as version `00`) and a `tracestate` that passed
/// ``TraceStateList``, or no `tracestate`; nil when the request has no valid `traceparent`
/// (none, several, or malformed), and a new trace starts.
///
/// The tracer is given this instead of the request's headers so that it never parses a
/// malformed value: swift-otel 1.6 refuses a bad `tracestate` together with its valid
/// `traceparent`, and logs every header it was given (`Authorization` included) each time
/// it fails (see ``OTelDiagnostics``).
struct IncomingTraceContext: Equatable {
    let traceparent: String
    let tracestate: String?

    init?(_ headers: HTTPHeaders) {
        let parents = headers.values(for: "traceparent")
        guard parents.count == 1, let parent = TraceParent(parents[0]) else { return nil }
        traceparent = parent.headerValue
        tracestate = TraceStateList.normalized(headers.values(for: "tracestate"))
    }

    /// Hands the propagator the two fields, and nothing else the request carried.
    struct Reader: Extractor {
        func extract(key: String, from context: IncomingTraceContext) -> String? {
            switch key.lowercased() {
            case "traceparent": context.traceparent
            case "tracestate": context.tracestate
            default: nil
            }
        }
    }
}
