import HTTPKernel

/// Runs a GET (or HEAD) request's handler as one read unit of work (``SQLStore/read(_:)``): its
/// authentication, its service's queries and its encoding on one database connection, in one
/// snapshot, leased once. On SQLite the handler then runs on that reader's thread from start
/// to end: one hop from the event loop and one back, however many statements it sends.
///
/// Requests that write are not wrapped: they read what they just wrote, which a snapshot
/// taken before the write would not show.
struct ReadUnitMiddleware: HTTPMiddleware {
    let store: any SQLStore

    func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        guard request.method == .get || request.method == .head else { return try await next.respond(to: request) }
        do {
            return try await store.read { try await next.respond(to: request) }
        } catch let error as any HTTPErrorConvertible {
            throw error  // the handler's answer (a 404, a 401...) or a repository's 503
        } catch {
            // The unit itself failed: no connection within the timeout, BEGIN or COMMIT refused.
            if case let .unavailable(detail) = SQLErrors.classify(error) { throw AppError.unavailable(cause: detail) }
            throw AppError.unavailable(cause: "read unit failed: \(error)")
        }
    }
}
