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
        _ = exitHandler
        H5Eset_auto2(shim_H5E_DEFAULT(), nil, nil)
        return try body()
    }

    /// Our exit handler, registered right after libhdf5 initialises (and registers its
    /// own), so that it runs first (exit handlers run in reverse order).
    private static let exitHandler: Void = {
        // Only ours tears libhdf5 down, under the lock (a no-op if the library was already
        // initialised, in which case its handler runs after ours and finds nothing to do).
        _ = H5dont_atexit()
        _ = H5open()
        atexit { HDF5Library.shutDownForExit() }
    }()
    nonisolated(unsafe) private static var shutDownAttempted = false

    /// Shuts libhdf5 down at process exit under the library lock, which it then keeps:
    /// libhdf5's own exit handler tears the library down without our lock, so a worker
    /// thread still releasing an HDF5 object could call in while (or after) it ran, into
    /// freed structures: an MPI run crashed so at exit, about once in 40 (a null skip
    /// list in H5SL_search). Here the release finishes first, or waits forever, and
    /// libhdf5's handler finds nothing left to do. It also runs before MPI_Finalize
    /// (registered when MPI starts), so files are closed while MPI still works.
    /// (A thread stuck inside a call, say in a collective write whose partner rank is
    /// gone, must not hang the exit: after 10 s libhdf5 is left as it is, for the system
    /// to reclaim. Once per process: the MPI exit handler calls it too.)
    static func shutDownForExit() {
        guard !shutDownAttempted else { return }
        shutDownAttempted = true
        guard lock.lock(before: Date().addingTimeInterval(10)) else { return }
        _ = H5close()
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

    /// For an exit handler that runs before MPI_Finalize (`HDF5Library.shutDownForExit`).
    public static func shutDownForExit() { HDF5Library.shutDownForExit() }
}

/// Decodes a NUL-terminated C string held in a Swift array (the bytes up to the first NUL).
func decodeCString(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
