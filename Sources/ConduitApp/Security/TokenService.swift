import Crypto
import Foundation
import JWTKit

/// Issues and checks the HS256 JSON Web Tokens that authenticate API calls.
///
/// The algorithm is fixed here, never taken from a token: jwt-kit verifies a token only with
/// the key registered for its `kid` (or the default key), and that key is HMAC-SHA256, so
/// `alg: none` or any other algorithm fails. Tokens carry `sub` (the user id), `sid` (the
/// session, ``Sessions``: a token is good only while its session lives), `iat` and `exp`.
public struct TokenService: Sendable {
    /// The claims of a Conduit token.
    public struct Claims: JWTPayload, Equatable {
        public var sub: SubjectClaim
        /// Optional to decode tokens issued before sessions existed, which are then refused.
        public var sid: String?
        public var iat: IssuedAtClaim
        public var exp: ExpirationClaim

        public func verify(using algorithm: some JWTAlgorithm) async throws {
            // A few seconds of leeway for clocks that disagree between instances.
            try exp.verifyNotExpired(currentDate: Date().addingTimeInterval(-TokenService.leewaySeconds))
        }
    }

    public struct InvalidToken: Error, Equatable {}

    /// What a valid token names.
    public struct Verified: Sendable, Equatable {
        public let userID: Int64
        public let sessionID: String
    }

    static let leewaySeconds: TimeInterval = 5
    private let keys: JWTKeyCollection
    /// The signing key's id: a fingerprint of the secret, so that after a rotation a token
    /// names the key that signed it and finds it among the previous ones.
    private let currentKeyID: JWKIdentifier
    public let lifetimeSeconds: Int
    /// Tokens already verified (``VerifiedTokens``).
    private let verified = VerifiedTokens()

    /// - Parameters:
    ///   - secret: signs new tokens and verifies them.
    ///   - previousSecrets: verify tokens signed before a key rotation; never used to sign.
    public init(secret: String, previousSecrets: [String] = [], lifetimeSeconds: Int) async {
        let keys = JWTKeyCollection()
        currentKeyID = Self.keyID(for: secret)
        // Added first, the current key is also the default, for tokens without a kid.
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: currentKeyID)
        for previous in previousSecrets where previous != secret {
            await keys.add(hmac: HMACKey(from: previous), digestAlgorithm: .sha256, kid: Self.keyID(for: previous))
        }
        self.keys = keys
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// A token for session `sessionID` of `userID`, valid until `expires` (the session's end).
    public func issue(forUserID userID: Int64, sessionID: String, now: Date = Date(), expires: Date? = nil) async throws -> String {
        let claims = Claims(
            sub: SubjectClaim(value: String(userID)), sid: sessionID, iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: expires ?? now.addingTimeInterval(TimeInterval(lifetimeSeconds))))
        return try await keys.sign(claims, kid: currentKeyID)
    }

    static func keyID(for secret: String) -> JWKIdentifier {
        let digest = SHA256.hash(data: Array("conduit-jwt-kid:\(secret)".utf8))
        return JWKIdentifier(string: digest.prefix(8).map { String($0, radix: 16) }.joined())
    }

    /// The user and session a valid token names (signature and expiry; whether the session
    /// still lives is ``Sessions``' to say); throws ``InvalidToken`` for anything else.
    public func verify(_ token: String) async throws(InvalidToken) -> Verified {
        // Tokens are short; a megabyte of "token" is an attack, not a token.
        guard token.utf8.count <= 4096 else { throw InvalidToken() }
        if let known = verified.claims(for: token, now: Date().addingTimeInterval(-Self.leewaySeconds)) { return known }
        do {
            let claims = try await keys.verify(token, as: Claims.self)
            guard let id = Int64(claims.sub.value), id > 0, let sessionID = claims.sid, !sessionID.isEmpty, sessionID.utf8.count <= 64
            else { throw InvalidToken() }
            let result = Verified(userID: id, sessionID: sessionID)
            verified.remember(token, result, expires: claims.exp.value)
            return result
        } catch {
            throw InvalidToken()
        }
    }
}
