import Foundation
import TestSupport
import Testing

/// Ctrl-C, `kill` and a closed terminal remove the hidden `.NAME.partial-PID` file of an
/// unfinished result and exit with the shell's status for that signal.
@Suite struct InterruptTests {
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143)), (SIGHUP, Int32(129))])
    func signalRemovesTheUnfinishedFile(signal: Int32, status: Int32) throws {
        let directory = try TemporaryDirectory()
        // `bench` writes its generated neural file through NetCDFWriter, slab by slab: with
        // 2 million neuroids it is still writing long after the file appears.
        let child = try ChildProcess(CLI.executable, [
            "bench", "--task", "read", "--rows", "100", "--features", "4", "--voxels", "2000000",
            "--data", directory.path("neural.nc"), "--activations", directory.path("activations.nc"),
        ], stderrPath: directory.path("stderr.txt"))
        let partial = directory.path(".neural.nc.partial-\(child.pid)")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: partial) && child.isRunning && Date() < deadline { usleep(10_000) }
        try #require(FileManager.default.fileExists(atPath: partial), "the partial file never appeared: \(child.stderr)")
        child.send(signal)
        #expect(child.wait(seconds: 60) == .exited(status), "\(child.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(!names.contains { $0.contains(".partial-") }, "left behind: \(names)")
        #expect(!names.contains("neural.nc"))
        #expect(names.contains("activations.nc"), "the file finished before the signal stays")
    }
}
