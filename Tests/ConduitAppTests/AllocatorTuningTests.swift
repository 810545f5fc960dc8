import CMalloc
import Glibc
import Testing

@testable import ConduitApp

@Suite("Allocator tuning")
struct AllocatorTuningTests {
    @Test("freed memory stays in the process instead of going back to the kernel")
    func freedMemoryIsKept() {
        #expect(AllocatorTuning.apply(environment: [:]))
        let size = 3 << 20  // past glibc's default mmap threshold, within ours
        let freeBefore = mallinfo2().fordblks
        let block = malloc(size)!
        memset(block, 1, size)
        free(block)
        // With glibc's defaults the block is mapped and unmapped, or trimmed off the heap's top.
        #expect(mallinfo2().fordblks >= freeBefore + size)
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
