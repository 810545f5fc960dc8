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
        return try await store.read { try await next.respond(to: request) }
    }
}
