import CMalloc
import Glibc
import Testing

@testable import ConduitApp

@Suite("Allocator tuning")
struct AllocatorTuningTests {
    @Test("freed memory stays in the process instead of going back to the kernel")
    func freedMemoryIsKept() {
        #expect(AllocatorTuning.apply(environment: [:]))
        // Past glibc's default mmap threshold, within ours; each size larger than the last, so
        // that glibc's own raising of its threshold (to the last mapped block's size) cannot
        // keep them. The kernel is asked whether the freed block's pages are still mapped and
        // resident: with glibc's defaults the block is unmapped, or trimmed off its heap's top.
        // Counting the heaps' free bytes instead (mallinfo2) was upset by the tests running on
        // other threads. A block glibc had to put in a heap of its own goes back whatever the
        // settings, so one attempt in three is enough.
        let kept = (0..<3).contains { attempt in
            let size = (3 << 20) + attempt << 18
            let block = malloc(size)!
            memset(block, 1, size)
            free(block)
            return Self.residentFraction(of: block, size: size) >= 0.5
        }
        #expect(kept)
    }

    /// The share of the whole pages inside `size` bytes at `start` that are mapped and resident.
    static func residentFraction(of start: UnsafeMutableRawPointer, size: Int) -> Double {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let end = (Int(bitPattern: start) + size) / page * page
        let pages = (end - first) / page
        var resident = [UInt8](repeating: 0, count: pages)
        // ENOMEM: part of the range is no longer mapped.
        guard mincore(UnsafeMutableRawPointer(bitPattern: first), end - first, &resident) == 0 else { return 0 }
        return Double(resident.filter { $0 & 1 == 1 }.count) / Double(pages)
    }

    @Test("an operator's malloc settings in the environment are left alone", arguments: [
        ["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=65536"],
        ["GLIBC_TUNABLES": "glibc.rtld.nns=2:glibc.malloc.arena_max=2"],
        ["MALLOC_ARENA_MAX_": "2"],
        ["MALLOC_TRIM_THRESHOLD_": "131072"],
    ])
    func operatorSettingsWin(environment: [String: String]) {
        #expect(AllocatorTuning.operatorTunes(environment))
        #expect(!AllocatorTuning.apply(environment: environment))
    }

    @Test("other settings do not count as tuning malloc")
    func unrelatedEnvironment() {
        #expect(!AllocatorTuning.operatorTunes(["GLIBC_TUNABLES": "glibc.rtld.nns=2", "MALLOC": "x", "PORT": "8080"]))
    }
}
