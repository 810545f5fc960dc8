/// Who follows whom.
public protocol FollowsRepository: Sendable {
    /// Idempotent: following twice is one follow.
    func follow(follower: Int64, followee: Int64) async throws(RepositoryError)
    /// Idempotent: unfollowing someone not followed changes nothing.
    func unfollow(follower: Int64, followee: Int64) async throws(RepositoryError)
    /// Which of `candidates` `follower` follows, in one query (lists use it to avoid N+1).
    func followed(by follower: Int64, among candidates: [Int64]) async throws(RepositoryError) -> Set<Int64>
}
