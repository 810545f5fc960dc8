import Synchronization

/// Process-wide lifecycle state shared by the signal handler and the readiness probe.
public final class Lifecycle: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    func beginDraining() { draining.store(true, ordering: .releasing) }
}
