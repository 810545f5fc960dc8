/// `{"profile": {...}}`.
struct ProfileResponse: ResponseBody {
    static let schema = "ProfileResponse"
    let profile: Profile

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        try container.encode(ProfileJSON(profile), forKey: .profile)
    }

    func write(to json: inout JSONWriter) {
        json.raw("{\"profile\":")
        ProfileJSON(profile).write(to: &json)
        json.raw("}")
    }
}

/// A profile, alone or as the `author` of an article or comment (schema `Profile`).
struct ProfileJSON: Encodable {
    let profile: Profile
    init(_ profile: Profile) { self.profile = profile }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        try container.encode(profile.username, forKey: .username)
        try container.encode(profile.bio, forKey: .bio)
        try container.encode(profile.image, forKey: .image)
        try container.encode(profile.following, forKey: .following)
    }

    func write(to json: inout JSONWriter) {
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

/// `{"user": {...}}` with the token: registration, login, the current user.
struct UserResponse: ResponseBody {
    static let schema = "UserResponse"
    let authenticated: UsersService.Authenticated
    var estimatedSize: Int { 384 }

    private struct UserJSON: Encodable {
        let authenticated: UsersService.Authenticated
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: ResponseKey.self)
            try container.encode(authenticated.user.email, forKey: .email)
            try container.encode(authenticated.token, forKey: .token)
            try container.encode(authenticated.user.username, forKey: .username)
            try container.encode(authenticated.user.bio, forKey: .bio)
            try container.encode(authenticated.user.image, forKey: .image)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        try container.encode(UserJSON(authenticated: authenticated), forKey: .user)
    }

    func write(to json: inout JSONWriter) {
        let user = authenticated.user
        json.raw("{\"user\":{\"email\":")
        json.string(user.email)
        json.raw(",\"token\":")
        json.string(authenticated.token)
        json.raw(",\"username\":")
        json.string(user.username)
        json.raw(",\"bio\":")
        json.stringOrNull(user.bio)
        json.raw(",\"image\":")
        json.stringOrNull(user.image)
        json.raw("}}")
    }
}
