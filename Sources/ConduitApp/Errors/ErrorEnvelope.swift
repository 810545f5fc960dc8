import HTTPKernel

/// Conduit's error body, `{"errors":{"key":["message", ...]}}` with keys sorted so bodies are
/// stable: what the error middleware, the rate limiter and the kernel's own answers (refused
/// heads, a shed 503) write, through ``format``.
enum ErrorEnvelope {
    static let format = ErrorBodyFormat(contentType: "application/json; charset=utf-8", encode: encode)

    static func encode(_ errors: [String: [String]]) -> [UInt8] {
        var out = "{\"errors\":{"
        for (index, key) in errors.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            out += JSONString.quote(key) + ":["
            out += errors[key, default: []].map(JSONString.quote).joined(separator: ",")
            out += "]"
        }
        out += "}}"
        return Array(out.utf8)
    }
}
