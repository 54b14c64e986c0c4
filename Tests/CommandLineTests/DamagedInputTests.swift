import Foundation
import HDF5
import TestSupport
import Testing

/// Damaged files end every command with one line and a non-zero status: an error when
/// libhdf5 notices the damage, the crash report when libhdf5 1.10 crashes on it, never a
/// backtrace. Files from tools/make_bad_inputs.py.
@Suite struct DamagedInputTests {
    static let activations = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample_activations.nc").path

    /// libhdf5 1.10 crashes on these files; newer versions may report an error instead.
    static var crashes: Bool { HDF5.libraryVersion.hasPrefix("1.10.") }

    func expectCrashReport(_ result: ProcessResult, file: String, dataset: String) {
        let line = "brainalign: libhdf5 crashed while reading \(file) (dataset \(dataset)): the file is damaged or not a valid HDF5 file\n"
        #expect(!result.stderr.contains("Program crashed") && !result.stderr.contains("Backtrac"), "\(result.stderr)")
        if Self.crashes {
            #expect(result.status == 70, "\(result.stderr)")
            #expect(result.stderr == line)
        } else {
            #expect(result.status != 0)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    @Test func crashWhileOpeningIsOneLine() throws {
        guard let inputs = try BadInputs.make(["corrupted"]) else { return }
        let path = inputs.path("corrupted_open.nc")
        let result = try CLI.run(["inspect", "--values", "3", path])
        expectCrashReport(result, file: path, dataset: "/subject")
        #expect(result.stdout.isEmpty)
    }

    @Test func crashInDatasetReadIsOneLine() throws {
        guard let inputs = try BadInputs.make(["corrupted"]) else { return }
        let path = inputs.path("corrupted_read.nc"), output = inputs.path("scores.nc")
        let result = try CLI.run(["score", "--neural", path, "--activations", Self.activations, "--output", output])
        expectCrashReport(result, file: path, dataset: "/stimulus_id")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func truncatedAndClassicFilesAreOneLineErrors() throws {
        guard let inputs = try BadInputs.make(["truncated", "classic"]) else { return }
        for (name, says) in [("truncated.nc", "damaged or truncated"), ("classic.nc", "nccopy -k nc4")] {
            let result = try CLI.run(["inspect", inputs.path(name)])
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("Error: cannot open file '\(inputs.path(name))': ") && result.stderr.contains(says), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }
}
