import Foundation
import HTTPKernel
import JWTKit
import Testing

@testable import ConduitApp

@Suite("Password hashing")
struct PasswordHasherTests {
    static let pool = BlockingPool(threads: 2, name: "test-hash")
    // A low cost keeps the suite fast; the format and checks are the same.
    let hasher = PasswordHasher(parameters: .init(logN: 10), pool: PasswordHasherTests.pool)

    @Test("a hash verifies its password and no other")
    func roundTrip() async throws {
        let encoded = try await hasher.hash("correct horse battery")
        #expect(encoded.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        #expect(try await hasher.verify("correct horse battery", against: encoded))
        #expect(try await !hasher.verify("correct horse batterx", against: encoded))
        #expect(try await !hasher.verify("", against: encoded))
    }

    @Test("the same password hashes differently each time (salted)")
    func salted() async throws {
        let first = try await hasher.hash("password123")
        let second = try await hasher.hash("password123")
        #expect(first != second)
    }

    @Test("malformed or foreign hashes never verify", arguments: [
        "", "plain", "$scrypt$ln=10,r=8,p=1$", "$scrypt$ln=99,r=8,p=1$c2FsdA$aGFzaA", "$2b$12$abcdefghijklmnopqrstuv",
        "$scrypt$ln=10,r=8,p=1$!!!$aGFzaA",
    ])
    func malformed(_ encoded: String) async throws {
        #expect(try await !hasher.verify("password123", against: encoded))
    }

    @Test("a hash made with other parameters still verifies and asks for a rehash")
    func parametersTravelWithTheHash() async throws {
        let old = PasswordHasher(parameters: .init(logN: 9), pool: Self.pool)
        let encoded = try await old.hash("password123")
        #expect(try await hasher.verify("password123", against: encoded))
        #expect(hasher.needsRehash(encoded))
        #expect(!old.needsRehash(encoded))
    }
}

@Suite("Tokens")
struct TokenServiceTests {
    let secret = "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o"

    @Test("an issued token names its user")
    func roundTrip() async throws {
        let tokens = await TokenService(secret: secret, lifetimeSeconds: 3600)
        #expect(try await tokens.verify(try await tokens.issue(forUserID: 42, sessionID: "s42")).userID == 42)
    }

    @Test("an expired token is refused")
    func expired() async throws {
        let tokens = await TokenService(secret: secret, lifetimeSeconds: 60)
        let token = try await tokens.issue(forUserID: 1, sessionID: "s1", now: Date().addingTimeInterval(-3600))
        await #expect(throws: TokenService.InvalidToken()) { try await tokens.verify(token) }
    }

    @Test("a token signed with another key is refused")
    func wrongKey() async throws {
        let other = await TokenService(secret: "another-secret-another-secret-another-secret", lifetimeSeconds: 3600)
        let tokens = await TokenService(secret: secret, lifetimeSeconds: 3600)
        let token = try await other.issue(forUserID: 1, sessionID: "s1")
        await #expect(throws: TokenService.InvalidToken()) { try await tokens.verify(token) }
    }

    @Test("alg none, tampered and garbage tokens are refused")
    func forged() async throws {
        let tokens = await TokenService(secret: secret, lifetimeSeconds: 3600)
        let valid = try await tokens.issue(forUserID: 7, sessionID: "s7")
        let parts = valid.split(separator: ".").map(String.init)
        func b64(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        let future = Int(Date().timeIntervalSince1970) + 3600
        let payload = b64(#"{"sub":"1","sid":"s1","iat":0,"exp":\#(future)}"#)
        let forgeries = [
            b64(#"{"alg":"none","typ":"JWT"}"#) + "." + payload + ".",
            b64(#"{"alg":"none","typ":"JWT","kid":"\#(TokenService.keyID(for: secret).string)"}"#) + "." + payload + ".",
            b64(#"{"alg":"HS512","typ":"JWT"}"#) + "." + payload + "." + parts[2],
            parts[0] + "." + payload + "." + parts[2],  // payload swapped under the old signature
            parts[0] + "." + parts[1] + "." + String(parts[2].reversed()),
            "", "abc", "a.b.c", String(repeating: "a", count: 10_000),
        ]
        for forged in forgeries {
            await #expect(throws: TokenService.InvalidToken(), "\(forged.prefix(60))") { try await tokens.verify(forged) }
        }
        // Once the genuine token is verified (and remembered), forgeries are still refused.
        #expect(try await tokens.verify(valid).userID == 7)
        for forged in forgeries {
            await #expect(throws: TokenService.InvalidToken(), "\(forged.prefix(60))") { try await tokens.verify(forged) }
        }
        #expect(try await tokens.verify(valid).userID == 7)
    }

    @Test("a genuinely signed token without a session (issued before sessions existed) is refused")
    func noSession() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: TokenService.keyID(for: secret))
        let claims = TokenService.Claims(
            sub: SubjectClaim(value: "3"), sid: nil, iat: IssuedAtClaim(value: Date()), exp: ExpirationClaim(value: Date().addingTimeInterval(600)))
        let token = try await keys.sign(claims, kid: TokenService.keyID(for: secret))
        let tokens = await TokenService(secret: secret, lifetimeSeconds: 3600)
        await #expect(throws: TokenService.InvalidToken()) { try await tokens.verify(token) }
    }

    @Test("a remembered token is valid until its expiry, then forgotten; the memory is bounded")
    func rememberedTokens() {
        let cache = VerifiedTokens(capacity: 3)
        let now = Date()
        cache.remember("t1", .init(userID: 1, sessionID: "a"), expires: now.addingTimeInterval(60))
        #expect(cache.claims(for: "t1", now: now) == .init(userID: 1, sessionID: "a"))
        #expect(cache.claims(for: "t1", now: now.addingTimeInterval(61)) == nil)
        #expect(cache.claims(for: "t1", now: now) == nil, "an expired entry is dropped")
        #expect(cache.claims(for: "t2", now: now) == nil)
        for index in 0..<10 { cache.remember("x\(index)", .init(userID: Int64(index), sessionID: "s"), expires: now.addingTimeInterval(60)) }
        #expect(cache.claims(for: "x9", now: now)?.userID == 9)
        #expect(cache.claims(for: "x0", now: now) == nil, "at most 3 kept")
    }

    @Test("a previous secret still verifies after rotation, but never signs")
    func rotation() async throws {
        let old = await TokenService(secret: secret, lifetimeSeconds: 3600)
        let token = try await old.issue(forUserID: 5, sessionID: "s5")
        let rotated = await TokenService(
            secret: "new-secret-new-secret-new-secret-new-secret", previousSecrets: [secret], lifetimeSeconds: 3600)
        #expect(try await rotated.verify(token).userID == 5)
        let fresh = try await rotated.issue(forUserID: 5, sessionID: "s5")
        #expect(try await rotated.verify(fresh).userID == 5)
        await #expect(throws: TokenService.InvalidToken()) { try await old.verify(fresh) }
    }
}
