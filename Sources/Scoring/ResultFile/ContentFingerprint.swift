import Foundation

/// What identifies a neural file's content independently of where it lies and when it was
/// copied: its size and the SHA-1 of its first MiB (HDF5 keeps its superblock and metadata
/// at the start). A ceiling file records its neural file's, so `score --ceiling` can refuse
/// a ceiling computed from other data.
public struct ContentFingerprint: Sendable, Equatable, CustomStringConvertible {
    public static let prefixBytes = 1 << 20
    public var size: Int64
    public var sha1FirstMiB: String

    public init(size: Int64, sha1FirstMiB: String) {
        self.size = size
        self.sha1FirstMiB = sha1FirstMiB
    }

    public init(path: String) throws {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw ScoringError("\(path): cannot read the file's attributes (\(error.localizedDescription))")
        }
        size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ScoringError("\(path): cannot open the file") }
        defer { try? handle.close() }
        sha1FirstMiB = SHA1.hex((try? handle.read(upToCount: Self.prefixBytes)) ?? Data())
    }

    public var description: String { "\(size) bytes, SHA-1 of the first MiB \(sha1FirstMiB.prefix(12))" }
}

/// SHA-1 (FIPS 180-4), for fingerprints only: Foundation on Linux has no digest API, and
/// one small function is lighter than a package.
public enum SHA1 {
    public static func hex(_ data: Data) -> String {
        var h: [UInt32] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
        var message = [UInt8](data)
        let bitLength = UInt64(message.count) * 8
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 80)
        for block in stride(from: 0, to: message.count, by: 64) {
            for t in 0..<16 {
                let i = block + t * 4
                w[t] = UInt32(message[i]) << 24 | UInt32(message[i + 1]) << 16 | UInt32(message[i + 2]) << 8 | UInt32(message[i + 3])
            }
            for t in 16..<80 { w[t] = rotate(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for t in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch t {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A827999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1BBCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62C1D6)
                }
                let temp = rotate(a, 5) &+ f &+ e &+ k &+ w[t]
                (e, d, c, b, a) = (d, c, rotate(b, 30), a, temp)
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e
        }
        return h.map { String(format: "%08x", $0) }.joined()
    }

    private static func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
}

