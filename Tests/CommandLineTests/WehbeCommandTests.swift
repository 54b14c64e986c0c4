import Foundation
import HDF5
import TestSupport
import Testing

/// `brainalign score --benchmark Wehbe2014` on subject files that break the layout: one
/// line on stderr naming the file, a non-zero exit, no output; and the warning for a
/// word-less TR that delays reach.
@Suite struct WehbeCommandTests {
    static let activations = CLI.repositoryRoot.appendingPathComponent("datasets/Wehbe2014_sample_activations.nc").path

    func subject(_ path: String, onsets: [Double] = [20.5, 22.5, 24.5, 26.5], mask: [UInt8]? = nil) throws {
        let writer = try NetCDFWriter(path: path)
        try writer.defineDimension("tr", length: 4)
        try writer.defineDimension("voxel", length: 2)
        try writer.defineDimension("word", length: onsets.count)
        try writer.addVariable("data", dimensions: ["tr", "voxel"], values: .float32([1, 2, 3, 4, 5, 6, 7, 8]))
        try writer.addCoordinate("tr_time", dimensions: ["tr"], values: .float64([20, 22, 24, 26]))
        try writer.addCoordinate("run", dimensions: ["tr"], values: .int64([1, 1, 1, 1]))
        try writer.addCoordinate("stimulus_id", dimensions: ["word"], values: .strings(onsets.indices.map { "word.\($0)" }))
        try writer.addCoordinate("word_onset", dimensions: ["word"], values: .float64(onsets))
        if let mask {
            try writer.defineDimension("mask", length: mask.count)
            try writer.addVariable("language_voxel", dimensions: ["mask"], values: .uint8(mask))
        }
        _ = try writer.finish()
    }

    func score(_ neural: String, output: String, benchmark: String = "Wehbe2014", activations: String = activations) throws -> CLI.Result {
        try CLI.run(["score", "--benchmark", benchmark, "--neural", neural, "--activations", activations, "--output", output, "--quiet"])
    }

    @Test func badSubjectFilesAreOneLineAndWriteNothing() throws {
        let temporary = try TemporaryDirectory()
        let back = temporary.path("back.nc"), mask = temporary.path("mask.nc")
        try subject(back, onsets: [20.5, 22.5, 21.0, 26.5])
        try subject(mask, mask: [1, 1, 0])
        for (path, message) in [(back, "back.nc: word_onset (4) goes back in time"), (mask, "mask.nc: language_voxel has 3 entries, but data has 2 voxels")] {
            for benchmark in ["Wehbe2014", "Wehbe2014-clean"] {
                let output = temporary.path("out.nc")
                let result = try score(path, output: output, benchmark: benchmark)
                #expect(result.status != 0)
                #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.lowercased().hasPrefix("error: ") && result.stderr.contains(message), "\(result.stderr)")
                #expect(!FileManager.default.fileExists(atPath: output))
            }
        }
    }

    @Test func aWordlessTRReachedByDelaysIsWarned() throws {
        let temporary = try TemporaryDirectory()
        let fixtures = CLI.repositoryRoot.appendingPathComponent("Tests/BenchmarksTests/Fixtures")
        let result = try score(fixtures.appendingPathComponent("wehbe_literal_F.nc").path, output: temporary.path("w.nc"),
                               activations: fixtures.appendingPathComponent("wehbe_literal_activations.nc").path)
        #expect(result.status == 0, "\(result.stderr)")
        let warning = result.stderr.split(separator: "\n").first { $0.hasPrefix("warning: ") && $0.contains("without words") }
        #expect(warning?.contains("TR 1334 (run 4, delays 1)") == true, "\(result.stderr)")
        #expect(warning?.contains("become 0 for every TR of that run") == true)
    }
}
