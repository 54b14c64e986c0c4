import Foundation
import Scoring

/// What identifies an input file's content cheaply: its size, modification time and the
/// SHA-1 of its first MiB. Reading the whole of a multi-GB activations file on every resume
/// would cost more than some steps; size + mtime catch rewrites, the leading bytes catch a
/// different file of the same size (HDF5 keeps its superblock and metadata at the start).
/// Copying an output folder without keeping times (`cp` without `-p`) makes every step
/// look changed, so it is refused rather than trusted.
public struct Fingerprint: Sendable, Equatable {
    public static let prefixBytes = 1 << 20

    public var size: Int64
    public var modified: Double
    public var sha1: String

    public init(path: String) throws {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw RunError("\(path): cannot read the file's attributes (\(error.localizedDescription))")
        }
        size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        modified = ((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RunError("\(path): cannot open the file") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: Self.prefixBytes)) ?? Data()
        sha1 = SHA1.hex(data)
    }

    /// The recorded form (modification time to the microsecond: JSON round-trips it exactly).
    public var fields: [(String, String)] {
        [("size", String(size)), ("mtime", String(format: "%.6f", modified)), ("sha1_first_mib", sha1)]
    }
}

public struct RunError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
