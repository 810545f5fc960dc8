/// A user as others see it.
public struct Profile: Sendable, Equatable {
    public var username: String
    public var bio: String?
    public var image: String?
    /// Whether the viewer follows this user (false for anonymous viewers).
    public var following: Bool
}
