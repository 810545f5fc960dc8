import Foundation
import HTTPKernel

/// Reads a JSON request body into a dictionary, refusing what no endpoint accepts: a body that
/// is not JSON (400), a top level that is not an object (400) and nesting deeper than
/// `maxDepth` (400, checked before parsing so a hostile body cannot exhaust the stack).
enum JSONBody {
    static let maxDepth = 16

    static func object(_ request: HTTPRequest) throws(AppError) -> [String: Any] {
        guard !request.body.isEmpty else { throw .malformedBody("a JSON object is required") }
        guard depth(of: request.body) <= maxDepth else { throw .malformedBody("JSON nested too deeply") }
        guard let value = try? JSONSerialization.jsonObject(with: Data(request.body)) else {
            throw .malformedBody("invalid JSON")
        }
        guard let object = value as? [String: Any] else { throw .malformedBody("a JSON object is required") }
        return object
    }

    /// The object under `key` (`{"user": {...}}`), which must be present.
    static func envelope(_ request: HTTPRequest, key: String) throws(AppError) -> Fields {
        guard let inner = try object(request)[key] as? [String: Any] else {
            throw .validation([key: ["can't be blank"]])
        }
        return Fields(inner)
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

/// Which control characters a text field takes. Free text (an article's body and description,
/// a comment, a bio) is written in several lines and may be indented: LF, CR and TAB pass and are
/// stored byte for byte. Names, titles, tags and emails are one line: no control character.
enum TextKind {
    case singleLine
    case multiline

    func accepts(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.properties.generalCategory == .control else { return true }
        return self == .multiline && (scalar == "\n" || scalar == "\r" || scalar == "\t")
    }
}

/// Declarative field rules for one request object; every failure is collected, then `check()`
/// throws them all as one 422.
struct Fields {
    private let object: [String: Any]
    private(set) var errors: [String: [String]] = [:]

    init(_ object: [String: Any]) { self.object = object }

    /// Present, a string, not blank, at most `max` characters, only the control characters
    /// `kind` allows.
    mutating func required(_ name: String, max: Int, min: Int = 1, kind: TextKind = .singleLine) -> String? {
        switch object[name] {
        case nil, is NSNull:
            fail(name, "can't be blank")
        case let text as String:
            return validated(name, text, max: max, min: min, kind: kind)
        default:
            fail(name, "must be a string")
        }
        return nil
    }

    /// Absent (nil), or present and valid as for `required`; null is refused.
    mutating func optional(_ name: String, max: Int, min: Int = 1, kind: TextKind = .singleLine) -> String? {
        guard object[name] != nil else { return nil }
        return required(name, max: max, min: min, kind: kind)
    }

    /// Absent (unchanged), null (clear), or free text (``TextKind/multiline``) of at most `max`
    /// characters.
    mutating func patch(_ name: String, max: Int) -> Patch<String> {
        switch object[name] {
        case nil: return .unchanged
        case is NSNull: return .clear
        case let text as String:
            guard text.count <= max else {
                fail(name, "is too long (maximum is \(max) characters)")
                return .unchanged
            }
            guard text.unicodeScalars.allSatisfy(TextKind.multiline.accepts) else {
                fail(name, "is invalid")
                return .unchanged
            }
            return .set(text)
        default:
            fail(name, "must be a string")
            return .unchanged
        }
    }

    /// Absent (nil), or an array of strings each valid as for `required`; null is refused.
    mutating func stringList(_ name: String, maxItems: Int, maxLength: Int) -> [String]? {
        switch object[name] {
        case nil: return nil
        case let items as [Any]:
            guard items.count <= maxItems else {
                fail(name, "has too many items (maximum is \(maxItems))")
                return nil
            }
            var values: [String] = []
            for item in items {
                guard let text = item as? String else {
                    fail(name, "must be a list of strings")
                    return nil
                }
                guard let valid = validated(name, text.trimmingCharacters(in: .whitespaces), max: maxLength, min: 1, kind: .singleLine)
                else { return nil }
                values.append(valid)
            }
            return values
        default:
            fail(name, "must be a list of strings")
            return nil
        }
    }

    /// Records a failure when `name` is present as JSON null (absent is fine).
    mutating func refuseNull(_ name: String) {
        if object[name] is NSNull { fail(name, "can't be null") }
    }

    mutating func fail(_ name: String, _ message: String) { errors[name, default: []].append(message) }

    func check() throws(AppError) {
        if !errors.isEmpty { throw .validation(errors) }
    }

    /// ``check()``, then the values of the required fields read before it: every one of them
    /// is present once no field failed, so a handler gets them unwrapped, in order.
    func check<each Value>(_ values: repeat (each Value)?) throws(AppError) -> (repeat each Value) {
        try check()
        return (repeat try Self.present(each values, errors))
    }

    private static func present<Value>(_ value: Value?, _ errors: [String: [String]]) throws(AppError) -> Value {
        // A required field that is nil has failed, and check() threw already.
        guard let value else { throw .validation(errors) }
        return value
    }

    private mutating func validated(_ name: String, _ text: String, max: Int, min: Int, kind: TextKind) -> String? {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            fail(name, "can't be blank")
        } else if text.count < min {
            fail(name, "is too short (minimum is \(min) characters)")
        } else if text.count > max {
            fail(name, "is too long (maximum is \(max) characters)")
        } else if !text.unicodeScalars.allSatisfy(kind.accepts) {
            fail(name, "is invalid")
        } else {
            return text
        }
        return nil
    }
}
