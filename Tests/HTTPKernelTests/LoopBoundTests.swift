import Foundation
@testable import HTTPKernel
import Testing

@Suite("Loop-bound values")
struct LoopBoundTests {
    /// An executor whose loop thread is the caller's: the test thread plays the loop.
    func executorOnThisThread() -> LoopExecutor {
        let executor = LoopExecutor(wake: {})
        executor.bindToCurrentThread()
        return executor
    }

    @Test("a value boxed on its loop's thread opens there")
    func opensOnItsThread() {
        let bound = LoopBound([1, 2, 3], on: executorOnThisThread())
        #expect(bound.value == [1, 2, 3])
    }

    @Test("opening it on another thread traps")
    func trapsOffItsThread() async {
        await #expect(processExitsWith: .failure) {
            let executor = LoopExecutor(wake: {})
            executor.bindToCurrentThread()
            let bound = LoopBound(42, on: executor)
            let thread = Thread { _ = bound.value }
            thread.start()
            while true { _ = poll(nil, 0, 1000) }
        }
    }
}
