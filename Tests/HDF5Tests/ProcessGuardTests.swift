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
}
