import Foundation
import HTTPKernel

/// A JSON request body, the object under its envelope key (`{"article": {...}}`), read and
/// validated by the type's own rules (``init(validating:)``): once decoded, a value is valid,
/// and every failing field of a request is reported in one 422.
protocol RequestBody: Sendable {
    /// The key the object comes under: `user`, `article`, `comment`.
    static var envelope: String { get }
    /// Reads every field through `fields`, which records each failure; nil when one failed.
    init?(validating fields: inout Fields)
}

/// Decodes request bodies with `JSONDecoder`, refusing what no endpoint accepts: a body that
/// is not JSON (400), a top level that is not an object (400), nesting deeper than `maxDepth`
/// (400, checked before parsing so a hostile body cannot exhaust the stack), an envelope that
/// is missing or not an object (422).
enum JSONBody {
    static let maxDepth = 16

    static func decode<Body: RequestBody>(_ type: Body.Type, from request: HTTPRequest) throws(AppError) -> Body {
        guard !request.body.isEmpty else { throw .malformedBody("a JSON object is required") }
        guard depth(of: request.body) <= maxDepth else { throw .malformedBody("JSON nested too deeply") }
        do {
            return try JSONDecoder().decode(Envelope<Body>.self, from: Data(request.body)).body
        } catch let error as AppError {
            throw error
        } catch DecodingError.typeMismatch {
            throw .malformedBody("a JSON object is required")
        } catch {
            throw .malformedBody("invalid JSON")
        }
    }

    /// The top-level object: the body under its key, validated.
    private struct Envelope<Body: RequestBody>: Decodable {
        let body: Body

        init(from decoder: any Decoder) throws {
            let top = try decoder.container(keyedBy: FieldKey.self)
            let key = FieldKey(Body.envelope)
            guard let inner = try? top.nestedContainer(keyedBy: FieldKey.self, forKey: key) else {
                throw AppError.validation([Body.envelope: ["can't be blank"]])
            }
            var fields = Fields(inner)
            let body = Body(validating: &fields)
            try fields.check()
            // A type that failed without saying which field is a bug; still a 422, not a crash.
            guard let body else { throw AppError.validation([Body.envelope: ["is invalid"]]) }
            self.body = body
        }
    }

    /// Maximum bracket nesting, ignoring brackets inside strings.
    static func depth(of bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
