import Foundation
import HTTPKernel
import Logging
import SQLKit
import Testing

@testable import ConduitApp

/// The OpenAPI document against the router and the validation limits; metrics; the docs.
@Suite("Operations: OpenAPI, metrics, docs")
struct OperationsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ops-\(UUID().uuidString)/conduit.sqlite").path
    }

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(APIDescription.json)) as? [String: Any])
    }

    @Test("every route the router registers is in the OpenAPI document, and nothing else")
    func routesMatchDocument() async throws {
        let store = try await SQLiteStore.open(path: Self.temporaryPath(), logger: Logger(label: "test"))
        let application = Application(configuration: AppConfiguration(jwtSecret: String(repeating: "k", count: 40)))
        let router = try await application.makeRouter(store: store, logger: Logger(label: "test")).router
        await store.close()
        let registered = Set(router.routes.map { "\($0.method.rawValue) \(APIDescription.openAPIPath($0.template))" })
        let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, operations) in paths {
            for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
        }
        #expect(registered.subtracting(documented).isEmpty, "routes missing from the document: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not routed: \(documented.subtracting(registered).sorted())")
        #expect(router.routes.count == APIDescription.operations.count)
    }

    @Test("documented field limits are the ones the controllers enforce")
    func limitsMatchFieldLimits() throws {
        let schemas = try #require((try Self.document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func field(_ schema: String, _ envelope: String, _ name: String) -> [String: Any] {
            let outer = schemas[schema] as? [String: Any]
            let inner = ((outer?["properties"] as? [String: Any])?[envelope] as? [String: Any])?["properties"] as? [String: Any]
            return inner?[name] as? [String: Any] ?? [:]
        }
        let expected: [(String, String, String, Int)] = [
            ("NewUserRequest", "user", "username", FieldLimits.username),
            ("NewUserRequest", "user", "email", FieldLimits.email),
            ("NewUserRequest", "user", "password", FieldLimits.passwordMaximum),
            ("LoginUserRequest", "user", "email", FieldLimits.email),
            ("LoginUserRequest", "user", "password", FieldLimits.passwordMaximum),
            ("UpdateUserRequest", "user", "username", FieldLimits.username),
            ("UpdateUserRequest", "user", "bio", FieldLimits.bio),
            ("UpdateUserRequest", "user", "image", FieldLimits.image),
            ("NewArticleRequest", "article", "title", FieldLimits.title),
            ("NewArticleRequest", "article", "description", FieldLimits.description),
            ("NewArticleRequest", "article", "body", FieldLimits.articleBody),
            ("UpdateArticleRequest", "article", "title", FieldLimits.title),
            ("UpdateArticleRequest", "article", "body", FieldLimits.articleBody),
            ("NewCommentRequest", "comment", "body", FieldLimits.commentBody),
        ]
        for (schema, envelope, name, limit) in expected {
            #expect(field(schema, envelope, name)["maxLength"] as? Int == limit, "\(schema).\(name)")
        }
        #expect(field("NewUserRequest", "user", "password")["minLength"] as? Int == FieldLimits.passwordMinimum)
        let tags = field("NewArticleRequest", "article", "tagList")
        #expect(tags["maxItems"] as? Int == FieldLimits.tagsPerArticle)
        #expect((tags["items"] as? [String: Any])?["maxLength"] as? Int == FieldLimits.tag)
    }

    @Test("every operation documents its success, its errors and its parameters")
    func operationsAreComplete() throws {
        let paths = try #require(try Self.document()["paths"] as? [String: [String: [String: Any]]])
        for (path, operations) in paths {
            let names = path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
            for (method, operation) in operations {
                let responses = try #require(operation["responses"] as? [String: Any])
                #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(method) \(path)")
                for status in ["400", "429", "503"] { #expect(responses[status] != nil, "\(method) \(path) \(status)") }
                let parameters = (operation["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "path" }
                #expect(parameters.compactMap { $0["name"] as? String } == names, "\(method) \(path)")
            }
        }
    }

    @Test("the observer labels by route template, method and status class; unmatched is one label")
    func observerLabels() throws {
        let metrics = AppMetrics()
        let loop = metrics.makeLoopObserver(loop: 0)
        loop.responded(method: .get, route: "/api/articles/:slug", status: 200, durationNanoseconds: 1_500_000)
        loop.responded(method: .get, route: "/api/articles/:slug", status: 204, durationNanoseconds: 1_000)
        loop.responded(method: .get, route: nil, status: 404, durationNanoseconds: 1_000)
        loop.responded(method: .post, route: nil, status: 503, durationNanoseconds: 1_000)
        loop.shed()
        loop.sampled(LoopSample(lagNanoseconds: 2_000_000, executorQueueDepth: 3, inFlight: 4, connections: 5))
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"conduit_http_requests_total{method="GET",route="/api/articles/:slug",status="2xx"} 2"#))
        #expect(text.contains(#"conduit_http_requests_total{method="GET",route="unmatched",status="4xx"} 1"#))
        #expect(text.contains(#"conduit_http_requests_total{method="POST",route="unmatched",status="5xx"} 1"#))
        #expect(text.contains(#"conduit_http_request_duration_seconds_count{method="GET",route="/api/articles/:slug",status="2xx",loop="0"} 2"#))
        #expect(text.contains("conduit_http_requests_shed_total 1"))
        #expect(text.contains(#"conduit_executor_queue_depth{loop="0"} 3"#))
        #expect(text.contains(#"conduit_http_requests_in_flight{loop="0"} 4"#))
        #expect(text.contains(#"conduit_http_connections{loop="0"} 5"#))
        #expect(text.contains(#"conduit_event_loop_lag_seconds_count{loop="0"} 1"#))
        #expect(AppMetrics.statusClass(101) == "1xx" && AppMetrics.statusClass(302) == "3xx" && AppMetrics.statusClass(599) == "5xx")
    }

    @Test("the SQL store wrapper times statements by kind and reports connections in use")
    func instrumentedStore() async throws {
        let sqlite = try await SQLiteStore.open(path: Self.temporaryPath(), logger: Logger(label: "test"))
        let metrics = AppMetrics()
        let store = InstrumentedSQLStore(sqlite, connections: sqlite.connectionCount, metrics: metrics)
        _ = try await store.reader.raw("SELECT 1").all()
        let busy = try await store.transaction { database in
            try await database.raw("CREATE TABLE t (x INTEGER)").run()
            try await database.raw("INSERT INTO t VALUES (1)").run()
            return String(decoding: metrics.render(), as: UTF8.self)
        }
        await sqlite.close()
        #expect(busy.contains(#"conduit_db_pool_connections{state="in_use"} 1"#))
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"conduit_db_query_duration_seconds_count{kind="read"} 1"#))
        // BEGIN and COMMIT run through the store's own connection; the two statements are timed.
        #expect(text.contains(#"conduit_db_query_duration_seconds_count{kind="write"} 2"#))
        #expect(text.contains(#"conduit_db_pool_connections{state="in_use"} 0"#))
        #expect(text.contains("conduit_db_pool_connections{state=\"idle\"} \(sqlite.connectionCount)"))
    }

    @Test("METRICS_TOKEN and METRICS_ENABLED are validated")
    func metricsConfiguration() async throws {
        let scratch = try ConfigurationTests.Scratch()
        let strong = "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o"
        let defaults = try await ConfigurationLoader.load(scratch.sources())
        #expect(defaults.metricsEnabled && defaults.metricsToken == nil)
        let set = try await ConfigurationLoader.load(scratch.sources(environment: ["METRICS_TOKEN": "abc", "METRICS_ENABLED": "false"]))
        #expect(set.metricsToken == "abc" && !set.metricsEnabled)
        for environment in [
            ["METRICS_TOKEN": "has space"], ["METRICS_ENABLED": "maybe"],
            ["APP_ENV": "production", "JWT_SECRET": strong, "METRICS_TOKEN": "short"],
        ] {
            await #expect(throws: ConfigurationError.self, "\(environment)") {
                try await ConfigurationLoader.load(scratch.sources(environment: environment))
            }
        }
    }

    @Test("metrics tokens compare in constant time and exactly")
    func constantTime() {
        #expect(ConstantTime.equal("secret-token", "secret-token"))
        #expect(!ConstantTime.equal("secret-token", "secret-tokem"))
        #expect(!ConstantTime.equal("secret-token-longer", "secret-token"))
        #expect(!ConstantTime.equal("secret", "secret-token"))
        #expect(!ConstantTime.equal("", "x"))
    }

    @Test("docs/OPERATIONS.md names every configuration key and every metric")
    func operationsDocCoversEverything() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/OPERATIONS.md"), encoding: .utf8)
        for key in ConfigurationKey.allCases {
            #expect(text.contains("`\(key.rawValue)`"), "docs/OPERATIONS.md lacks \(key.rawValue)")
        }
        for metric in MetricName.allCases {
            #expect(text.contains("`\(metric.rawValue)`"), "docs/OPERATIONS.md lacks \(metric.rawValue)")
        }
    }
}

