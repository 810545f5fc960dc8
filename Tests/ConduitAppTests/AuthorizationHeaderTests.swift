import Testing

@testable import ConduitApp

@Suite("Authorization header")
struct AuthorizationHeaderTests {
    @Test("the token of either scheme, in any case, without the blanks around it", arguments: [
        ("Token abc.def.ghi", "abc.def.ghi"),
        ("token abc.def.ghi", "abc.def.ghi"),
        ("TOKEN abc.def.ghi", "abc.def.ghi"),
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bEaReR abc.def.ghi", "abc.def.ghi"),
        ("Token   abc.def.ghi  ", "abc.def.ghi"),
        ("Token \tabc.def.ghi\t", "abc.def.ghi"),
    ])
    func accepted(header: String, token: String) {
        #expect(Authentication.token(inAuthorization: header) == token)
    }

    @Test("other schemes, no separator, or no token: none", arguments: [
        "Token", "Token ", "Token   \t", "Tokenabc", "Token\tabc", "Basic dXNlcjpwYXNz", "Tokens abc", "Toke abc",
        "Bearer", "JWT abc", "", " Token abc", "Tøken abc", "Token\u{0}abc",
    ])
    func refused(header: String) {
        #expect(Authentication.token(inAuthorization: header) == nil)
    }

    @Test("a token's inner characters are kept as sent")
    func innerCharacters() {
        #expect(Authentication.token(inAuthorization: "Token a b") == "a b")
        #expect(Authentication.token(inAuthorization: "Bearer é") == "é")
    }
}
