import Foundation
import HDF5
import TestSupport
import Testing

/// `brainalign ceiling` refuses what it cannot stand behind, and refuses it early: an
/// unusable destination before any regression, too few subjects for a curve, and data
/// whose every held-out score is 0 (constant responses), each with no file written.
@Suite struct CeilingRefusalTests {
    let temporary: TemporaryDirectory
    init() throws { temporary = try TemporaryDirectory() }

    static let blank = Fixture.repositoryRoot.appendingPathComponent("datasets/Blank2014_sample.nc").path
    static let pereira = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample.nc").path

    @Test func anUnusableDestinationIsRefusedBeforeAnyWork() throws {
        let missing = temporary.path("nodir/c.nc")
        let result = try CLI.run(["ceiling", "--benchmark", "Blank2014-linear", "--neural", Self.blank, "--output", missing])
        #expect(result.status != 0 && result.stderr.contains("directory") && result.stderr.contains("does not exist"), "\(result.stderr)")
        #expect(!result.stderr.contains("regressions"), "refused before the first regression: \(result.stderr)")
        let input = try CLI.run(["ceiling", "--benchmark", "Blank2014-linear", "--neural", Self.blank, "--output", Self.blank, "--overwrite"])
        #expect(input.status != 0 && input.stderr.contains("one of this run's inputs"), "\(input.stderr)")
    }

    @Test func twoSubjectsGiveNoCurve() throws {
        let output = temporary.path("two.nc")
        let result = try CLI.run(["ceiling", "--neural", Self.pereira, "--output", output])
        #expect(result.status != 0 && result.stderr.contains("at least 3 subjects"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// 0.1 as well as 1.0: a constant's mean does not always sum exactly, and its r is then
    /// ~1e-17 rather than 0. Both procedures refuse.
    @Test(arguments: [(1.0, "brainscore"), (0.1, "brainscore"), (0.1, "sampled")])
    func constantResponsesHaveNoCeiling(value: Double, procedure: String) throws {
        let constant = temporary.path("constant.nc")
        try FileManager.default.copyItem(atPath: Self.blank, toPath: constant)
        do {
            let data = try HDF5File.open(constant, mode: .readWrite).root.openDataset("data")
            try data.write([Double](repeating: value, count: data.shape.reduce(1, *)))
        }
        let output = temporary.path("c.nc")
        let result = try CLI.run(["ceiling", "--benchmark", "Blank2014-linear", "--neural", constant, "--procedure", procedure,
                                  "--bootstraps", "5", "--output", output])
        #expect(result.status != 0, "\(result.stdout)")
        #expect(result.stderr.contains("no ceiling to extrapolate") || result.stderr.contains("no neuroid's ceiling curve could be fitted"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
