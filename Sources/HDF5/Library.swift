#if MPI
import CHDF5MPI
#else
import CHDF5
#endif
import Foundation

/// The one door to libhdf5.
///
/// Why a single global lock: Debian's libhdf5 is built thread-safe with one global
/// mutex inside the library, so concurrent HDF5 calls never run in parallel anyway.
/// Taking our own (recursive) lock around every call sequence makes the rule explicit
/// and, more importantly, keeps a failing call and the reading of HDF5's per-thread
/// error stack in one critical section, so one thread can never see or clear another
/// thread's errors. Every object in this module is therefore safe to use from any
/// thread; for throughput, give I/O its own thread rather than many.
enum HDF5Library {
    private static let lock = NSRecursiveLock()

    /// Runs `body` with the library lock held. HDF5's automatic error printing is turned
    /// off for the calling thread first (the setting is per-thread in thread-safe builds):
    /// failures are reported through `HDF5Error` instead of text on stderr.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        H5Eset_auto2(shim_H5E_DEFAULT(), nil, nil)
        return try body()
    }

    /// The version of the linked libhdf5, e.g. "1.10.8".
    public static var version: String {
        locked {
            var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
            H5get_libversion(&major, &minor, &release)
            return "\(major).\(minor).\(release)"
        }
    }
}

/// Public facts about the linked library.
public enum HDF5 {
    /// The version of the linked libhdf5, e.g. "1.10.8".
    public static var libraryVersion: String { HDF5Library.version }
}

/// Decodes a NUL-terminated C string held in a Swift array (the bytes up to the first NUL).
func decodeCString(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
