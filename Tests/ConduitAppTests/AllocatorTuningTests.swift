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
        // keep them. Tests on other threads allocate meanwhile: half the block kept is enough,
        // and one attempt in three.
        let kept = (0..<3).contains { attempt in
            let size = (3 << 20) + attempt << 18
            let freeBefore = mallinfo2().fordblks
            let block = malloc(size)!
            memset(block, 1, size)
            free(block)
            // With glibc's defaults the block is mapped and unmapped, or trimmed off the heap's top.
            return mallinfo2().fordblks >= freeBefore + size / 2
        }
        #expect(kept)
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
