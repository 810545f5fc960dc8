// The OTLP exporter is in the build only with the OTLPExport trait (Scripts/test.sh builds with it).
#if OTLPExport
import Foundation
import HTTPTestSupport
import Testing

/// OpenTelemetry tracing on the real binary, exporting by OTLP/HTTP to a receiver on loopback.
@Suite("Tracing")
struct TracingTests {
    static let password = "tracing-password-9f1c"
    static let email = "tracer@trace.example"
    static let title = "Traced Article Title 7d2e"

    static func environment(endpointPort: Int) -> [String: String] {
        UsersAPITests.environment.merging([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(endpointPort)",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        ]) { $1 }
    }

    @Test("spans continue the caller's traceparent, name routes, carry HTTP and database attributes and no secret")
    func spansOfRealRequests() throws {
        let receiver = try OTLPReceiver()
        defer { receiver.stop() }
        let environment = Self.environment(endpointPort: receiver.port)
        let server = try ServerProcess.start(environment: environment)
        defer { server.stop() }
        let api = UsersAPITests()
        let registered = try api.call(server.port, "POST", "/api/users",
            body: #"{"user":{"username":"tracer","email":"\#(Self.email)","password":"\#(Self.password)"}}"#)
        #expect(registered.status == 201)
        let login = try api.call(server.port, "POST", "/api/users/login",
            body: #"{"user":{"email":"\#(Self.email)","password":"\#(Self.password)"}}"#)
        let token = try #require(api.user(login.json)["token"] as? String)
        let created = try api.call(server.port, "POST", "/api/articles",
            body: #"{"article":{"title":"\#(Self.title)","description":"d","body":"b"}}"#, token: token)
        let slug = try #require((created.json["article"] as? [String: Any])?["slug"] as? String)

        // A caller with a trace of its own: the server span must continue it.
        let callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let callerSpan = "00f067aa0ba902b7"
        let client = try RawHTTPClient(port: server.port)
        let page = try client.get("/api/articles/\(slug)", headers: [
            "traceparent: 00-\(callerTrace)-\(callerSpan)-01", "tracestate: vendor=opaque", "Authorization: Token \(token)",
        ])
        #expect(page.status == 200)
        let answered = try #require(page.header("traceparent"))
        let answeredParts = answered.split(separator: "-").map(String.init)
        #expect(answeredParts.count == 4 && answeredParts[1] == callerTrace && answeredParts[2] != callerSpan)

        let serverSpan = try #require(receiver.wait { spans in
            spans.first { $0.traceID == callerTrace && $0.kind == 2 }
        }, "no server span of the caller's trace arrived")
        #expect(serverSpan.name == "GET /api/articles/:slug")
        #expect(serverSpan.parentSpanID == callerSpan)
        #expect(serverSpan.spanID == answeredParts[2], "the response's traceparent names the server span")
        #expect(serverSpan.attributes["http.request.method"] == "GET")
        #expect(serverSpan.attributes["http.route"] == "/api/articles/:slug")
        #expect(serverSpan.attributes["http.response.status_code"] == "200")
        #expect(serverSpan.attributes["network.peer.address"] == "127.0.0.1")
        #expect(serverSpan.statusCode != 2)
        #expect(serverSpan.traceState == "vendor=opaque", "tracestate travels with the trace")

        // The read unit is the server span's child, its statements the unit's children.
        let system = server.databaseURL?.hasPrefix("postgres") == true ? "postgresql" : "sqlite"
        let unit = try #require(receiver.wait { spans in
            spans.first { $0.traceID == callerTrace && $0.name == "db read" }
        })
        #expect(unit.parentSpanID == serverSpan.spanID)
        #expect(unit.attributes["db.system"] == system && unit.attributes["db.operation.name"] == "read")
        let statements = receiver.spans().filter { $0.traceID == callerTrace && $0.parentSpanID == unit.spanID }
        #expect(statements.contains { $0.name == "SELECT" && $0.attributes["db.operation.name"] == "SELECT" && $0.attributes["db.system"] == system })

        // Registration hashes, login verifies: each a child of its request's server span.
        let registration = try #require(receiver.wait { spans in spans.first { $0.name == "POST /api/users" } })
        let hash = try #require(receiver.wait { spans in spans.first { $0.name == "password hash" } })
        #expect(hash.traceID == registration.traceID && hash.parentSpanID == registration.spanID)
        let loginSpan = try #require(receiver.wait { spans in spans.first { $0.name == "POST /api/users/login" } })
        let verify = try #require(receiver.wait { spans in spans.first { $0.name == "password verify" } })
        #expect(verify.parentSpanID == loginSpan.spanID)
        #expect(receiver.wait { spans in spans.first { $0.traceID == registration.traceID && ["db write", "db transaction"].contains($0.name) } } != nil)
        #expect(receiver.requestPaths.allSatisfy { $0 == "/v1/traces" })

        // No secret in any span: password, token, JWT secret, Authorization, bound values.
        let secrets = [Self.password, token, UsersAPITests.environment["JWT_SECRET"]!, "Authorization", Self.email, Self.title]
        for span in receiver.spans() {
            for (key, value) in span.attributes {
                for secret in secrets {
                    #expect(!key.contains(secret) && !value.contains(secret), "span \(span.name) attribute \(key) carries a secret")
                }
            }
            #expect(!span.name.contains(Self.password) && !span.name.contains(token))
        }

        // The request's log lines, the access line included, carry its trace and span ids.
        server.stop()
        let access = server.logObjects.filter { $0["message"] as? String == "request" && $0["route"] as? String == "/api/articles/:slug" }
        #expect(access.count == 1)
        #expect(access.first?["trace_id"] as? String == callerTrace)
        #expect(access.first?["span_id"] as? String == serverSpan.spanID)
    }

    @Test("malformed traceparent and tracestate (W3C shapes): a new trace or the caller's, and no header value in the log or a span")
    func malformedTraceContext() throws {
        let receiver = try OTLPReceiver()
        defer { receiver.stop() }
        let server = try ServerProcess.start(environment: Self.environment(endpointPort: receiver.port))
        defer { server.stop() }
        let api = UsersAPITests()
        _ = try api.call(server.port, "POST", "/api/users",
            body: #"{"user":{"username":"shapes","email":"shapes@trace.example","password":"\#(Self.password)"}}"#)
        let login = try api.call(server.port, "POST", "/api/users/login",
            body: #"{"user":{"email":"shapes@trace.example","password":"\#(Self.password)"}}"#)
        let token = try #require(api.user(login.json)["token"] as? String)

        // The token rides in Authorization on every request, and in some malformed values.
        let client = try RawHTTPClient(port: server.port)
        var answered: [(shape: TraceContextCase, spanID: String)] = []
        for shape in TraceContextCase.all(secret: token) {
            let response = try client.get("/api/user", headers: shape.fields.map { "\($0.name): \($0.value)" } + ["Authorization: Token \(token)"])
            #expect(response.status == 200, "\(shape)")
            let ids = try #require(response.header("traceparent")?.split(separator: "-").map(String.init), "\(shape)")
            #expect((ids[1] == TraceContextCase.traceID) == shape.continues, "\(shape)")
            answered.append((shape, ids[2]))
        }

        let spans = try #require(receiver.wait { spans in
            let byID = Dictionary(spans.map { ($0.spanID, $0) }) { first, _ in first }
            let found = answered.compactMap { byID[$0.spanID] }
            return found.count == answered.count ? found : nil
        }, "every request's server span arrives")
        for (span, request) in zip(spans, answered) {
            #expect((span.parentSpanID == TraceContextCase.spanID) == request.shape.continues, "\(request.shape)")
            #expect(span.parentSpanID.isEmpty != request.shape.continues, "\(request.shape)")
            #expect(span.traceState.isEmpty == (request.shape.tracestate == nil), "\(request.shape): \(span.traceState)")
        }
        #expect(!receiver.requestBodies.contains { $0.range(of: Data(token.utf8)) != nil }, "the token is in no exported span")

        let metrics = try client.get("/metrics").text
        #expect(MetricsAPITests.value(metrics, "conduit_tracing_propagation_errors_total") == 0, "swift-otel refused nothing")
        server.stop()
        #expect(!server.stdoutLines.contains { $0.contains(token) }, "the token is in no log line")
        #expect(!server.stderrText.contains(token))
        #expect(!server.stdoutLines.contains { $0.contains("\"label\":\"otel\"") }, "swift-otel reported nothing")
    }

    @Test("a request without traceparent starts a new trace; a 404 without route is named by its method")
    func newTraceAndUnmatchedRoute() throws {
        let receiver = try OTLPReceiver()
        defer { receiver.stop() }
        let server = try ServerProcess.start(environment: Self.environment(endpointPort: receiver.port))
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let missing = try client.get("/no/such/route")
        #expect(missing.status == 404)
        let traceparent = try #require(missing.header("traceparent"))
        let ids = traceparent.split(separator: "-").map(String.init)
        let span = try #require(receiver.wait { spans in spans.first { $0.spanID == ids[2] } })
        #expect(span.name == "GET" && span.parentSpanID.isEmpty && span.traceID == ids[1])
        #expect(span.attributes["http.route"] == nil && span.attributes["http.response.status_code"] == "404")
    }

    @Test("the default protocol, http/protobuf, reaches the collector")
    func protobufExport() throws {
        let receiver = try OTLPReceiver()
        defer { receiver.stop() }
        var environment = Self.environment(endpointPort: receiver.port)
        environment.removeValue(forKey: "OTEL_EXPORTER_OTLP_PROTOCOL")
        let server = try ServerProcess.start(environment: environment)
        defer { server.stop() }
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
        // No protobuf decoder here: the span's name travels as its UTF-8 bytes in the message.
        let name = Data("GET /healthz".utf8)
        #expect(waitUntil(limitSeconds: 20, everyMilliseconds: 50) { receiver.requestBodies.contains { $0.range(of: name) != nil } })
        #expect(receiver.spans().isEmpty, "the bodies are not JSON")
        #expect(receiver.requestPaths.allSatisfy { $0 == "/v1/traces" })
    }

    @Test("a collector that is down never fails a request; the lost spans are counted in /metrics")
    func collectorDown() throws {
        // A short export timeout: the HTTP client retries connecting until it passes.
        let server = try ServerProcess.start(
            environment: Self.environment(endpointPort: try OTLPReceiver.closedPort()).merging(["OTEL_EXPORTER_OTLP_TIMEOUT": "300"]) { $1 })
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        for _ in 0..<20 { #expect(try client.get("/healthz").status == 200) }
        var dropped = 0.0
        _ = try waitUntil(limitSeconds: 20, everyMilliseconds: 100) {
            let text = try client.get("/metrics").text
            dropped = MetricsAPITests.value(text, #"conduit_tracing_spans_dropped_total{reason="export_failed"}"#) ?? 0
            return dropped >= 20
        }
        #expect(dropped >= 20, "the spans of 20 requests were lost and counted")
        #expect(try client.get("/healthz").status == 200)
        #expect(server.stop() == 0, "shutdown does not hang on the collector")
    }

    @Test("a malformed OTEL_EXPORTER_OTLP_ENDPOINT is a configuration error (exit 78)")
    func badEndpoint() throws {
        let server = try ServerProcess(arguments: ["serve"], environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"])
        #expect(server.waitForExit() == 78)
        #expect(server.stderrText.contains("OTEL_EXPORTER_OTLP_ENDPOINT"))
    }
}
#endif
