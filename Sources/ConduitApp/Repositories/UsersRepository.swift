/// Storage of users. The only way services reach user rows; implementations translate their
/// database's errors into ``RepositoryError``.
public protocol UsersRepository: Sendable {
    /// Inserts a user; `.taken("username")` or `.taken("email")` when one is in use.
    func create(username: String, email: String, passwordHash: String, at timestamp: String) async throws(RepositoryError) -> User
    func find(id: Int64) async throws(RepositoryError) -> User?
    /// Case-insensitive, as the uniqueness is.
    func find(email: String) async throws(RepositoryError) -> User?
    func find(username: String) async throws(RepositoryError) -> User?
    /// Writes every field of `user`; `.taken` as for `create`.
    func update(_ user: User) async throws(RepositoryError) -> User
}
