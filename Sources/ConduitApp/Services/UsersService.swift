import Foundation

/// A change to an optional field: leave it, clear it, or set it.
public enum Patch<Value: Sendable & Equatable>: Sendable, Equatable {
    case unchanged
    case clear
    case set(Value)
}

/// Registration, login, the current user and its updates. Business rules only: inputs arrive
/// validated (shape, lengths, formats) from the controller; storage is behind the repository.
public struct UsersService: Sendable {
    /// A user with a token for it.
    public struct Authenticated: Sendable, Equatable {
        public let user: User
        public let token: String
    }

    /// Who sent a request: the token, and the user and live session it names.
    public struct Caller: Sendable, Equatable {
        public let userID: Int64
        public let sessionID: String
        public let token: String
    }

    /// What `PUT /user` may change; nil means "leave as is".
    public struct Changes: Sendable, Equatable {
        public var username: String?
        public var email: String?
        public var password: String?
        public var bio: Patch<String> = .unchanged
        public var image: Patch<String> = .unchanged

        public init(username: String? = nil, email: String? = nil, password: String? = nil,
                    bio: Patch<String> = .unchanged, image: Patch<String> = .unchanged) {
            self.username = username
            self.email = email
            self.password = password
            self.bio = bio
            self.image = image
        }
    }

    let users: any UsersRepository
    let hasher: PasswordHasher
    let tokens: TokenService
    let sessions: Sessions
    let clock: @Sendable () -> String

    public init(users: any UsersRepository, hasher: PasswordHasher, tokens: TokenService, sessions: Sessions,
                clock: @escaping @Sendable () -> String = Timestamp.now) {
        self.users = users
        self.hasher = hasher
        self.tokens = tokens
        self.sessions = sessions
        self.clock = clock
    }

    public func register(username: String, email: String, password: String) async throws(AppError) -> Authenticated {
        let hash = try await hash(password)
        let user = try await repositoryCall(missing: "user") { () async throws(RepositoryError) in
            try await users.create(username: username, email: email, passwordHash: hash, at: clock())
        }
        return try await newSession(for: user)
    }

    /// The same error for an unknown email and a wrong password, and the same work: an unknown
    /// email still pays for one hash verification, so timing does not tell them apart either.
    public func login(email: String, password: String) async throws(AppError) -> Authenticated {
        let found = try await repositoryCall(missing: "user") { () async throws(RepositoryError) in try await users.find(email: email) }
        guard let user = found else {
            _ = try? await hasher.verify(password, against: decoyHash)
            throw .invalidCredentials
        }
        let matches: Bool
        do {
            matches = try await hasher.verify(password, against: user.passwordHash)
        } catch {
            throw .unavailable(cause: "password verification failed: \(error)")
        }
        guard matches else { throw .invalidCredentials }
        var current = user
        if hasher.needsRehash(user.passwordHash) {
            // The cost was raised since this hash was made: upgrade it now that we know the password.
            current.passwordHash = try await hash(password)
            current = (try? await users.update(current)) ?? user
        }
        return try await newSession(for: current)
    }

    /// The user a token names; `.invalidToken` for a bad token, an ended session or a user that
    /// no longer exists.
    public func authenticate(token: String) async throws(AppError) -> (user: User, caller: Caller) {
        let caller = try await caller(token: token)
        guard let user = try await repositoryCall(missing: "user", { () async throws(RepositoryError) in try await users.find(id: caller.userID) }) else {
            throw .invalidToken
        }
        return (user, caller)
    }

    /// Who a valid token (signature, expiry, a live session) was issued for, without reading
    /// the user: what a read needs to show follows and favorites. A removed user's tokens are
    /// refused: their sessions went with the user's row.
    public func caller(token: String) async throws(AppError) -> Caller {
        let verified: TokenService.Verified
        do {
            verified = try await tokens.verify(token)
        } catch {
            throw .invalidToken
        }
        let isLive = try await repositoryCall(missing: "session") { () async throws(RepositoryError) in
            try await sessions.isLive(verified.sessionID, userID: verified.userID)
        }
        guard isLive else { throw .invalidToken }
        return Caller(userID: verified.userID, sessionID: verified.sessionID, token: token)
    }

    /// The caller, with the token it sent (its session goes on).
    public func current(_ user: User, caller: Caller) -> Authenticated {
        Authenticated(user: user, token: caller.token)
    }

    /// Ends the caller's session, or with `everywhere` every session of the caller's.
    public func logout(_ caller: Caller, everywhere: Bool) async throws(AppError) {
        try await repositoryCall(missing: "session") { () async throws(RepositoryError) in
            if everywhere {
                try await sessions.endAll(userID: caller.userID)
            } else {
                try await sessions.end(caller.sessionID, userID: caller.userID)
            }
        }
    }

    /// Writes the changes. A new password ends every other session of the user's at once, and
    /// the caller's within a few seconds (``Sessions/rotationGraceSeconds``), and answers with a
    /// token for a new session: whoever stole a token loses it, a copy of the caller's
    /// included. Other changes keep the caller's token.
    public func update(_ user: User, with changes: Changes, caller: Caller) async throws(AppError) -> Authenticated {
        var updated = user
        if let username = changes.username { updated.username = username }
        if let email = changes.email { updated.email = email }
        if let password = changes.password { updated.passwordHash = try await hash(password) }
        updated.bio = Self.apply(changes.bio, to: user.bio)
        updated.image = Self.apply(changes.image, to: user.image)
        updated.updatedAt = ArticlesService.later(clock(), than: user.updatedAt)
        let stored = try await repositoryCall(missing: "user") { () async throws(RepositoryError) in try await users.update(updated) }
        guard changes.password != nil else { return Authenticated(user: stored, token: caller.token) }
        try await repositoryCall(missing: "session") { () async throws(RepositoryError) in
            try await sessions.endAll(userID: user.id, exceptForAMoment: caller.sessionID)
        }
        return try await newSession(for: stored)
    }

    /// Empty text is stored as null: the API returns `null` for a cleared bio or image.
    static func apply(_ patch: Patch<String>, to value: String?) -> String? {
        switch patch {
        case .unchanged: value
        case .clear: nil
        case let .set(text): text.isEmpty ? nil : text
        }
    }

    /// A session for `user` and a token naming it.
    private func newSession(for user: User) async throws(AppError) -> Authenticated {
        let now = Date()
        let session = try await repositoryCall(missing: "user") { () async throws(RepositoryError) in
            try await sessions.start(userID: user.id, now: now)
        }
        do {
            let token = try await tokens.issue(forUserID: user.id, sessionID: session.id, now: now, expires: session.expires)
            return Authenticated(user: user, token: token)
        } catch {
            throw .unavailable(cause: "token signing failed: \(error)")
        }
    }

    private func hash(_ password: String) async throws(AppError) -> String {
        do {
            return try await hasher.hash(password)
        } catch {
            throw .unavailable(cause: "password hashing failed: \(error)")
        }
    }

    /// A well-formed hash at the current cost that no password matches, for the unknown-email
    /// path of `login`.
    var decoyHash: String {
        let p = hasher.parameters
        return "$scrypt$ln=\(p.logN),r=\(p.blockSize),p=\(p.parallelism)$c2FsdHNhbHRzYWx0c2FsdA$ZGVjb3lkZWNveWRlY295ZGVjb3lkZWNveWRlY295ZGU"
    }
}
