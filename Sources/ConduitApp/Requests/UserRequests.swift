/// `POST /api/users`: `{"user":{"username","email","password"}}`.
struct NewUserRequest: RequestBody {
    static let envelope = "user"
    let username: String
    let email: String
    let password: String

    init?(validating fields: inout Fields) {
        let username = fields.required("username", max: FieldLimits.username)
        let email = fields.required("email", max: FieldLimits.email)
        let password = fields.required("password", max: FieldLimits.passwordMaximum, min: FieldLimits.passwordMinimum)
        if let email, !FieldFormats.isEmail(email) { fields.fail("email", "is invalid") }
        guard let username, let email, let password else { return nil }
        (self.username, self.email, self.password) = (username, email, password)
    }
}

/// `POST /api/users/login`: `{"user":{"email","password"}}`. No minimum length for the
/// password: a wrong one is a 401, not a hint about the rules.
struct LoginUserRequest: RequestBody {
    static let envelope = "user"
    let email: String
    let password: String

    init?(validating fields: inout Fields) {
        let email = fields.required("email", max: FieldLimits.email)
        let password = fields.required("password", max: FieldLimits.passwordMaximum)
        guard let email, let password else { return nil }
        (self.email, self.password) = (email, password)
    }
}

/// `PUT /api/user`: any of username, email, password (absent: unchanged), bio and image (absent:
/// unchanged, null: cleared).
struct UpdateUserRequest: RequestBody {
    static let envelope = "user"
    let changes: UsersService.Changes

    init?(validating fields: inout Fields) {
        var changes = UsersService.Changes()
        changes.username = fields.optional("username", max: FieldLimits.username)
        changes.email = fields.optional("email", max: FieldLimits.email)
        changes.password = fields.optional("password", max: FieldLimits.passwordMaximum, min: FieldLimits.passwordMinimum)
        changes.bio = fields.patch("bio", max: FieldLimits.bio)
        changes.image = fields.patch("image", max: FieldLimits.image)
        if let email = changes.email, !FieldFormats.isEmail(email) { fields.fail("email", "is invalid") }
        if case let .set(url) = changes.image, !url.isEmpty, !FieldFormats.isWebURL(url) { fields.fail("image", "must be an http(s) URL") }
        self.changes = changes
    }
}
