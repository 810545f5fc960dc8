extension AppError {
    /// A repository failure as a client sees it; `missing` names what was not found.
    init(_ error: RepositoryError, missing: String) {
        switch error {
        case let .taken(field): self = .taken(field)
        case .missing: self = .notFound(missing)
        case let .unavailable(detail): self = .unavailable(cause: detail)
        }
    }
}

/// Runs a repository call for a service, reporting its failure as an ``AppError``.
func repositoryCall<T>(missing: String, _ body: () async throws(RepositoryError) -> T) async throws(AppError) -> T {
    do {
        return try await body()
    } catch {
        throw AppError(error, missing: missing)
    }
}
