import Foundation

// conduit-fuzz: feeds generated requests through the whole request path in process and checks
// every answer (FuzzHarness). Two engines over one harness:
// - libFuzzer, coverage-guided, when built with `-sanitize=fuzzer -D LIBFUZZER`
//   (Scripts/fuzz.sh does): all libFuzzer flags apply, e.g. `-max_total_time=60 CORPUS_DIR`;
// - otherwise a seeded mutator: `conduit-fuzz [--seconds N] [--seed S] [--crashes DIR]`.
// `--write-seeds DIR` writes the seed corpus (one file per seed) and exits.

let arguments = CommandLine.arguments

func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}

if let folder = option("--write-seeds") {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (index, seed) in Seeds.corpus.enumerated() {
        _ = FileManager.default.createFile(atPath: "\(folder)/seed-\(index)", contents: Data(seed))
    }
    print("wrote \(Seeds.corpus.count) seeds to \(folder)")
    exit(0)
}

let harness: FuzzHarness
do {
    harness = try FuzzHarness.blocking { () -> Result<FuzzHarness, FuzzHarness.Failure> in
        do { return .success(try await FuzzHarness.make()) } catch { return .failure(.init(description: "\(error)")) }
    }.get()
} catch {
    FileHandle.standardError.write(Data("conduit-fuzz: setup failed: \(error)\n".utf8))
    exit(2)
}

#if LIBFUZZER
nonisolated(unsafe) var fuzzHarness: FuzzHarness? = harness

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do {
        _ = try fuzzHarness!.run(bytes)
    } catch {
        // abort() is what libFuzzer records as a crash, with the input saved beside it.
        FileHandle.standardError.write(Data("conduit-fuzz: \(error)\n".utf8))
        abort()
    }
    return 0
})
#else
let seconds = Double(option("--seconds") ?? "30") ?? 30
let seed = UInt64(option("--seed") ?? "") ?? UInt64.random(in: 1...UInt64.max)
let crashes = option("--crashes")
var mutator = Mutator(seed: seed)
var corpus = Seeds.corpus
var reached = Set<String>()
var runs = 0
var failures = 0
let deadline = Date().addingTimeInterval(seconds)
print("seeded engine: seed \(seed), \(seconds) s, \(corpus.count) seeds")
while Date() < deadline {
    let input = runs < corpus.count ? corpus[runs] : mutator.mutate(corpus[mutator.below(corpus.count)], corpus: corpus)
    runs += 1
    do {
        if reached.insert(try harness.run(input)).inserted, corpus.count < 2000 { corpus.append(input) }
    } catch {
        failures += 1
        print("FAILURE \(failures): \(error)")
        if let crashes {
            try? FileManager.default.createDirectory(atPath: crashes, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: "\(crashes)/failure-\(seed)-\(runs)", contents: Data(input))
        }
    }
}
if arguments.contains("--verbose") { print(reached.sorted().joined(separator: "\n")) }
print("seeded engine: \(runs) inputs, \(reached.count) distinct outcomes, \(failures) failures")
FuzzHarness.blocking { await harness.close() }
exit(failures == 0 ? 0 : 1)
#endif
