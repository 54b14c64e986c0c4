import Foundation
import HDF5
import TestSupport
import Testing

/// HDF5 holds a flock on every file it opens, and its sec2 driver opens without
/// close-on-exec. A child process that inherited the descriptor would keep the lock after
/// the file is closed here, and reopening the file would fail with "unable to lock file,
/// errno = 11" (a red CI run: a test reopening its result while another test's brainalign
/// child was running). So the children the tests start inherit nothing but stdin, stdout
/// and stderr, and the engine marks libhdf5's descriptors close-on-exec itself.
@Suite struct InheritedLockTests {
    @Test func aChildStartedWhileAFileIsOpenHoldsNoLockOnIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("written.h5")
        var child: ChildProcess?
        do {
            let file = try HDF5File.create(path)
            _ = try file.root.createDataset("x", values: .int32([1, 2, 3]))
            child = try ChildProcess(URL(fileURLWithPath: "/bin/sleep"), ["60"], stderrPath: directory.path("stderr.txt"))
            withExtendedLifetime(file) {}  // open while the child starts, even in an optimised build
        }
        defer { child?.send(SIGKILL); _ = child?.wait(seconds: 10) }
        #expect(child?.isRunning == true)
        let reopened = try HDF5File.open(path, mode: .readWrite)
        #expect(try reopened.root.openDataset("x").read(Int32.self) == [1, 2, 3])
    }

    /// The engine's own descriptors are close-on-exec too, so a program it starts (the
    /// Python extractor of `run`) never inherits a file and its lock.
    @Test func libhdf5DescriptorsAreCloseOnExec() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("own.h5")
        func closeOnExec() throws -> [Bool] {
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            return try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { fd -> Bool? in
                guard (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) == target,
                      let info = try? String(contentsOfFile: "/proc/self/fdinfo/\(fd)", encoding: .utf8),
                      let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
                      let flags = Int(line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8) else { return nil }
                return flags & Int(O_CLOEXEC) != 0
            }
        }
        do {
            let created = try HDF5File.create(path)
            _ = try created.root.createDataset("x", values: .int32([1]))
            let whileWriting = try closeOnExec()
            #expect(!whileWriting.isEmpty && whileWriting.allSatisfy { $0 }, "created: \(whileWriting)")
            withExtendedLifetime(created) {}
        }
        #expect(try closeOnExec().isEmpty, "closed")
        let opened = try HDF5File.open(path)
        let whileReading = try closeOnExec()
        #expect(!whileReading.isEmpty && whileReading.allSatisfy { $0 }, "opened: \(whileReading)")
        withExtendedLifetime(opened) {}
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
