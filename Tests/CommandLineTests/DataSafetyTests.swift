import Foundation
import HDF5
import TestSupport
import Testing

/// Never destroy data: an output is never one of the inputs, under any spelling, and the
/// parts of a multi-part result appear together or not at all.
@Suite struct DataSafetyTests {
    let temporary: TemporaryDirectory
    init() throws { temporary = try TemporaryDirectory() }

    static let sampleNeural = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample.nc").path
    static let sampleActivations = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample_activations.nc").path

    func copy(_ source: String, to name: String) throws -> String {
        let path = temporary.path(name)
        try FileManager.default.copyItem(atPath: source, toPath: path)
        return path
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func anOutputThatIsAnInputIsRefusedUnderAnySpelling() throws {
        let inputs = temporary.path("in")
        try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
        let neural = try copy(Self.sampleNeural, to: "in/neural.nc")
        let activations = try copy(Self.sampleActivations, to: "in/acts.nc")
        try FileManager.default.createSymbolicLink(atPath: temporary.path("link.nc"), withDestinationPath: neural)
        let before = try bytes(neural), activationsBefore = try bytes(activations)
        // A result file made first, to be reused as a splits file.
        let splits = temporary.path("splits.nc")
        #expect(try CLI.run(["score", "--neural", neural, "--activations", activations, "--output", splits, "--quiet"]).status == 0)
        let splitsBefore = try bytes(splits)
        let spellings = [neural, temporary.path("in/../in/neural.nc"), temporary.path("link.nc"), temporary.path("in/./neural.nc")]
        for output in spellings {
            let result = try CLI.run(["score", "--neural", neural, "--activations", activations, "--output", output, "--overwrite", "--quiet"])
            #expect(result.status != 0, "\(output)")
            #expect(result.stderr.contains("is the input"), "\(output): \(result.stderr)")
        }
        for (output, extra) in [(activations, [String]()), (splits, ["--cv", "file:" + splits])] {
            let result = try CLI.run(["score", "--neural", neural, "--activations", activations, "--output", output, "--overwrite", "--quiet"] + extra)
            #expect(result.status != 0 && result.stderr.contains("is the input"), "\(output): \(result.stderr)")
        }
        #expect(try bytes(neural) == before && bytes(activations) == activationsBefore && bytes(splits) == splitsBefore)
    }

    @Test func anOutputDirectoryIsNeverDeleted() throws {
        let directory = temporary.path("results")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "keep".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        let result = try CLI.run(["score", "--neural", Self.sampleNeural, "--activations", Self.sampleActivations,
                                  "--output", directory, "--overwrite", "--quiet"])
        #expect(result.status != 0 && result.stderr.contains("is a directory"), "\(result.stderr)")
        #expect(try String(contentsOfFile: directory + "/notes.txt", encoding: .utf8) == "keep")
    }

    /// Pereira2018 writes three files: with one already there and no --overwrite nothing is
    /// written; with --overwrite, a failure in the second experiment leaves every earlier
    /// file as it was, and no temporary file behind.
    @Test func multiPartResultsAppearTogetherOrNotAtAll() throws {
        let output = temporary.path("p.nc")
        let part1 = temporary.path("p.Pereira2018.243sentences-linear.nc"), part2 = temporary.path("p.Pereira2018.384sentences-linear.nc")
        try "someone's file".write(toFile: part2, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["score", "--benchmark", "Pereira2018", "--neural", Self.sampleNeural, "--activations", Self.sampleActivations,
                                   "--output", output, "--quiet"])
        #expect(refused.status != 0 && refused.stderr.contains("already exists") && refused.stderr.contains("--overwrite"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: part1) && !FileManager.default.fileExists(atPath: output))
        #expect(try String(contentsOfFile: part2, encoding: .utf8) == "someone's file")

        // A complete earlier run...
        try FileManager.default.removeItem(atPath: part2)
        #expect(try CLI.run(["score", "--benchmark", "Pereira2018", "--neural", Self.sampleNeural, "--activations", Self.sampleActivations,
                             "--output", output, "--quiet"]).status == 0)
        let earlier = try [output, part1, part2].map(bytes)
        // ...then a run whose 384-sentence part fails: one of its stimuli has a NaN activation.
        let neural = try NetCDFFile.open(Self.sampleNeural)
        let ids = try neural.strings("stimulus_id"), experiments = try neural.strings("experiment")
        let victim = try #require(ids.indices.first { experiments[$0] == "384sentences" })  // read by part 2 only
        let source = try NetCDFFile.open(Self.sampleActivations)
        var values = try source.doubles("activations").map { Float($0) }
        let shape = try source.variable("activations").shape
        let activationIDs = try source.strings("stimulus_id")
        let row = try #require(activationIDs.firstIndex(of: ids[victim]))
        values[row * shape[2]] = .nan  // layer 0, that stimulus, feature 0
        let broken = temporary.path("broken.nc")
        let writer = try NetCDFWriter(path: broken)
        try writer.defineDimension("layer", values: .strings(try source.strings("layer")))
        try writer.defineDimension("presentation", length: shape[1])
        try writer.defineDimension("feature", length: shape[2])
        try writer.addCoordinate("stimulus_id", dimensions: ["presentation"], values: .strings(activationIDs))
        try writer.addVariable("activations", dimensions: ["layer", "presentation", "feature"], values: .float32(values))
        try writer.finish()
        let failed = try CLI.run(["score", "--benchmark", "Pereira2018", "--neural", Self.sampleNeural, "--activations", broken,
                                  "--output", output, "--overwrite", "--quiet"])
        #expect(failed.status != 0 && failed.stderr.contains(ids[victim]), "\(failed.stderr)")
        #expect(try [output, part1, part2].map(bytes) == earlier, "the earlier result is untouched")
        let left = try FileManager.default.contentsOfDirectory(atPath: temporary.url.path).filter { $0.contains("partial") }
        #expect(left.isEmpty, "\(left)")
    }
}
