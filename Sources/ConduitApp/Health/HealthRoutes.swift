import HTTPKernel

/// Liveness and readiness for load balancers and orchestrators.
///
/// `/healthz` answers 200 as long as the process serves HTTP at all. `/readyz` answers 200 when
/// the dependencies respond and 503 once a shutdown began, so a balancer stops sending work to
/// an instance that is draining.
struct HealthRoutes {
    /// A dependency the instance needs to serve traffic; throws when it is unreachable.
    typealias Check = @Sendable () async throws -> Void

    let lifecycle: Lifecycle
    let checks: [(name: String, check: Check)]

    /// Probes come from the infrastructure: never rate limited.
    static let templates: Set<String> = ["/healthz", "/readyz"]

    func register(on router: inout Router) {
        router.get("/healthz") { _ in
            .json(Array(#"{"status":"ok"}"#.utf8))
        }
        router.get("/readyz") { request in
            guard !lifecycle.isDraining else {
                throw HTTPError(status: 503, key: "server", "shutting down")
            }
            for (name, check) in checks {
                do {
                    try await check()
                } catch {
                    throw HTTPError(status: 503, key: name, "unavailable", cause: "readiness check \(name) failed: \(error)")
                }
            }
            return .json(Array(#"{"status":"ready"}"#.utf8))
        }
    }
}
