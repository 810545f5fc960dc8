#if canImport(Glibc)
import Glibc
#endif

/// Creates the listening socket, with a descriptor of its own for each event loop (`dup`): the
/// loops share one accept queue, and ``AcceptBalance`` decides which of them listen. A large
/// backlog and TCP_NODELAY (inherited by accepted sockets on Linux; without it pipelined
/// responses wait for delayed ACKs). SO_REUSEPORT stays set, so that another process (a new
/// version starting before the old one drains) can bind the same address.
enum ListeningSocket {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Binds `count` sockets on host:port and returns them with the port actually bound.
    /// A port already in use by anyone is an error, even though SO_REUSEPORT would let us share it.
    static func bind(host: String, port: Int, count: Int, backlog: Int) throws -> (fds: [Int32], port: Int) {
        guard (0...65535).contains(port) else { throw Failure(description: "port \(port) is out of range") }
        var address = try resolve(host: host, port: port)

        // Probe without SO_REUSEPORT: it fails if any socket holds the port, and resolves port 0.
        let boundPort = try {
            let probe = try makeSocket(family: address.family, reusePort: false)
            defer { close(probe) }
            try bindSocket(probe, &address, host: host)
            return try localPort(of: probe)
        }()
        address.setPort(boundPort)

        var fds: [Int32] = []
        do {
            let fd = try makeSocket(family: address.family, reusePort: true)
            fds.append(fd)
            try bindSocket(fd, &address, host: host)
            guard listen(fd, Int32(clamping: backlog)) == 0 else { throw errnoFailure("listen") }
            for _ in 1..<max(1, count) {
                let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
                guard copy >= 0 else { throw errnoFailure("dup") }
                fds.append(copy)
            }
        } catch {
            fds.forEach { close($0) }
            throw error
        }
        return (fds, boundPort)
    }

    private struct Address {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        var family: Int32 { Int32(storage.ss_family) }

        mutating func setPort(_ port: Int) {
            let family = self.family
            withUnsafeMutableBytes(of: &storage) { raw in
                if family == AF_INET6 {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port = in_port_t(port).bigEndian
                } else {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port = in_port_t(port).bigEndian
                }
            }
        }
    }

    private static func resolve(host: String, port: Int) throws -> Address {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw Failure(description: "cannot resolve host \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        var address = Address()
        address.length = first.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &address.storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return address
    }

    private static func makeSocket(family: Int32, reusePort: Bool) throws -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw errnoFailure("socket") }
        var one: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, size)
        if reusePort, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, size) != 0 {
            let failure = errnoFailure("SO_REUSEPORT")
            close(fd)
            throw failure
        }
        return fd
    }

    private static func bindSocket(_ fd: Int32, _ address: inout Address, host: String) throws {
        let length = address.length
        let status = withUnsafePointer(to: &address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        guard status == 0 else { throw errnoFailure("cannot listen on \(host)") }
    }

    private static func localPort(of fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { throw errnoFailure("getsockname") }
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: &storage) { raw in
            if family == AF_INET6 {
                Int(in_port_t(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            } else {
                Int(in_port_t(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
            }
        }
    }

    private static func errnoFailure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
