import Benchmarks
import Foundation
import HDF5
import Scoring
import TestSupport
import Testing

/// The named benchmarks against tools/reference_brainscore.py, an independent numpy /
/// scikit-learn reimplementation of Brain-Score's metrics, on the bundled samples:
/// every split's score to 1e-6 (float64 mode).
@Suite struct BrainScoreParityTests {
    let temporary: TemporaryDirectory
    var directory: URL { temporary.url }
    init() throws { temporary = try TemporaryDirectory() }

    static func sample(_ name: String) -> String { Fixture.repositoryRoot.appendingPathComponent("datasets/\(name)").path }

    func settings(neural: String, activations: String, output: String) -> RunSettings {
        RunSettings(neuralPaths: [Self.sample(neural)], activationsPath: Self.sample(activations),
                    outputPath: directory.appendingPathComponent(output).path, overwrite: true, precision: .float64,
                    memoryBudget: 256 << 20, threads: 2, commandLine: "test")
    }

    func run(_ name: String, neural: String, activations: String, output: String) throws -> BenchmarkResult {
        try BenchmarkRunner.run(try BenchmarkRegistry.named(name), settings: settings(neural: neural, activations: activations, output: output))
    }

    func compare(_ result: PartResult, with fixture: String) throws {
        let reference = try Fixture.json("BenchmarksTests", fixture)
        let layers = try #require(reference["layers"] as? [[String: Any]])
        #expect(result.neuroids == reference["neuroids"] as? Int)
        #expect(result.stimuli == reference["stimuli"] as? Int)
        #expect(result.layers.count == layers.count)
        for (ours, theirs) in zip(result.layers, layers) {
            #expect(ours.name == theirs["name"] as? String)
            #expect(maxAbsDifference(ours.splitScores, doubles(theirs["split_scores"])) <= 1e-6, "\(ours.name)")
            #expect(abs(ours.score - (doubles([theirs["score"] as Any]).first ?? .nan)) <= 1e-6)
            let subjects = try #require(theirs["subject_scores"] as? [String: Any])
            #expect(ours.subjectScores.map(\.subject) == subjects.keys.sorted())
            for (subject, score) in ours.subjectScores {
                #expect(abs(score - doubles([subjects[subject] as Any])[0]) <= 1e-6, "\(ours.name) subject \(subject)")
            }
        }
    }

    @Test(arguments: [("243sentences", "pereira243"), ("384sentences", "pereira384")])
    func pereiraLinear(experiment: String, fixture: String) throws {
        let result = try run("Pereira2018.\(experiment)-linear", neural: "Pereira2018_sample.nc", activations: "Pereira2018_sample_activations.nc",
                             output: "\(experiment).nc")
        let parts = result.parts
        #expect(result.combined == nil)
        try compare(parts[0], with: "\(fixture)_linear.json")
        let ceiling = try #require(NeuralBenchmark.pereiraCeilings[experiment])
        #expect(parts[0].ceiling == ceiling)
        let best = parts[0].layers[try #require(parts[0].bestLayer)]
        let normalized = try #require(parts[0].normalized(best))
        #expect(abs(normalized.unclipped - best.score / ceiling) < 1e-15)
        #expect(normalized.clipped == min(max(best.score / ceiling, 0), 1))

        // The result file holds the same numbers and the selection it used.
        let file = try NetCDFFile.open(parts[0].outputPath)
        #expect(try file.dimension("neuroid").length == parts[0].neuroids)
        #expect(try file.doubles("split_score").count == parts[0].layers.count * 10)
        #expect(file.attributes.first { $0.name == "benchmark" }?.stringValue == "Pereira2018.\(experiment)-linear")
    }

    @Test(arguments: [("243sentences", "pereira243"), ("384sentences", "pereira384")])
    func pereiraRidge(experiment: String, fixture: String) throws {
        let parts = try run("Pereira2018.\(experiment)-ridge", neural: "Pereira2018_sample.nc", activations: "Pereira2018_sample_activations.nc",
                            output: "\(experiment)-ridge.nc").parts
        try compare(parts[0], with: "\(fixture)_ridge.json")
        #expect(parts[0].ceiling == nil, "no published ceiling for the ridge variant")
    }

    /// A shared alpha is chosen from all neuroids, not per streamed slice: 300 neuroids
    /// (tools/make_wide_pereira_fixture.py) streamed in two slices, the first mostly a
    /// readout of the features (a small alpha wins there), the second noise (the largest
    /// wins), against sklearn's RidgeCV over all of them.
    /// And selected in passes of inner folds (10 of Pereira2018-ridge's leave-one-out folds
    /// per pass), the same choice against the same reference.
    @Test(arguments: [nil, 10])
    func pereiraRidgeSharesOneAlphaAcrossSlices(innerFoldsPerPass: Int?) throws {
        var settings = RunSettings(neuralPaths: [Fixture.path("BenchmarksTests", "pereira_wide.nc")],
                                   activationsPath: Self.sample("Pereira2018_sample_activations.nc"),
                                   outputPath: directory.appendingPathComponent("wide.nc").path, overwrite: true, precision: .float64,
                                   memoryBudget: 256 << 20, threads: 2, commandLine: "test")
        settings.innerFoldsPerPass = innerFoldsPerPass
        let part = try BenchmarkRunner.run(try BenchmarkRegistry.named("Pereira2018.384sentences-ridge"), settings: settings).parts[0]
        #expect(part.plan.contains("chunks of 240 voxels"), "streamed in slices: \(part.plan)")
        #expect(part.plan.contains("passes over the inner folds") == (innerFoldsPerPass != nil), "\(part.plan)")
        try compare(part, with: "pereira_wide_ridge.json")
        let file = try NetCDFFile.open(part.outputPath)
        let alpha = try file.doubles("alpha"), neuroids = part.neuroids  // (layer, split, neuroid)
        for start in stride(from: 0, to: alpha.count, by: neuroids) {
            #expect(Set(alpha[start..<(start + neuroids)]).count == 1, "one alpha per layer and split")
        }
    }

    @Test func pereiraCombinedIsTheMeanOfTheExperiments() throws {
        let result = try run("Pereira2018", neural: "Pereira2018_sample.nc", activations: "Pereira2018_sample_activations.nc", output: "pereira.nc")
        let parts = result.parts
        let c = try #require(result.combined)
        let a = try Fixture.json("BenchmarksTests", "pereira243_linear.json")["layers"] as? [[String: Any]] ?? []
        let b = try Fixture.json("BenchmarksTests", "pereira384_linear.json")["layers"] as? [[String: Any]] ?? []
        for (index, layer) in c.layers.enumerated() {
            let expected = (doubles([a[index]["score"] as Any])[0] + doubles([b[index]["score"] as Any])[0]) / 2
            #expect(abs(layer.score - expected) <= 1e-6)
        }
        #expect(parts.map(\.name) == ["Pereira2018.243sentences-linear", "Pereira2018.384sentences-linear"])
        #expect(parts.allSatisfy { FileManager.default.fileExists(atPath: $0.outputPath) })
        // The combination is written too, and read back through the one schema.
        let stored = try ResultFile(path: c.outputPath)
        #expect(stored.kind == .combined && stored.benchmark == "Pereira2018")
        #expect(maxAbsDifference(stored.scores, c.layers.map(\.score)) == 0)
    }

    @Test func blankLinearAndRidge() throws {
        let linear = try run("Blank2014-linear", neural: "Blank2014_sample.nc", activations: "Blank2014_sample_activations.nc", output: "blank.nc")
        try compare(linear.parts[0], with: "blank_linear.json")
        #expect(linear.parts[0].ceiling == 0.21026591)
        let ridge = try run("Blank2014-ridge", neural: "Blank2014_sample.nc", activations: "Blank2014_sample_activations.nc", output: "blank-ridge.nc")
        try compare(ridge.parts[0], with: "blank_ridge.json")
        #expect(ridge.parts[0].ceiling == 0.1446)
    }

    @Test func futrellMetricAndCeiling() throws {
        let reference = try Fixture.json("BenchmarksTests", "futrell.json")
        let result = try FutrellBenchmark.futrell2018.run(readingTimesPath: Self.sample("Futrell2018_sample.nc"), variable: nil,
                                                          surprisalPath: Self.sample("Futrell2018_sample_surprisal.nc"))
        // Run as a benchmark, its score is stored in the result file, not only printed.
        let scored = try run("Futrell2018-pearsonr", neural: "Futrell2018_sample.nc", activations: "Futrell2018_sample_surprisal.nc", output: "futrell.nc")
        let stored = try ResultFile(path: scored.parts[0].outputPath)
        #expect(stored.kind == .behavioural && stored.scores == [result.score] && stored.ceiling == result.ceiling)
        #expect(abs(result.score - doubles([reference["score"] as Any])[0]) <= 1e-6)
        #expect(result.words == reference["words"] as? Int)
        #expect(maxAbsDifference(result.ceilingSplits, doubles(reference["ceiling_splits"])) <= 1e-6)
        #expect(abs(result.ceiling - doubles([reference["ceiling"] as Any])[0]) <= 1e-6)
        // Data with the published structure land near the published ceiling.
        #expect(abs(result.ceiling - 0.858) < 0.02)
    }

    // MARK: Bad input

    @Test func aMissingCoordinateIsNamed() throws {
        do {
            _ = try run("Pereira2018.384sentences-linear", neural: "Blank2014_sample.nc", activations: "Blank2014_sample_activations.nc", output: "wrong.nc")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("no coordinate 'experiment'"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("wrong.nc").path))
        #expect(throws: ScoringError.self) {
            _ = try FutrellBenchmark.futrell2018.run(readingTimesPath: Self.sample("Pereira2018_sample.nc"), variable: nil,
                                                         surprisalPath: Self.sample("Futrell2018_sample_surprisal.nc"))
        }
    }

    @Test func unknownBenchmarksListTheValidOnes() {
        do {
            _ = try BenchmarkRegistry.named("Pereira2019")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("Pereira2018.384sentences-linear"))
            #expect("\(error)".contains("Futrell2018-pearsonr"))
        }
    }
}

/// `brainalign ceiling` against tools/reference_ceiling.py (sklearn LinearRegression from the
/// pooled raw neuroids, scipy pearsonr and curve_fit) with the same draws: per neuroid to 1e-6.
@Suite struct CeilingParityTests {
    static let data = Fixture.path("BenchmarksTests", "ceiling_sample.nc")

    func run(_ output: String) throws -> ExtrapolationCeiling.Result {
        var ceiling = ExtrapolationCeiling()
        ceiling.subsets = 4
        ceiling.heldOut = 2
        ceiling.bootstraps = 20
        ceiling.seed = 3
        guard case .extrapolation(let result) = try CeilingJob.run(benchmark: nil, subjectCoordinate: nil, procedure: .sampled, ceiling: ceiling,
                                                                   settings: Self.settings(output: output)) else { throw ScoringError("expected an extrapolation ceiling") }
        return result
    }

    static func settings(neural: String = data, output: String, memory: Int = 2 << 30, threads: Int = 2) -> RunSettings {
        RunSettings(neuralPaths: [neural], outputPath: output, overwrite: true, precision: .float64, memoryBudget: memory, threads: threads, commandLine: "test")
    }

    @Test func matchesTheReferenceAndIsReproducible() throws {
        let temporary = try TemporaryDirectory()
        let directory = temporary.url
        let reference = try Fixture.json("BenchmarksTests", "ceiling.json")
        let result = try run(directory.appendingPathComponent("a.nc").path)
        #expect(result.regressions == reference["regressions"] as? Int)
        #expect(maxAbsDifference(result.neuroidCeilings, doubles(reference["neuroid_ceilings"])) <= 1e-6)
        #expect(abs(result.ceiling - doubles([reference["ceiling"] as Any])[0]) <= 1e-6)
        #expect(maxAbsDifference([result.interval.low, result.interval.high], doubles(reference["interval"])) <= 1e-6)
        #expect(maxAbsDifference(result.bootstrapCeilings, doubles(reference["bootstrap_ceilings"])) <= 1e-6)
        #expect(try NetCDFFile.open(directory.appendingPathComponent("a.nc").path).doubles("neuroid_ceiling") == result.neuroidCeilings)
        #expect(try CeilingFile.read(directory.appendingPathComponent("a.nc").path, for: nil).value == result.ceiling)
    }

    @Test func aTooSmallMemoryBudgetIsRefusedWithTheMinimum() throws {
        var ceiling = ExtrapolationCeiling()
        ceiling.bootstraps = 5
        let temporary = try TemporaryDirectory()
        let output = temporary.path("ceiling.nc")
        do {
            // The process allowance alone.
            _ = try CeilingJob.run(benchmark: nil, subjectCoordinate: nil, procedure: .sampled, ceiling: ceiling, settings: Self.settings(output: output, memory: 64 << 20))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("too small") && "\(error)".contains("use at least --memory"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func futrellSplitHalfCeilingFile() throws {
        let reference = try Fixture.json("BenchmarksTests", "futrell.json")
        let temporary = try TemporaryDirectory()
        let output = temporary.path("ceiling.nc")
        guard case .splitHalf(let value, let splits) = try CeilingJob.run(
            benchmark: "Futrell2018-pearsonr", subjectCoordinate: nil, ceiling: ExtrapolationCeiling(),
            settings: Self.settings(neural: BrainScoreParityTests.sample("Futrell2018_sample.nc"), output: output, threads: 1)) else {
            Issue.record("expected a split-half ceiling")
            return
        }
        #expect(maxAbsDifference(splits, doubles(reference["ceiling_splits"])) <= 1e-6)
        let stored = try CeilingFile.read(output, for: "Futrell2018-pearsonr")
        #expect(stored.value == value)
        #expect(throws: ScoringError.self) { try CeilingFile.read(output, for: "Blank2014-linear") }
    }

    @Test func refusesTooFewSubjectsAndRidgeBenchmarks() throws {
        var ceiling = ExtrapolationCeiling()
        ceiling.bootstraps = 2
        let temporary = try TemporaryDirectory()
        let output = temporary.path("ceiling.nc")
        #expect(throws: ScoringError.self) {
            _ = try CeilingJob.run(benchmark: "Pereira2018.384sentences-ridge", subjectCoordinate: nil, procedure: .sampled, ceiling: ceiling,
                                   settings: Self.settings(neural: BrainScoreParityTests.sample("Pereira2018_sample.nc"), output: output, threads: 1))
        }
        #expect(throws: ScoringError.self) {
            _ = try CeilingJob.run(benchmark: "Pereira2018.243sentences-linear", subjectCoordinate: nil, procedure: .sampled, ceiling: ceiling,
                                   settings: Self.settings(neural: BrainScoreParityTests.sample("Pereira2018_sample.nc"), output: output, threads: 1))
        }
    }
}
