import HTTPKernel

/// What depends on the request: an answer to a request with credentials is never stored by a
/// cache (`Cache-Control: no-store`).
struct CredentialedResponsesMiddleware: SynchronousMiddleware {
    func finish(_ response: inout HTTPResponse, for request: HTTPRequest) {
        if request.headers["Authorization"] != nil || request.headers["Cookie"] != nil {
            response.headers.set("Cache-Control", "no-store")
        }
    }
}
