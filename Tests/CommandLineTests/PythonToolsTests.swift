import Foundation
import TestSupport
import Testing

/// The Python tools' own tests (tools/tests, pytest): the format converters, including an
/// end-to-end score of a converted Pereira file by this build of `brainalign`. Python with
/// tools/requirements.txt is a test dependency; set BRAINALIGN_SKIP_PYTHON=1 to skip on purpose.
/// Also the Python package's own tests (python/tests), against this build.
@Suite struct PythonToolsTests {
    @Test func converters() throws { try pytest("tools/tests") }

    @Test func pythonPackage() throws { try pytest("python/tests") }

    func pytest(_ folder: String) throws {
        if ProcessInfo.processInfo.environment["BRAINALIGN_SKIP_PYTHON"] == "1" { return }
        let python = ProcessInfo.processInfo.environment["BRAINALIGN_PYTHON"] ?? "python3"
        var environment = ProcessInfo.processInfo.environment
        environment["BRAINALIGN_BIN"] = CLI.executable.path
        environment["BRAINALIGN_BINARY"] = CLI.executable.path
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                    [python, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", Fixture.repositoryRoot.appendingPathComponent(folder).path],
                                    environment: environment)
        let text = result.stdout + result.stderr
        // Always show pytest's summary (and any skip reasons) in the test log.
        print("\(folder) (pytest): " + text.split(separator: "\n").filter { $0.contains("passed") || $0.contains("SKIPPED") || $0.contains("failed") }.joined(separator: "\n"))
        #expect(result.status == 0, "pytest \(folder) failed (pip install -r tools/requirements.txt, or BRAINALIGN_SKIP_PYTHON=1):\n\(text)")
    }
}
