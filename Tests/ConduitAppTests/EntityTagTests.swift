import Testing

@testable import ConduitApp

@Suite("Entity tags")
struct EntityTagTests {
    @Test("a strong tag is the first 128 bits of the body's SHA-256, in lowercase hex, quoted")
    func firstHalfOfTheDigest() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223 b00361a396177a9cb410ff61f20015ad
        #expect(ConditionalGetMiddleware.entityTag(of: Array("abc".utf8)) == #""ba7816bf8f01cfea414140de5dae2223""#)
        #expect(ConditionalGetMiddleware.entityTag(of: []) == #""e3b0c44298fc1c149afbf4c8996fb924""#)
    }

    @Test("If-None-Match matches weakly, in a list, or by *")
    func matching() {
        let tag = ConditionalGetMiddleware.entityTag(of: Array("abc".utf8))
        #expect(ConditionalGetMiddleware.matches(tag, tag))
        #expect(ConditionalGetMiddleware.matches("W/" + tag, tag))
        #expect(ConditionalGetMiddleware.matches(#""x", "# + tag + #" , "y""#, tag))
        #expect(ConditionalGetMiddleware.matches("*", tag))
        #expect(ConditionalGetMiddleware.matches(#""other""#, tag) == false)
    }
}
