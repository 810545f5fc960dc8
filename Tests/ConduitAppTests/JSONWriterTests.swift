import Foundation
import Testing

@testable import ConduitApp

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("integers are written as their decimal digits, zero, signs and the extremes included",
          arguments: [0, 7, 9, 10, 42, 100, 1_234_567_890, -1, -10, -987_654, Int64.max, Int64.min])
    func integers(_ value: Int64) {
        var json = JSONWriter()
        json.integer(value)
        #expect(String(decoding: json.bytes, as: UTF8.self) == String(value))
        var fromInt = JSONWriter()
        fromInt.integer(Int(value))
        #expect(fromInt.bytes == json.bytes)
    }

    @Test("strings escape quotes, backslashes and control characters, and keep the rest as it is")
    func strings() throws {
        let text = "plain \"quoted\" back\\slash new\nline tab\t bell\u{07} é 😀 </script>"
        var json = JSONWriter()
        json.raw("[")
        json.string(text)
        json.raw(",")
        json.integer(-3)
        json.raw("]")
        let decoded = try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [Any]
        #expect(decoded?.first as? String == text)
        #expect(decoded?.last as? Int == -3)
        #expect(String(decoding: json.bytes, as: UTF8.self).contains(#"\u0007"#))
    }
}
