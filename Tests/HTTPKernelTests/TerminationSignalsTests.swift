import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPKernel

@Suite("Termination signals")
struct TerminationSignalsTests {
    // The server announces "listening" and then waits; a SIGTERM sent in between (an operator's
    // or an orchestrator's, as soon as the port answers) used to find the default action and kill
    // the process with status 15 instead of draining it.
    @Test("a signal that arrives before anyone waits is kept for the waiter")
    func signalBeforeWait() async {
        let signals = TerminationSignals()
        // The test process keeps its own reaction to SIGTERM and Ctrl-C afterwards.
        defer {
            signal(SIGTERM, SIG_DFL)
            signal(SIGINT, SIG_DFL)
        }
        kill(getpid(), SIGTERM)
        #expect(await signals.next() == SIGTERM)
    }
}
