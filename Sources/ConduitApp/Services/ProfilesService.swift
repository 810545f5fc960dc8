/// Profiles and follows.
public struct ProfilesService: Sendable {
    let users: any UsersRepository
    let follows: any FollowsRepository

    public init(users: any UsersRepository, follows: any FollowsRepository) {
        self.users = users
        self.follows = follows
    }

    public func profile(username: String, viewerID: Int64?) async throws(AppError) -> Profile {
        let user = try await find(username)
        return try await profile(of: user, viewerID: viewerID)
    }

    public func follow(username: String, viewer: User) async throws(AppError) -> Profile {
        let user = try await find(username)
        // Following yourself changes nothing visible; it is not stored.
        if user.id != viewer.id {
            try await repositoryCall(missing: "profile") { () async throws(RepositoryError) in
                try await follows.follow(follower: viewer.id, followee: user.id)
            }
        }
        // What was just written, without reading it back.
        return Profile(username: user.username, bio: user.bio, image: user.image, following: user.id != viewer.id)
    }

    public func unfollow(username: String, viewer: User) async throws(AppError) -> Profile {
        let user = try await find(username)
        try await repositoryCall(missing: "profile") { () async throws(RepositoryError) in
            try await follows.unfollow(follower: viewer.id, followee: user.id)
        }
        return Profile(username: user.username, bio: user.bio, image: user.image, following: false)
    }

    private func find(_ username: String) async throws(AppError) -> User {
        let found = try await repositoryCall(missing: "profile") { () async throws(RepositoryError) in try await users.find(username: username) }
        guard let found else { throw .notFound("profile") }
        return found
    }

    private func profile(of user: User, viewerID: Int64?) async throws(AppError) -> Profile {
        var following = false
        if let viewerID, viewerID != user.id {
            following = try await repositoryCall(missing: "profile") { () async throws(RepositoryError) in
                try await follows.followed(by: viewerID, among: [user.id])
            }.contains(user.id)
        }
        return Profile(username: user.username, bio: user.bio, image: user.image, following: following)
    }
}
