import Foundation
import Synchronization

/// Tokens whose signature was already checked, with the user and session they name and when they
/// expire. A client sends the same token with every request; checking its HMAC and decoding
/// its claims again each time, through jwt-kit's key collection (an actor: two thread hops),
/// was most of what an authenticated read cost beyond the unauthenticated one.
///
/// Sound because a token is immutable: the same string has the same signature and claims, so
/// a string verified once is valid until its `exp` (checked on every use, with the same leeway
/// as a full verification). Bounded: at most `capacity` tokens; when full, it starts over.
final class VerifiedTokens: Sendable {
    private struct Entry {
        let verified: TokenService.Verified
        let expires: Date
    }

    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// What a token verified before and not yet expired at `now` names.
    func claims(for token: String, now: Date = Date()) -> TokenService.Verified? {
        entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard now < entry.expires else {
                entries[token] = nil
                return nil
            }
            return entry.verified
        }
    }

    func remember(_ token: String, _ verified: TokenService.Verified, expires: Date) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = Entry(verified: verified, expires: expires)
        }
    }
}
