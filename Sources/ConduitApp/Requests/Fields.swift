import Foundation

/// A field name as a coding key.
struct FieldKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
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

/// The rules a ``RequestBody`` reads its fields with: each read checks presence, type,
/// length and characters, records any failure under the field's name and returns the value
/// only when it is valid; ``check()`` then throws every failure as one 422.
struct Fields {
    private let container: KeyedDecodingContainer<FieldKey>
    private(set) var errors: [String: [String]] = [:]
    /// Every field read, in order: what the request type accepts (held to the OpenAPI
    /// document by a test).
    private(set) var names: [String] = []

    init(_ container: KeyedDecodingContainer<FieldKey>) { self.container = container }

    /// Present, a string, not blank, at most `max` characters, only the control characters
    /// `kind` allows.
    mutating func required(_ name: String, max: Int, min: Int = 1, kind: TextKind = .singleLine) -> String? {
        switch read(name) {
        case .absent, .null: fail(name, "can't be blank")
        case .notText: fail(name, "must be a string")
        case let .text(text): return validated(name, text, max: max, min: min, kind: kind)
        }
        return nil
    }

    /// Absent (nil), or present and valid as for `required`; null is refused.
    mutating func optional(_ name: String, max: Int, min: Int = 1, kind: TextKind = .singleLine) -> String? {
        guard container.contains(FieldKey(name)) else {
            names.append(name)
            return nil
        }
        return required(name, max: max, min: min, kind: kind)
    }

    /// Absent (unchanged), null (clear), or free text (``TextKind/multiline``) of at most `max`
    /// characters.
    mutating func patch(_ name: String, max: Int) -> Patch<String> {
        switch read(name) {
        case .absent: return .unchanged
        case .null: return .clear
        case .notText: fail(name, "must be a string")
        case let .text(text):
            if text.count > max {
                fail(name, "is too long (maximum is \(max) characters)")
            } else if !text.unicodeScalars.allSatisfy(TextKind.multiline.accepts) {
                fail(name, "is invalid")
            } else {
                return .set(text)
            }
        }
        return .unchanged
    }

    /// Absent (nil), or an array of strings each valid as for `required` (trimmed of spaces);
    /// null is refused.
    mutating func stringList(_ name: String, maxItems: Int, maxLength: Int) -> [String]? {
        names.append(name)
        let key = FieldKey(name)
        guard container.contains(key) else { return nil }
        if (try? container.decodeNil(forKey: key)) == true {
            fail(name, "can't be null")
            return nil
        }
        guard var items = try? container.nestedUnkeyedContainer(forKey: key) else {
            fail(name, "must be a list of strings")
            return nil
        }
        if let count = items.count, count > maxItems {
            fail(name, "has too many items (maximum is \(maxItems))")
            return nil
        }
        var values: [String] = []
        while !items.isAtEnd {
            guard let text = try? items.decode(String.self) else {
                fail(name, "must be a list of strings")
                return nil
            }
            guard let valid = validated(name, text.trimmingCharacters(in: .whitespaces), max: maxLength, min: 1, kind: .singleLine)
            else { return nil }
            values.append(valid)
        }
        return values
    }

    mutating func fail(_ name: String, _ message: String) { errors[name, default: []].append(message) }

    func check() throws(AppError) {
        if !errors.isEmpty { throw .validation(errors) }
    }

    private enum Value {
        case absent, null, notText
        case text(String)
    }

    private mutating func read(_ name: String) -> Value {
        names.append(name)
        let key = FieldKey(name)
        guard container.contains(key) else { return .absent }
        if (try? container.decodeNil(forKey: key)) == true { return .null }
        guard let text = try? container.decode(String.self, forKey: key) else { return .notText }
        return .text(text)
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
