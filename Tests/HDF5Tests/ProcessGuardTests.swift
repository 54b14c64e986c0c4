import CProcessGuard
import Foundation
import TestSupport
import Testing

/// The C signal machinery, exercised in a forked child (it ends the process it runs in).
/// After fork the child calls only async-signal-safe functions on C strings made before.
@Suite struct ProcessGuardTests {
    /// While publishing is under way a SIGINT is held: the child keeps running (and makes
    /// a marker file), then removes its temporary file and exits 130 when deferring ends.
    @Test func interruptDuringPublishingIsHeldUntilItEnds() throws {
        let directory = try TemporaryDirectory()
        let temporary = directory.path(".r.nc.partial-test"), marker = directory.path("still-running")
        try "unfinished".write(toFile: temporary, atomically: true, encoding: .utf8)
        let temporaryC = strdup(temporary)!, markerC = strdup(marker)!
        defer { free(temporaryC); free(markerC) }
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        let child = fork()
        if child == 0 {
            // Test threads may run with SIGINT blocked, and the runner with it ignored (kept).
            pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
            signal(SIGINT, SIG_DFL)
            pg_install_termination_handlers()
            pg_register_temporary(temporaryC)
            pg_begin_deferring()
            raise(SIGINT)
            close(open(markerC, O_WRONLY | O_CREAT, 0o644))
            pg_end_deferring()
            _exit(0)  // not reached: the held SIGINT ends the process above
        }
        var raw: Int32 = 0
        #expect(waitpid(child, &raw, 0) == child)
        #expect(raw & 0x7f == 0 && (raw >> 8) & 0xff == 130, "wait status \(raw)")
        #expect(FileManager.default.fileExists(atPath: marker), "the signal was held, not acted on at once")
        #expect(!FileManager.default.fileExists(atPath: temporary))
    }

    /// A crash while libhdf5 reads a file is one line naming the file and object, exit 70,
    /// and the registered temporary files are gone.
    @Test func crashInsideARead() throws {
        let directory = try TemporaryDirectory()
        let temporary = directory.path(".r.nc.partial-test"), stderrPath = directory.path("stderr.txt")
        try "unfinished".write(toFile: temporary, atomically: true, encoding: .utf8)
        let temporaryC = strdup(temporary)!, stderrC = strdup(stderrPath)!
        let fileC = strdup("in.nc")!, objectC = strdup("dataset /data")!
        defer { for pointer in [temporaryC, stderrC, fileC, objectC] { free(pointer) } }
        var crash = sigset_t()
        sigemptyset(&crash)
        sigaddset(&crash, SIGSEGV)
        let child = fork()
        if child == 0 {
            pthread_sigmask(SIG_UNBLOCK, &crash, nil)
            dup2(open(stderrC, O_WRONLY | O_CREAT | O_TRUNC, 0o644), 2)
            pg_install_crash_handler()
            pg_register_temporary(temporaryC)
            pg_reading_begin(fileC, objectC)
            raise(SIGSEGV)
            _exit(0)  // not reached
        }
        var raw: Int32 = 0
        #expect(waitpid(child, &raw, 0) == child)
        #expect(raw & 0x7f == 0 && (raw >> 8) & 0xff == 70, "wait status \(raw)")
        let report = try String(contentsOfFile: stderrPath, encoding: .utf8)
        #expect(report.hasSuffix(": libhdf5 crashed while reading in.nc (dataset /data): the file is damaged or not a valid HDF5 file\n"), "\(report)")
        #expect(report.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: temporary))
    }

    /// A stack overflow inside a read is reported too: the handler runs on the alternate
    /// stack that `pg_reading_begin` gives the thread (without one it could not run at all).
    @Test func stackOverflowInsideARead() throws {
        let directory = try TemporaryDirectory()
        let stderrPath = directory.path("stderr.txt")
        let stderrC = strdup(stderrPath)!, fileC = strdup("deep.nc")!
        defer { for pointer in [stderrC, fileC] { free(pointer) } }
        var crash = sigset_t()
        sigemptyset(&crash)
        sigaddset(&crash, SIGSEGV)
        let child = fork()
        if child == 0 {
            pthread_sigmask(SIG_UNBLOCK, &crash, nil)
            dup2(open(stderrC, O_WRONLY | O_CREAT | O_TRUNC, 0o644), 2)
            pg_install_crash_handler()
            pg_reading_begin(fileC, nil)
            _exit(Int32(truncatingIfNeeded: Self.recurse(1)))  // never returns: the stack runs out
        }
        var raw: Int32 = 0
        #expect(waitpid(child, &raw, 0) == child)
        #expect(raw & 0x7f == 0 && (raw >> 8) & 0xff == 70, "wait status \(raw)")
        let report = try String(contentsOfFile: stderrPath, encoding: .utf8)
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
