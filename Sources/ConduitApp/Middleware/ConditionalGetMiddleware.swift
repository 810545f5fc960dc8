import Crypto
import HTTPKernel

/// Conditional GET (RFC 9110 §8.8.3, §13.1.2): a GET or HEAD answered 200 with a JSON body gets
/// a strong `ETag`, a hash of the bytes sent; a request whose `If-None-Match` matches it (one of
/// a list, or `*`, compared weakly as the RFC says for this header) gets `304 Not Modified`
/// with no body and the same headers (`ETag`, `Vary`, `Cache-Control`...). A frontend that
/// polls a feed then costs the network a head instead of the page. `Cache-Control: no-store`
/// stays on answers to credentialed requests: the 304 only tells a client that the body it
/// holds is still current.
struct ConditionalGetMiddleware: SynchronousMiddleware {
    func finish(_ response: inout HTTPResponse, for request: HTTPRequest) {
        guard request.method == .get || request.method == .head, response.status == 200, !response.body.isEmpty,
              response.headers["Content-Type"]?.hasPrefix("application/json") == true
        else { return }
        let tag = Self.entityTag(of: response.body)
        response.headers.set("ETag", tag)
        guard let condition = request.headers["If-None-Match"], Self.matches(condition, tag) else { return }
        response.status = 304
        response.body = []
        // A 304 carries the validators and Vary, not the metadata of a body it does not have.
        response.headers.remove("Content-Type")
        response.headers.remove("Content-Encoding")
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// `"` + the first 128 bits of the body's SHA-256 in hex + `"`.
    static func entityTag(of body: [UInt8]) -> String {
        let digest = SHA256.hash(data: body)
        let hex = Self.hexDigits.utf8Start
        // Written straight into the string's storage: no arrays on every JSON answer.
        return String(unsafeUninitializedCapacity: 34) { text in
            text[0] = UInt8(ascii: "\"")
            var index = 1
            for byte in digest.prefix(16) {
                text[index] = hex[Int(byte >> 4)]
                text[index + 1] = hex[Int(byte & 0x0F)]
                index += 2
            }
            text[index] = UInt8(ascii: "\"")
            return index + 1
        }
    }

    /// Whether an `If-None-Match` value names `tag`: `*`, or a comma-separated list of entity
    /// tags, each compared weakly (a `W/` prefix on either side is ignored).
    static func matches(_ condition: String, _ tag: String) -> Bool {
        let wanted = opaque(Substring(tag))
        for candidate in condition.split(separator: ",") {
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            if trimmed == "*" { return true }
            if opaque(Substring(trimmed)) == wanted { return true }
        }
        return false
    }

    private static func opaque(_ tag: Substring) -> Substring {
        tag.hasPrefix("W/") ? tag.dropFirst(2) : tag
    }
}
