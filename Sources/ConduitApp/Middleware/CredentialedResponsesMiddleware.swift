import HTTPKernel

/// What depends on the request: an answer to a request with credentials is never stored by a
/// cache (`Cache-Control: no-store`).
struct CredentialedResponsesMiddleware: HTTPMiddleware {
    func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        var response = try await next.respond(to: request)
        if request.headers["Authorization"] != nil || request.headers["Cookie"] != nil {
            response.headers.set("Cache-Control", "no-store")
        }
        return response
    }
}
