import HTTPKernel

/// `/api/profiles/:username` and its `follow` sub-resource.
struct ProfilesController {
    let profiles: ProfilesService
    let authentication: Authentication

    func register(on router: inout Router) {
        router.get("/api/profiles/:username") { request in
            let viewer = try await authentication.optional(request)
            return .json(Self.encode(try await profiles.profile(username: Self.username(request), viewer: viewer)))
        }
        router.post("/api/profiles/:username/follow") { request in
            let viewer = try await authentication.required(request)
            return .json(Self.encode(try await profiles.follow(username: Self.username(request), viewer: viewer)))
        }
        router.delete("/api/profiles/:username/follow") { request in
            let viewer = try await authentication.required(request)
            return .json(Self.encode(try await profiles.unfollow(username: Self.username(request), viewer: viewer)))
        }
    }

    /// Longer than any stored username: cannot exist, so 404 without asking the database.
    static func username(_ request: HTTPRequest) throws(AppError) -> String {
        guard let name = request.parameter("username"), name.count <= FieldLimits.username else { throw .notFound("profile") }
        return name
    }

    static func encode(_ profile: Profile) -> [UInt8] {
        var json = JSONWriter(capacity: 160)
        json.raw("{\"profile\":")
        write(profile, to: &json)
        json.raw("}")
        return json.bytes
    }

    /// The profile object, also embedded as `author` in articles and comments.
    static func write(_ profile: Profile, to json: inout JSONWriter) {
        json.raw("{\"username\":")
        json.string(profile.username)
        json.raw(",\"bio\":")
        json.stringOrNull(profile.bio)
        json.raw(",\"image\":")
        json.stringOrNull(profile.image)
        json.raw(",\"following\":")
        json.bool(profile.following)
        json.raw("}")
    }
}
