import Synchronization
import Testing

@testable import ConduitApp

final class InMemoryFollowsRepository: FollowsRepository {
    private let pairs = Mutex<Set<[Int64]>>([])
    func follow(follower: Int64, followee: Int64) async throws(RepositoryError) { _ = pairs.withLock { $0.insert([follower, followee]) } }
    func unfollow(follower: Int64, followee: Int64) async throws(RepositoryError) { _ = pairs.withLock { $0.remove([follower, followee]) } }
    func followed(by follower: Int64, among candidates: [Int64]) async throws(RepositoryError) -> Set<Int64> {
        pairs.withLock { pairs in Set(candidates.filter { pairs.contains([follower, $0]) }) }
    }
    var count: Int { pairs.withLock { $0.count } }
}

@Suite("Profiles service")
struct ProfilesServiceTests {
    func setUp() async throws -> (ProfilesService, InMemoryFollowsRepository, User, User) {
        let users = InMemoryUsersRepository()
        let follows = InMemoryFollowsRepository()
        let jake = try await users.create(username: "jake", email: "jake@x.yz", passwordHash: "h", at: "t")
        let celeb = try await users.create(username: "celeb", email: "celeb@x.yz", passwordHash: "h", at: "t")
        return (ProfilesService(users: users, follows: follows), follows, jake, celeb)
    }

    @Test("follow and unfollow are reflected in the profile and are idempotent")
    func followCycle() async throws {
        let (service, follows, jake, _) = try await setUp()
        #expect(try await service.profile(username: "celeb", viewerID: jake.id).following == false)
        #expect(try await service.follow(username: "celeb", viewer: jake).following == true)
        #expect(try await service.follow(username: "celeb", viewer: jake).following == true)
        #expect(follows.count == 1)
        #expect(try await service.profile(username: "celeb", viewerID: jake.id).following == true)
        #expect(try await service.profile(username: "celeb", viewerID: nil).following == false)
        #expect(try await service.unfollow(username: "celeb", viewer: jake).following == false)
        #expect(try await service.unfollow(username: "celeb", viewer: jake).following == false)
    }

    @Test("an unknown username is 404 profile; following yourself stores nothing")
    func edges() async throws {
        let (service, follows, jake, _) = try await setUp()
        await #expect(throws: AppError.notFound("profile")) { try await service.profile(username: "ghost", viewerID: nil) }
        await #expect(throws: AppError.notFound("profile")) { try await service.follow(username: "ghost", viewer: jake) }
        #expect(try await service.follow(username: "jake", viewer: jake).following == false)
        #expect(follows.count == 0)
    }
}
