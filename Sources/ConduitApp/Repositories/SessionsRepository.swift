/// Storage of sessions: the one row behind every token, which logout and a password change
/// delete. Times are Unix seconds.
public protocol SessionsRepository: Sendable {
    /// Stores a new session for `userID`, and in the same transaction removes that user's
    /// expired sessions and all but the newest `keepingAtMost` (one account logging in without
    /// end must not grow the table without end).
    func create(id: String, userID: Int64, expiresAt: Int64, now: Int64, keepingAtMost: Int) async throws(RepositoryError)
    /// The user whose unexpired session `id` is, and when it expires; nil when it ended or
    /// never existed.
    func find(_ id: String, now: Int64) async throws(RepositoryError) -> (userID: Int64, expiresAt: Int64)?
    /// Ends one session of `userID`; nothing when it is not that user's or is gone already.
    func delete(id: String, userID: Int64) async throws(RepositoryError)
    /// Ends every session of `userID`.
    func deleteAll(userID: Int64) async throws(RepositoryError)
    /// Ends every session of `userID` but `id`, and makes `id` end by `until` at the latest.
    func deleteAll(userID: Int64, except id: String, keptUntil until: Int64) async throws(RepositoryError)
    /// Removes sessions that expired before `now`; returns how many.
    func deleteExpired(now: Int64) async throws(RepositoryError) -> Int
}
