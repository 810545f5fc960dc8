import Testing

@testable import HTTPKernel

@Suite("Request id rules")
struct RequestIDTests {
    @Test("a safe inbound id is kept", arguments: ["abc", "7f3e-11ab_x.y:z", String(repeating: "a", count: 128)])
    func keepsSafe(_ inbound: String) {
        var generator = RequestID.Generator()
        #expect(RequestID.resolve(inbound: inbound, generator: &generator) == inbound)
    }

    @Test(
        "anything else is replaced",
        arguments: ["", " ", "a b", "a\r\nSet-Cookie: x=1", "<script>", "é", "a/b", String(repeating: "a", count: 129)])
    func replacesUnsafe(_ inbound: String) {
        var generator = RequestID.Generator()
        let id = RequestID.resolve(inbound: inbound, generator: &generator)
        #expect(id != inbound)
        #expect(RequestID.isSafe(id))
    }

    @Test("generated ids are unique and safe")
    func generatedAreUnique() {
        var generator = RequestID.Generator()
        let ids = (0..<10_000).map { _ in generator.next() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy(RequestID.isSafe))
        var other = RequestID.Generator()
        #expect(other.next() != ids[0], "each generator has its own random prefix")
    }
}
