/// What a repository reports.
public enum RepositoryError: Error, Equatable {
    /// A unique field (`username`, `email`, `slug`...) already holds this value.
    case taken(String)
    /// The row to update is gone.
    case missing
    /// The database failed or could not be reached; the detail is for the log only.
    case unavailable(String)
}
