import Foundation
import HDF5
import TestSupport
import Testing

/// HDF5 holds a flock on every file it opens, on a descriptor without close-on-exec. A
/// child process that inherited it would keep the lock after the file is closed here, and
/// reopening the file would fail with "unable to lock file, errno = 11" (a red CI run: a
/// test reopening its result while another test's brainalign child was running). The
/// children the tests start must therefore inherit nothing but stdin, stdout and stderr.
@Suite struct InheritedLockTests {
    @Test func aChildStartedWhileAFileIsOpenHoldsNoLockOnIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("written.h5")
        var child: ChildProcess?
        do {
            let file = try HDF5File.create(path)
            _ = try file.root.createDataset("x", values: .int32([1, 2, 3]))
            child = try ChildProcess(URL(fileURLWithPath: "/bin/sleep"), ["60"], stderrPath: directory.path("stderr.txt"))
        }
        defer { child?.send(SIGKILL); _ = child?.wait(seconds: 10) }
        #expect(child?.isRunning == true)
        let reopened = try HDF5File.open(path, mode: .readWrite)
        #expect(try reopened.root.openDataset("x").read(Int32.self) == [1, 2, 3])
    }

    /// A file another program holds locked is said to be locked, not damaged. (Not where
    /// libhdf5's locking is switched off, as on some clusters.)
    @Test(.enabled(if: ProcessInfo.processInfo.environment["HDF5_USE_FILE_LOCKING"]?.uppercased() != "FALSE"))
    func aFileLockedElsewhereIsSaidToBeLocked() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("locked.h5"), marker = directory.path("locked")
        _ = try HDF5File.create(path)
        let holder = try ChildProcess(URL(fileURLWithPath: "/usr/bin/flock"), ["-x", "-o", path, "sh", "-c", "touch \(marker); sleep 30"],
                                      stderrPath: directory.path("stderr.txt"))
        defer { holder.send(SIGKILL); _ = holder.wait(seconds: 10) }
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: marker) && holder.isRunning && Date() < deadline { usleep(10_000) }
        try #require(FileManager.default.fileExists(atPath: marker), "flock never took the lock: \(holder.stderr)")
        do {
            _ = try HDF5File.open(path)
            Issue.record("expected the open to fail")
        } catch let error as HDF5Error {
            #expect(error.reason?.contains("another process holds an HDF5 lock") == true, "\(error)")
            #expect(!error.description.contains("damaged"), "\(error)")
        }
    }
}
