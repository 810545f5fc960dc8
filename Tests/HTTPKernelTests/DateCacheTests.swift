import Testing

@testable import HTTPKernel

@Suite("Date cache")
struct DateCacheTests {
    @Test("formats IMF-fixdate as RFC 9110 shows it")
    func formatsRFCExample() {
        #expect(DateCache.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(DateCache.format(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(DateCache.format(epochSeconds: 1_795_000_000) == "Wed, 18 Nov 2026 11:06:40 GMT")
    }

    @Test("reformats only when the second changes")
    func refreshesOncePerSecond() {
        var cache = DateCache(now: 784_111_777)
        #expect(cache.refresh(now: 784_111_777) == false)
        #expect(cache.value == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(cache.refresh(now: 784_111_778) == true)
        #expect(cache.value == "Sun, 06 Nov 1994 08:49:38 GMT")
    }
}
