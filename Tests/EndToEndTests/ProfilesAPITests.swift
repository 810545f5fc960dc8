import Foundation
import HTTPTestSupport
import Testing

@Suite("Profiles API")
struct ProfilesAPITests {
    let api = UsersAPITests()

    @Test("profiles, follow and unfollow over HTTP, with 401 before 404")
    func profiles() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let port = server.port
        let jake = try api.call(port, "POST", "/api/users", body: #"{"user":{"username":"jake","email":"jake@x.yz","password":"password123"}}"#)
        _ = try api.call(port, "POST", "/api/users", body: #"{"user":{"username":"celeb star","email":"celeb@x.yz","password":"password123"}}"#)
        let token = try #require(api.user(jake.json)["token"] as? String)
        let anonymous = try api.call(port, "GET", "/api/profiles/celeb%20star")
        #expect(anonymous.status == 200)
        let profile = anonymous.json["profile"] as? [String: Any] ?? [:]
        #expect(profile["username"] as? String == "celeb star" && profile["following"] as? Bool == false && profile["bio"] is NSNull)
        let followed = try api.call(port, "POST", "/api/profiles/celeb%20star/follow", token: token)
        #expect((followed.json["profile"] as? [String: Any])?["following"] as? Bool == true)
        #expect((try api.call(port, "GET", "/api/profiles/celeb%20star", token: token).json["profile"] as? [String: Any])?["following"] as? Bool == true)
        let unfollowed = try api.call(port, "DELETE", "/api/profiles/celeb%20star/follow", token: token)
        #expect((unfollowed.json["profile"] as? [String: Any])?["following"] as? Bool == false)
        #expect(api.errors(try api.call(port, "GET", "/api/profiles/nobody").json) == ["profile": ["not found"]])
        #expect(api.errors(try api.call(port, "POST", "/api/profiles/nobody/follow").json) == ["token": ["is missing"]])
        #expect(try api.call(port, "POST", "/api/profiles/nobody/follow", token: token).status == 404)
        #expect(try api.call(port, "GET", "/api/profiles/\(String(repeating: "x", count: 500))").status == 404)
    }
}
