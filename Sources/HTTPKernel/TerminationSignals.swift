import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Observes SIGTERM and SIGINT from the moment it is created, so that a signal arriving before
/// anyone waits (during start-up, or between "listening" and the wait) is kept, not lost to the
/// default action that kills the process. The signals' default action is replaced (ignored, then
/// observed through dispatch sources), which also makes them work for PID 1 in a container,
/// where the kernel drops signals that have no handler.
public final class TerminationSignals: Sendable {
    private enum State {
        case waitingForSignal
        case received(Int32)
        case waiter(CheckedContinuation<Int32, Never>)
        case delivered(Int32)
    }

    private let state = Mutex<State>(.waitingForSignal)
    // Dispatch sources are thread-safe; they must outlive the process's interest in signals.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    /// Starts observing SIGTERM and SIGINT. Create it before the server announces it listens.
    public init() {
        let queue = DispatchQueue(label: "http-kernel.termination-signals")
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.receive(number) }
            source.resume()
            sources.append(source)
        }
    }

    private func receive(_ number: Int32) {
        let waiter: CheckedContinuation<Int32, Never>? = state.withLock { state in
            switch state {
            case .waitingForSignal:
                state = .received(number)
                return nil
            case .waiter(let continuation):
                state = .delivered(number)
                return continuation
            case .received, .delivered:
                return nil
            }
        }
        waiter?.resume(returning: number)
    }

    /// Returns the first termination signal received, at once if it has already arrived.
    /// Meant for one waiter.
    public func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let ready: Int32? = state.withLock { state in
                switch state {
                case .waitingForSignal:
                    state = .waiter(continuation)
                    return nil
                case .received(let number), .delivered(let number):
                    state = .delivered(number)
                    return number
                case .waiter:
                    preconditionFailure("TerminationSignals.next() has one waiter")
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
