import Benchmarks
import Foundation
import HDF5
import Scoring
import TestSupport
import Testing

/// Every benchmark writes the one result schema: the same dimension names, the version
/// attribute, the model identity from the activations file, and a reader that refuses
/// files of another layout.
@Suite struct ResultSchemaTests {
    let temporary: TemporaryDirectory
    init() throws { temporary = try TemporaryDirectory() }

    func run(_ benchmark: String, neural: [String], activations: String, output: String) throws -> BenchmarkResult {
        let settings = RunSettings(neuralPaths: neural.map(BrainScoreParityTests.sample), activationsPath: BrainScoreParityTests.sample(activations),
                                   outputPath: temporary.path(output), overwrite: true, precision: .float32, memoryBudget: 256 << 20,
                                   threads: 2, commandLine: "test")
        return try BenchmarkRunner.run(try BenchmarkRegistry.named(benchmark), settings: settings)
    }

    @Test func everyNeuralBenchmarkHasTheCommonDimensions() throws {
        let results = [
            try run("Pereira2018", neural: ["Pereira2018_sample.nc"], activations: "Pereira2018_sample_activations.nc", output: "p.nc"),
            try run("Blank2014-ridge", neural: ["Blank2014_sample.nc"], activations: "Blank2014_sample_activations.nc", output: "b.nc"),
            try run("Wehbe2014", neural: ["Wehbe2014_sample_F.nc", "Wehbe2014_sample_H.nc"], activations: "Wehbe2014_sample_activations.nc", output: "w.nc"),
        ]
        for result in results {
            for part in result.parts {
                let file = try NetCDFFile.open(part.outputPath)
                let dimensions = Set(file.dimensions.map(\.name))
                #expect(dimensions.isSuperset(of: ["layer", "split", "presentation", "neuroid"]), "\(part.outputPath): \(dimensions)")
                for (variable, dims) in [("r", ["layer", "split", "neuroid"]), ("test_mask", ["split", "presentation"]),
                                         ("train_mask", ["split", "presentation"]), ("split_score", ["layer", "split"]), ("score", ["layer"])] {
                    #expect(try file.variable(variable).dimensions == dims, "\(part.outputPath): \(variable)")
                }
                let stored = try ResultFile(path: part.outputPath)
                #expect(stored.kind == .neural && stored.benchmark == result.benchmark && stored.part == part.name)
                #expect(stored.layers == part.layers.map(\.name))
            }
            guard result.parts.count > 1 else {
                #expect(result.combined == nil, "a one-part benchmark has no combination")
                continue
            }
            let combined = try #require(result.combined, "\(result.benchmark) has several parts")
            let stored = try ResultFile(path: combined.outputPath)
            #expect(stored.kind == .combined)
            #expect(try NetCDFFile.open(combined.outputPath).variable("part_score").dimensions == ["part", "layer"])
        }
    }

    @Test func behaviouralResultsUseTheSameSchema() throws {
        let result = try run("Futrell2018-pearsonr", neural: ["Futrell2018_sample.nc"], activations: "Futrell2018_sample_surprisal.nc", output: "f.nc")
        let stored = try ResultFile(path: result.parts[0].outputPath)
        #expect(stored.kind == .behavioural && stored.layers == ["surprisal"])
        #expect(try NetCDFFile.open(stored.path).variable("score").dimensions == ["layer"])
    }

    @Test func theModelIsCopiedFromTheActivations() throws {
        // An activations file that names its model (as tools/extract_activations.py writes).
        let source = try NetCDFFile.open(BrainScoreParityTests.sample("Blank2014_sample_activations.nc"))
        let path = temporary.path("named_activations.nc")
        let writer = try NetCDFWriter(path: path)
        let ids = try source.strings("stimulus_id")
        let layers = try source.strings("layer")
        let shape = try source.variable("activations").shape
        try writer.defineDimension("layer", values: .strings(layers))
        try writer.defineDimension("presentation", length: shape[1])
        try writer.defineDimension("feature", length: shape[2])
        try writer.addCoordinate("stimulus_id", dimensions: ["presentation"], values: .strings(ids))
        try writer.addVariable("activations", dimensions: ["layer", "presentation", "feature"],
                               values: .float32(try source.doubles("activations").map { Float($0) }))
        try writer.setAttribute("model", .strings(["org/tiny-model"]))
        try writer.setAttribute("revision", .strings(["abc123"]))
        try writer.finish()
        let settings = RunSettings(neuralPaths: [BrainScoreParityTests.sample("Blank2014_sample.nc")], activationsPath: path,
                                   outputPath: temporary.path("m.nc"), overwrite: true, memoryBudget: 256 << 20, commandLine: "test")
        let result = try BenchmarkRunner.run(try BenchmarkRegistry.named("Blank2014-linear"), settings: settings)
        let stored = try ResultFile(path: result.parts[0].outputPath)
        #expect(stored.model == "org/tiny-model")
        let file = try NetCDFFile.open(stored.path)
        #expect(file.attributes.first { $0.name == "model_revision" }?.stringValue == "abc123")
    }

    @Test func anotherSchemaVersionIsRefused() throws {
        let result = try run("Blank2014-linear", neural: ["Blank2014_sample.nc"], activations: "Blank2014_sample_activations.nc", output: "v.nc")
        let path = result.parts[0].outputPath
        do {
            let file = try HDF5File.open(path, mode: .readWrite)
            try file.root.setAttribute("result_schema_version", .int64([1]))
        }
        do {
            _ = try ResultFile(path: path)
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("result schema version 1"), "\(error)")
        }
        // A file with no version at all: an older BrainAlign's, or not a result.
        #expect(throws: ScoringError.self) { try ResultFile(path: BrainScoreParityTests.sample("Blank2014_sample.nc")) }
    }
}
