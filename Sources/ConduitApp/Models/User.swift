/// A stored user. `passwordHash` never leaves the service layer.
public struct User: Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var email: String
    public var passwordHash: String
    public var bio: String?
    public var image: String?
    public var createdAt: String
    public var updatedAt: String
}
