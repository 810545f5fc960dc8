// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Conduit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "conduit", targets: ["conduit"]),
        .executable(name: "hello", targets: ["hello"]),
    ],
    // Off by default: the OTLP exporter (swift-otel, async-http-client, swift-protobuf) is the
    // heaviest part of the graph, and tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
    // `swift build -c release --traits OTLPExport`; the image, CI and Scripts/test.sh build with it.
    traits: [
        .trait(name: "OTLPExport", description: "Export traces over OTLP/HTTP (swift-otel) when OTEL_EXPORTER_OTLP_ENDPOINT is set."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(
            url: "https://github.com/apple/swift-configuration", from: "1.4.0",
            traits: [.defaults, "CommandLineArguments"]),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Tracing: the API, and (trait OTLPExport) swift-otel's OTLP/HTTP exporter only (gRPC is not built).
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.4.1"),
    ],
    targets: [
        // libevent 2.1 (evhttp + pthreads support) from the system, found through pkg-config.
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent_pthreads",
            providers: [.apt(["libevent-dev"])]),

        // The system's libsqlite3 (one copy of SQLite in the process: two copies opening one
        // file would release each other's POSIX locks).
        .systemLibrary(
            name: "CSQLite3",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),

        // The system's zlib, for response compression.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // The one C file that reads a libevent struct field (a bufferevent's write event).
        .target(name: "CLibeventLayout"),

        // The HTTP kernel: event loops, evhttp, executor hand-off, routing, middleware, errors.
        // It knows nothing of Conduit.
        .target(
            name: "HTTPKernel",
            dependencies: [
                "CLibevent",
                "CLibeventLayout",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // The Conduit application: the API (controllers, services, repositories, databases),
        // configuration, logging, metrics, health, lifecycle.
        .target(
            name: "ConduitApp",
            dependencies: [
                "HTTPKernel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                "CSQLite3",
                "CZlib",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel", condition: .when(traits: ["OTLPExport"])),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["OTLPExport"])),
            ],
            swiftSettings: strict),

        .executableTarget(
            name: "conduit",
            dependencies: [
                "ConduitApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            // tcmalloc (Debian's libtcmalloc-minimal4, by its file name: no -dev package) as the
            // process's malloc: glibc's arenas took a tenth of the CPU under the read mix, memory
            // being allocated on a database thread and freed on a loop (docs/PERFORMANCE.md).
            linkerSettings: [.linkedLibrary(":libtcmalloc_minimal.so.4", .when(platforms: [.linux]))]),

        // TechEmpower-style plaintext/json server on the kernel alone: the benchmark subject.
        .executableTarget(
            name: "hello",
            dependencies: ["HTTPKernel"],
            swiftSettings: strict),

        // Generated requests through the whole request path in process (Scripts/fuzz.sh):
        // libFuzzer when built as Scripts/fuzz.sh does (-D LIBFUZZER), a seeded mutator otherwise.
        .executableTarget(
            name: "conduit-fuzz",
            dependencies: [
                "ConduitApp", "HTTPKernel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // What the metrics observer costs per request (release build; see its main.swift).
        .executableTarget(
            name: "metrics-bench",
            dependencies: ["ConduitApp", "HTTPKernel"],
            swiftSettings: strict),

        // What the application path costs per request in process (release build; see its main.swift).
        .executableTarget(
            name: "path-bench",
            dependencies: [
                "ConduitApp", "HTTPKernel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            // The server's allocator, so that the figures are the server's.
            linkerSettings: [.linkedLibrary(":libtcmalloc_minimal.so.4", .when(platforms: [.linux]))]),

        // Raw-socket client and process harness shared by the socket-level tests.
        .target(
            name: "HTTPTestSupport",
            dependencies: ["HTTPKernel", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support", swiftSettings: strict),

        // Corpus/: request-framing cases read as data by SmugglingCorpusTests (their source in Corpus/SOURCE.md).
        .testTarget(name: "HTTPKernelTests", dependencies: ["HTTPKernel", "HTTPTestSupport"], exclude: ["Corpus"], swiftSettings: strict),
        .testTarget(
            name: "ConduitAppTests",
            dependencies: [
                "ConduitApp", "HTTPTestSupport",
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                // swift-otel's own tracer, to show what it makes of the headers it is handed.
                .product(name: "OTel", package: "swift-otel", condition: .when(traits: ["OTLPExport"])),
            ],
            swiftSettings: strict),
        // Starts the real `conduit` binary; `swift build` must have built it (Scripts/test.sh does).
        .testTarget(name: "EndToEndTests", dependencies: ["HTTPTestSupport"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
