import CProcessGuard
import Foundation

/// The process-wide table of temporary files that SIGINT, SIGTERM and SIGHUP (and a
/// reported libhdf5 crash) delete before the process exits. The table and the handler are
/// C (`CProcessGuard`) because a signal handler may only touch preallocated memory and
/// async-signal-safe calls; this is the Swift face of it.
enum TemporaryFiles {
    /// One registered path. `release()` (or deinit) takes it out of the table.
    final class Registration: @unchecked Sendable {
        private let lock = NSLock()
        private var slot: Int32?

        fileprivate init(slot: Int32) { self.slot = slot }

        /// Forgets the path (call after it was renamed into place or deleted). Idempotent.
        func release() {
            lock.lock()
            defer { lock.unlock() }
            if let slot { pg_unregister_temporary(slot) }
            slot = nil
        }

        deinit { release() }
    }

    /// Installing the handlers once, the first time a temporary file exists.
    private static let handlersInstalled: Int32 = pg_install_termination_handlers()

    /// Registers `path` for removal on a termination signal. Fails (rather than leaving a
    /// file behind unnoticed) when the table is full or the path is too long for it.
    static func register(_ path: String) throws -> Registration {
        if handlersInstalled != 0 {
            throw HDF5Error(operation: "write", file: path, reason: "cannot install the signal handlers that remove unfinished files: \(SystemError(code: handlersInstalled))")
        }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let slot = pg_register_temporary(absolute)
        guard slot >= 0 else {
            let reason = absolute.utf8.count >= PG_PATH_CAPACITY
                ? "the path is longer than \(PG_PATH_CAPACITY - 1) bytes"
                : "more than \(PG_TEMPORARY_SLOTS) output files are being written at once"
            throw HDF5Error(operation: "write", file: path, reason: reason)
        }
        return Registration(slot: slot)
    }
}
