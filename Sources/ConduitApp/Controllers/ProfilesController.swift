import HTTPKernel

/// `/api/profiles/:username` and its `follow` sub-resource.
struct ProfilesController {
    let profiles: ProfilesService
    let authentication: Authentication

    func register(on router: inout Router) {
        router.group([authentication.allowingViewer]) { router in
            router.get("/api/profiles/:username") { request in
                .json(ProfileResponse(profile: try await profiles.profile(username: Self.username(request), viewerID: request.viewerID)))
            }
        }
        router.group([authentication.requiringUser]) { router in
            router.post("/api/profiles/:username/follow") { request in
                .json(ProfileResponse(profile: try await profiles.follow(username: Self.username(request), viewer: try request.requiredUser())))
            }
            router.delete("/api/profiles/:username/follow") { request in
                .json(ProfileResponse(profile: try await profiles.unfollow(username: Self.username(request), viewer: try request.requiredUser())))
            }
        }
    }

    /// Longer than any stored username: cannot exist, so 404 without asking the database.
    static func username(_ request: HTTPRequest) throws(AppError) -> String {
        guard let name = request.parameter("username"), name.count <= FieldLimits.username else { throw .notFound("profile") }
        return name
    }
}
