/// W3C Trace Context header shapes, after the W3C test suite (w3c/trace-context, test/test.py),
/// for the unit and end-to-end tracing tests: each says whether the server span continues the
/// caller's trace and which `tracestate` the tracer is handed.
public struct TraceContextCase: Sendable, CustomStringConvertible {
    public let description: String
    /// Header fields as sent, in order (names included, for casing and duplicates).
    public let fields: [(name: String, value: String)]
    /// The caller's trace is continued (its trace id, its span as the parent).
    public let continues: Bool
    /// The `tracestate` handed to the tracer; nil when none (dropped, empty or absent).
    public let tracestate: String?

    init(_ description: String, _ fields: [(String, String)], continues: Bool, tracestate: String? = nil) {
        self.description = description
        self.fields = fields.map { (name: $0.0, value: $0.1) }
        self.continues = continues
        self.tracestate = tracestate
    }

    public static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    public static let spanID = "00f067aa0ba902b7"
    static let parent = "00-\(traceID)-\(spanID)-01"

    /// A traceparent that starts a new trace; `tracestate` rides along and must go too.
    static func badParent(_ description: String, _ value: String) -> TraceContextCase {
        TraceContextCase("traceparent \(description)", [("traceparent", value), ("tracestate", "foo=1")], continues: false)
    }

    /// A valid traceparent and tracestate, the tracestate handed over as sent.
    static func valid(_ description: String, _ tracestate: String) -> TraceContextCase {
        TraceContextCase(description, [("traceparent", parent), ("tracestate", tracestate)], continues: true, tracestate: tracestate)
    }

    /// A valid traceparent with a tracestate that must be dropped, the trace still continued.
    static func badState(_ description: String, _ values: String...) -> TraceContextCase {
        TraceContextCase("tracestate \(description)", [("traceparent", parent)] + values.map { ("tracestate", $0) }, continues: true)
    }

    static let members32 = (1...32).map { "m\($0)=\($0)" }
    static let allValueCharacters = String(decoding: Array(0x20...0x2B) + Array(0x2D...0x3C) + Array(0x3E...0x7E), as: UTF8.self)
    static let allKeyCharacters = "abcdefghijklmnopqrstuvwxyz0123456789_-*/"
    static let everyCharacter = "\(allKeyCharacters)=\(allValueCharacters),\(allKeyCharacters)@a-z0-9_-*/=\(allValueCharacters)"
    static let longestKeys =
        String(repeating: "z", count: 256) + "=1," + String(repeating: "t", count: 241) + "@" + String(repeating: "v", count: 14) + "=2"

    /// `secret` goes into values that must never reach a log line or a span.
    public static func all(secret: String) -> [TraceContextCase] {
        let trace = traceID
        let span = spanID
        return [
            // traceparent: refused, a new trace (W3C test_traceparent_*).
            badParent("version ff", "ff-\(trace)-\(span)-01"),
            badParent("version with an illegal character", ".0-\(trace)-\(span)-01"),
            badParent("version upper case", "CC-\(trace)-\(span)-01"),
            badParent("version too long", "000-\(trace)-\(span)-01"),
            badParent("version too short", "0-\(trace)-\(span)-01"),
            badParent("version 00 with an extra field", "00-\(trace)-\(span)-01-what-the-future-will-be-like"),
            badParent("version 00 with a trailing character", "00-\(trace)-\(span)-01."),
            badParent("future version not followed by a dash", "cc-\(trace)-\(span)-01.what-the-future-will-be-like"),
            badParent("future version too short", "cc-\(trace)-\(span)-1"),
            badParent("trace id all zero", "00-00000000000000000000000000000000-\(span)-01"),
            badParent("trace id upper case", "00-\(trace.uppercased())-\(span)-01"),
            badParent("trace id with an illegal character", "00-.\(trace.dropFirst())-\(span)-01"),
            badParent("trace id too long", "00-\(trace)0-\(span)-01"),
            badParent("trace id too short", "00-\(trace.dropLast())-\(span)-01"),
            badParent("parent id all zero", "00-\(trace)-0000000000000000-01"),
            badParent("parent id upper case", "00-\(trace)-\(span.uppercased())-01"),
            badParent("parent id with an illegal character", "00-\(trace)-\(span.dropLast()).-01"),
            badParent("parent id too long", "00-\(trace)-\(span)0-01"),
            badParent("parent id too short", "00-\(trace)-\(span.dropLast())-01"),
            badParent("flags upper case", "00-\(trace)-\(span)-0A"),
            badParent("flags with an illegal character", "00-\(trace)-\(span)-0."),
            badParent("flags too long", "00-\(trace)-\(span)-001"),
            badParent("flags too short", "00-\(trace)-\(span)-1"),
            badParent("wrong delimiters", "00_\(trace)_\(span)_01"),
            badParent("empty", ""),
            badParent("a secret instead", secret),
            TraceContextCase("traceparent twice", [("traceparent", parent), ("traceparent", "00-\(String(trace.reversed()))-\(span)-01")], continues: false),
            TraceContextCase("trace-parent is another header", [("trace-parent", parent)], continues: false),
            TraceContextCase("tracestate without traceparent", [("tracestate", "foo=1")], continues: false),

            // traceparent valid, tracestate invalid: dropped, the trace continued.
            badState("key upper case", "FOO=\(secret)"),
            badState("key with a space", "foo =1"),
            badState("key with a dot", "foo.bar=1"),
            badState("key starting with a digit", "1foo=1"),
            badState("key of 257 characters", "foo=1", String(repeating: "z", count: 257) + "=1"),
            badState("key starting with @", "@foo=1,bar=2"),
            badState("key with two @", "foo@@bar=1,bar=2"),
            badState("key with an empty system", "foo@=1,bar=2"),
            badState("tenant of 242 characters", String(repeating: "t", count: 242) + "@v=1"),
            badState("system of 15 characters", "t@" + String(repeating: "v", count: 15) + "=1"),
            badState("member without =", "foo"),
            badState("value with =", "foo=bar=\(secret)"),
            badState("empty value", "foo=,bar=3"),
            badState("value of 257 characters", "foo=" + String(repeating: "v", count: 257)),
            badState("value with a tab", "foo=a\tb"),
            badState("value not ASCII", "foo=caf\u{E9}"),
            badState("33 members", members32.joined(separator: ","), "m33=33"),

            // Valid: continued, tracestate handed over as one normalized list.
            valid("valid", "foo=1,bar=2"),
            valid("32 tracestate members", members32.joined(separator: ",")),
            valid("longest tracestate keys", longestKeys),
            valid("longest tracestate value", "foo=" + String(repeating: "v", count: 256)),
            valid("every character tracestate allows", everyCharacter),
            TraceContextCase("valid, no tracestate", [("traceparent", parent)], continues: true),
            TraceContextCase("header names in any case", [("TraceParent", parent), ("TRACESTATE", "foo=1")], continues: true, tracestate: "foo=1"),
            TraceContextCase(
                "optional whitespace", [("traceparent", " \t\(parent)\t "), ("tracestate", " foo=1 \t , \t bar=2,\tbaz=3 ")],
                continues: true, tracestate: "foo=1,bar=2,baz=3"),
            TraceContextCase(
                "empty tracestate members", [("traceparent", parent), ("tracestate", ",foo=1,, ,bar=2,"), ("tracestate", "")],
                continues: true, tracestate: "foo=1,bar=2"),
            TraceContextCase("empty tracestate", [("traceparent", parent), ("tracestate", "")], continues: true),
            TraceContextCase(
                "tracestate in several fields",
                [("traceparent", parent), ("tracestate", "foo=1,bar=2"), ("tracestate", "rojo=1,congo=2"), ("tracestate", "baz=3")],
                continues: true, tracestate: "foo=1,bar=2,rojo=1,congo=2,baz=3"),
            TraceContextCase("future version", [("traceparent", "cc-\(trace)-\(span)-01")], continues: true),
            TraceContextCase("future version with more fields", [("traceparent", "cc-\(trace)-\(span)-01-what-the-future-will-be-like")], continues: true),
            TraceContextCase("random and sampled flags", [("traceparent", "00-\(trace)-\(span)-03")], continues: true),
        ]
    }
}
