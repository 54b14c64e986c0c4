import Foundation
import HDF5
import TestSupport
import Testing

/// `brainalign score` story runs end to end: the README's sample command against
/// tools/reference_lebel.py, and the story flags' command-line errors (one line, exit 64,
/// nothing written).
@Suite struct StoryCommandTests {
    static func data(_ name: String) -> String { Fixture.repositoryRoot.appendingPathComponent("datasets/\(name)").path }
    static let subjects = ["UTS01", "UTS02"].flatMap { ["--neural", data("LeBel2023_sample_\($0).nc")] }
    static let activations = ["--activations", data("LeBel2023_sample_activations.nc")]

    @Test func theReadmeSampleCommandMatchesTheReference() throws {
        let temporary = try TemporaryDirectory()
        let output = temporary.path("lebel-sample.nc")
        let result = try CLI.run(["score"] + Self.subjects + Self.activations
                                 + ["--test-stories", "wheretheressmoke", "--inner-cv", "bootstrap:20:10:8", "--output", output, "--json", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try Fixture.json("BenchmarksTests", "lebel_bootstrap.json")
        let subjects = reference["subjects"] as? [[String: Any]] ?? []
        for (index, subject) in subjects.enumerated() {
            let name = subject["subject"] as? String ?? ""
            let file = try NetCDFFile.open(temporary.path("lebel-sample.\(name).nc"))
            let means = (subject["layers"] as? [[String: Any]] ?? []).map { doubles([$0["mean"] as Any])[0] }
            // float32 by default: the reference's float64 means to 1e-4.
            #expect(maxAbsDifference(try file.doubles("score"), means) <= 1e-4, "subject \(index)")
        }
        #expect(FileManager.default.fileExists(atPath: output))
    }

    @Test func storyFlagErrorsAreOneLine() throws {
        let temporary = try TemporaryDirectory()
        let output = temporary.path("out.nc")
        let cases: [([String], String)] = [
            (["--test-stories", "souls", "--train-stories", "souls,avatar"], "test story 'souls' also in --train-stories"),
            (["--test-stories", "souls", "--story-folds", "3"], "exactly one of --test-stories"),
            (["--story-folds", "3", "--cv", "kfold:3"], "--cv does not apply to story runs"),
            (["--inner-cv", "stories:3"], "--inner-cv stories:K applies to story runs only"),
            (["--test-stories", "souls", "--delays", "0,1"], "--delays must be distinct whole numbers >= 1"),
            (["--test-stories", "souls", "--trim", "10"], "--trim must be HEAD:TAIL"),
            (["--benchmark", "LeBel2023", "--delays", "1,2"], "--delays cannot be combined with --benchmark"),
        ]
        for (flags, message) in cases {
            let result = try CLI.run(["score", "--neural", Self.data("LeBel2023_sample_UTS01.nc")] + Self.activations + flags + ["--output", output])
            #expect(result.status == 64, "\(flags): \(result.stderr)")
            let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(first.contains(message), "\(flags): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }
}
