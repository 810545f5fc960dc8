import ConduitApp
import Dispatch
import HTTPKernel

// What Conduit's metrics observer costs per request, in a release build:
//
//     swift build -c release --product metrics-bench && .build/release/metrics-bench
//
// One thread per event loop calls the loop's observer as the kernel does after every reply.
// "own histograms" is the real layout (the latency histogram has a `loop` label); "shared" is
// what every loop recording into one histogram would cost.

func nanosecondsPerRequest(loops: [Int], calls: Int) -> Double {
    let metrics = AppMetrics()
    let observers = loops.map { metrics.makeLoopObserver(loop: $0) }
    for observer in observers { observer.responded(method: .get, route: "/healthz", status: 200, durationNanoseconds: 1) }
    let start = ContinuousClock.now
    let group = DispatchGroup()
    for observer in observers {
        nonisolated(unsafe) let observer = observer  // each used by one thread only, like a loop's
        DispatchQueue.global().async(group: group) {
            for index in 0..<calls {
                observer.responded(method: .get, route: "/healthz", status: 200, durationNanoseconds: UInt64(index & 0xFFFF) * 1000)
            }
        }
    }
    group.wait()
    let elapsed = ContinuousClock.now - start
    return (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(calls)
}

let calls = 2_000_000
for round in 1...3 {
    let one = nanosecondsPerRequest(loops: [0], calls: calls)
    let own = nanosecondsPerRequest(loops: [0, 1], calls: calls)
    let shared = nanosecondsPerRequest(loops: [0, 0], calls: calls)
    print("round \(round): one loop \(Int(one)) ns/request; two loops with own histograms \(Int(own)) ns; two loops sharing one histogram \(Int(shared)) ns")
}
