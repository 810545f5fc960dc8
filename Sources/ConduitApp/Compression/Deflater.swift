import CZlib
import Synchronization

/// One zlib deflate stream, reset and reused for body after body: zlib allocates about 270 KiB
/// per stream (window and hash tables), too much to set up and tear down for every response.
///
/// `@unchecked Sendable`: a stream is used by one caller at a time, which ``DeflaterPool``
/// guarantees by handing each one out exclusively (taken out of the pool under its lock, put
/// back when the caller is done).
final class Deflater: @unchecked Sendable {
    let coding: ContentCoding
    private let stream: UnsafeMutablePointer<z_stream>

    /// nil when zlib cannot set up a stream (out of memory).
    init?(coding: ContentCoding, level: Int32) {
        self.coding = coding
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 bits of window; +16 asks zlib for the gzip wrapper, plain 15 for the zlib wrapper
        // that HTTP's `deflate` coding means (RFC 9110 §8.4.1.2).
        let windowBits: Int32 = coding == .gzip ? 15 + 16 : 15
        guard conduit_deflate_init2(stream, level, windowBits) == Z_OK else {
            stream.deallocate()
            return nil
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// The whole body compressed, with its wrapper; nil if zlib fails (the caller then sends
    /// the body as it is).
    func compress(_ body: [UInt8]) -> [UInt8]? {
        guard deflateReset(stream) == Z_OK else { return nil }
        let capacity = Int(deflateBound(stream, uLong(body.count)))
        return body.withUnsafeBufferPointer { input -> [UInt8]? in
            var finished = false
            let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = uInt(capacity)
                // deflateBound is enough for one call to finish the stream.
                finished = deflate(stream, Z_FINISH) == Z_STREAM_END
                count = finished ? capacity - Int(stream.pointee.avail_out) : 0
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
            }
            return finished ? output : nil
        }
    }
}

/// Streams kept for reuse, per coding; at most `capacity` of each are kept (more may exist
/// while many responses are compressed at once: those are freed when done).
final class DeflaterPool: Sendable {
    let level: Int32
    private let capacity: Int
    private let idle = Mutex<[ContentCoding: [Deflater]]>([:])

    init(level: Int, capacity: Int) {
        self.level = Int32(level)
        self.capacity = capacity
    }

    /// `body` compressed with `coding`, or nil when zlib could not do it.
    func compress(_ body: [UInt8], with coding: ContentCoding) -> [UInt8]? {
        guard let deflater = idle.withLock({ $0[coding]?.popLast() }) ?? Deflater(coding: coding, level: level) else { return nil }
        let compressed = deflater.compress(body)
        idle.withLock { idle in
            if idle[coding, default: []].count < capacity { idle[coding, default: []].append(deflater) }
        }
        return compressed
    }
}
