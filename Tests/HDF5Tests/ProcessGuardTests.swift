import CProcessGuard
import Foundation
import TestSupport
import Testing

/// The C signal machinery, exercised in a forked child (it ends the process it runs in).
/// After fork the child calls only async-signal-safe functions on C strings made before.
/// The child is made with `_Fork`, which runs no fork handlers: OpenBLAS's
/// (`blas_thread_shutdown_`) can deadlock while other tests run BLAS (seen twice in CI, with
/// two of these tests forking at once and with one forking alone). Without those handlers
/// malloc's locks are not taken either, so the child must not allocate: the thread's
/// alternate signal stack, the one thing the crash handler allocates, is made in the parent
/// first. Serialized as well, so forks never overlap. The engine itself never forks
/// (Foundation's Process spawns without fork handlers).
@Suite(.serialized) struct ProcessGuardTests {
    let directory: TemporaryDirectory
    /// A registered temporary file the handlers must remove, and where the child's stderr goes.
    let temporary: String, stderrPath: String
    /// Registered by this (parent) process: the child's handlers must leave it alone.
    let parentTemporary: String
    init() throws {
        directory = try TemporaryDirectory()
        temporary = directory.path(".r.nc.partial-test")
        parentTemporary = directory.path(".parent.nc.partial-test")
        stderrPath = directory.path("stderr.txt")
        for path in [temporary, parentTemporary] { try "unfinished".write(toFile: path, atomically: true, encoding: .utf8) }
    }

    /// Registers `parentTemporary` here and forks; the child unblocks `signal` (test threads
    /// may run with it blocked), sends its stderr to `stderrPath`, registers `temporary` and
    /// runs `body`, which must not return. Returns the child's exit status, or nil if a
    /// signal killed it.
    func exitStatus(unblocking signal: Int32, _ body: () -> Void) -> Int32? {
        let temporaryC = strdup(temporary)!, stderrC = strdup(stderrPath)!
        defer { free(temporaryC); free(stderrC) }
        let parentSlot = pg_register_temporary(parentTemporary)
        defer { pg_unregister_temporary(parentSlot) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        sigaddset(&unblocked, signal)
        pg_reading_begin(temporaryC, nil)  // makes this thread's alternate stack (it allocates)
        pg_reading_end()
        let child = Self.forkWithoutHandlers()
        if child == 0 {
            // Let go of every descriptor (and flock) inherited from tests running alongside:
            // a lock held here would make another test's reopening of its file fail.
            closefrom(3)
            pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
            dup2(open(stderrC, O_WRONLY | O_CREAT | O_TRUNC, 0o644), 2)
            pg_register_temporary(temporaryC)
            body()
            _exit(0)  // reached only when the handler under test did not end the child
        }
        var raw: Int32 = 0
        #expect(waitpid(child, &raw, 0) == child)
        #expect(FileManager.default.fileExists(atPath: parentTemporary), "a forked child never deletes its parent's files")
        // The <sys/wait.h> macros, which Swift does not import.
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil
    }

    /// glibc's `_Fork` (2.34 and later; Swift's Glibc module does not declare it), else fork.
    static func forkWithoutHandlers() -> pid_t {
        typealias ForkFunction = @convention(c) () -> pid_t
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "_Fork") else { return fork() }
        return unsafeBitCast(symbol, to: ForkFunction.self)()
    }

    var report: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// While publishing is under way a SIGINT is held: the child keeps running (and makes
    /// a marker file), then removes its temporary file and exits 130 when deferring ends.
    @Test func interruptDuringPublishingIsHeldUntilItEnds() {
        let marker = directory.path("still-running")
        let markerC = strdup(marker)!
        defer { free(markerC) }
        let status = exitStatus(unblocking: SIGINT) {
            signal(SIGINT, SIG_DFL)  // the runner may run with SIGINT ignored, which is kept
            pg_install_termination_handlers()
            pg_begin_deferring()
            raise(SIGINT)
            close(open(markerC, O_WRONLY | O_CREAT, 0o644))
            pg_end_deferring()
        }
        #expect(status == 130)
        #expect(FileManager.default.fileExists(atPath: marker), "the signal was held, not acted on at once")
        #expect(!FileManager.default.fileExists(atPath: temporary))
    }

    /// A crash while libhdf5 reads a file is one line naming the file and object, exit 70,
    /// and the registered temporary files are gone.
    @Test func crashInsideARead() {
        let fileC = strdup("in.nc")!, objectC = strdup("dataset /data")!
        defer { free(fileC); free(objectC) }
        let status = exitStatus(unblocking: SIGSEGV) {
            pg_install_crash_handler()
            pg_reading_begin(fileC, objectC)
            raise(SIGSEGV)
        }
        #expect(status == 70)
        #expect(report.hasSuffix(": libhdf5 crashed while reading in.nc (dataset /data): the file is damaged or not a valid HDF5 file\n"), "\(report)")
        #expect(report.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: temporary))
    }

    /// A stack overflow inside a read is reported too: the handler runs on the alternate
    /// stack that `pg_reading_begin` gives the thread (without one it could not run at all).
    @Test func stackOverflowInsideARead() {
        let fileC = strdup("deep.nc")!
        defer { free(fileC) }
        let status = exitStatus(unblocking: SIGSEGV) {
            pg_install_crash_handler()
            pg_reading_begin(fileC, nil)
            _ = Self.recurse(1)  // never returns: the stack runs out
        }
        #expect(status == 70)
        #expect(report.hasSuffix(": libhdf5 crashed while reading deep.nc: the file is damaged or not a valid HDF5 file\n"), "\(report)")
    }

    /// Unbounded recursion that the optimiser cannot turn into a loop.
    @inline(never)
    static func recurse(_ depth: Int) -> Int {
        var frame = (depth, depth &+ 1, depth &+ 2, depth &+ 3, depth &+ 4, depth &+ 5, depth &+ 6, depth &+ 7)
        return withUnsafeMutablePointer(to: &frame) { pointer in
            recurse(pointer.pointee.0 &+ 1) &+ pointer.pointee.7
        }
    }
}
