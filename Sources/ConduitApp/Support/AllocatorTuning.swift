#if canImport(Glibc)
import CMalloc
#endif

/// How the process's allocator keeps freed memory.
///
/// glibc's malloc gives the free top of a thread's heap back to the kernel once it passes
/// `M_TRIM_THRESHOLD` (128 KiB by default) and takes it back, page fault by page fault, on the
/// next request: every request allocates and frees its row values, strings and response bytes
/// on the threads it crosses. Under the benchmark's load that churn (`madvise`, page faults,
/// heap growth) took about a third of the server's CPU: the read mix served 1.3-1.6x more with
/// the settings below, and the resident size after the three mixes was the same (44 MB).
///
/// Up to `trimThreshold` stays free in each heap, heaps grow by `topPad` at a time, and blocks
/// up to `mmapThreshold` come from the heaps (setting the trim threshold stops glibc from
/// raising the mmap threshold by itself). An operator who tunes malloc through the
/// environment (`GLIBC_TUNABLES` with `glibc.malloc.*`, or `MALLOC_*_`) keeps their settings.
public enum AllocatorTuning {
    static let trimThreshold: Int32 = 32 << 20
    static let topPad: Int32 = 4 << 20
    static let mmapThreshold: Int32 = 4 << 20

    /// Whether `environment` already tunes glibc's malloc.
    static func operatorTunes(_ environment: [String: String]) -> Bool {
        if environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.") == true { return true }
        return environment.keys.contains { $0.hasPrefix("MALLOC_") && $0.hasSuffix("_") }
    }

    /// Applies the settings unless the environment tunes malloc; whether it did.
    @discardableResult
    public static func apply(environment: [String: String]) -> Bool {
        guard !operatorTunes(environment) else { return false }
        #if canImport(Glibc)
        // Each returns 1 on success; a refused setting leaves glibc's default, which is correct.
        return mallopt(M_MMAP_THRESHOLD, mmapThreshold) == 1
            && mallopt(M_TRIM_THRESHOLD, trimThreshold) == 1
            && mallopt(M_TOP_PAD, topPad) == 1
        #else
        return false
        #endif
    }
}
