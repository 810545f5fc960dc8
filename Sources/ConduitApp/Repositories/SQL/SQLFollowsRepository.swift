import SQLKit

/// ``FollowsRepository`` over sql-kit.
public struct SQLFollowsRepository: FollowsRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func follow(follower: Int64, followee: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.write { database in
                try await database.raw("""
                    INSERT INTO follows (follower_id, followee_id) VALUES (\(bind: follower), \(bind: followee))
                    ON CONFLICT DO NOTHING
                    """).run()
            }
        }
    }

    public func unfollow(follower: Int64, followee: Int64) async throws(RepositoryError) {
        try await SQLErrors.translate {
            try await store.write { database in
                try await database.raw(
                    "DELETE FROM follows WHERE follower_id = \(bind: follower) AND followee_id = \(bind: followee)"
                ).run()
            }
        }
    }

    public func followed(by follower: Int64, among candidates: [Int64]) async throws(RepositoryError) -> Set<Int64> {
        guard !candidates.isEmpty else { return [] }
        let rows = try await SQLErrors.translate {
            try await store.reader.select()
                .column("followee_id")
                .from("follows")
                .where("follower_id", .equal, follower)
                .where("followee_id", .in, Array(Set(candidates)))
                .all()
        }
        do {
            return Set(try rows.map { try $0.decode(column: "followee_id", as: Int64.self) })
        } catch {
            throw .unavailable("cannot decode follows row: \(error)")
        }
    }
}
