import Benchmarks
import Encoding
import Foundation
import HDF5
import LinearAlgebra
import Scoring
import TestSupport
import Testing

/// Story-listening runs (LeBel2023's protocol) against tools/reference_lebel.py, a float64
/// numpy implementation of the Huth lab's published pipeline, on the bundled sample.
@Suite struct LeBelParityTests {
    static let sample = ["UTS01", "UTS02"].map { BrainScoreParityTests.sample("LeBel2023_sample_\($0).nc") }
    static let activations = BrainScoreParityTests.sample("LeBel2023_sample_activations.nc")

    static func bootstrapProtocol() -> StoryProtocol {
        var spec = StoryProtocol.lebel2023
        spec.inner = .rows(.chunkedBootstrap(ChunkedBootstrap(draws: 20, chunkLength: 10, heldOutChunks: 8, seed: 1)))
        return spec
    }

    static func run(_ spec: StoryProtocol, neural: [String] = sample, precision: Precision, output: String,
                    memory: Int = 256 << 20, innerFoldsPerPass: Int? = nil) throws -> BenchmarkResult {
        var settings = RunSettings(neuralPaths: neural, activationsPath: activations, outputPath: output, overwrite: true,
                                   precision: precision, memoryBudget: memory, threads: 2, commandLine: "test")
        settings.innerFoldsPerPass = innerFoldsPerPass
        return try BenchmarkRunner.run(StoryBenchmark.custom(spec), settings: settings)
    }

    /// Every voxel's r and alpha, and each subject's mean and median r over voxels.
    func compare(_ result: BenchmarkResult, fixture: String, tolerance: Double) throws {
        let reference = try Fixture.json("BenchmarksTests", fixture)
        let subjects = try #require(reference["subjects"] as? [[String: Any]])
        #expect(result.parts.map(\.name) == subjects.map { $0["subject"] as? String ?? "" })
        for (ours, theirs) in zip(result.parts, subjects) {
            let layers = try #require(theirs["layers"] as? [[String: Any]])
            let file = try NetCDFFile.open(ours.outputPath)
            let r = try file.doubles("r"), alpha = try file.doubles("alpha")
            for (l, layer) in layers.enumerated() {
                #expect(abs(ours.layers[l].score - doubles([layer["mean"] as Any])[0]) <= tolerance, "\(ours.name) layer \(l)")
                let splits = (layer["r"] as? [Any] ?? []).map { doubles($0) }
                let alphas = (layer["alpha"] as? [Any] ?? []).map { doubles($0) }
                let voxels = splits[0].count
                var perVoxel = [Double](repeating: 0, count: voxels)
                for (s, expected) in splits.enumerated() {
                    let start = (l * splits.count + s) * voxels
                    let mine = Array(r[start..<(start + voxels)])
                    #expect(maxAbsDifference(mine, expected) <= tolerance, "\(ours.name) layer \(l) split \(s)")
                    let chosen = Array(alpha[start..<(start + voxels)])
                    let agree = zip(chosen, alphas[s]).filter { abs($0 - $1) <= 1e-9 * $1 }.count
                    #expect(agree >= (tolerance < 1e-6 ? voxels : voxels * 95 / 100), "\(ours.name) layer \(l) split \(s): \(agree)/\(voxels) alphas agree")
                    for v in 0..<voxels { perVoxel[v] += mine[v] / Double(splits.count) }
                }
                let sorted = perVoxel.sorted()
                let median = voxels % 2 == 1 ? sorted[voxels / 2] : (sorted[voxels / 2 - 1] + sorted[voxels / 2]) / 2
                #expect(abs(median - doubles([layer["median"] as Any])[0]) <= tolerance, "\(ours.name) layer \(l) median")
            }
            #expect(ours.bestLayer == 1)
        }
    }

    @Test func bootstrapSelectionOnTheSampleMatches() throws {
        let temporary = try TemporaryDirectory()
        let result = try Self.run(Self.bootstrapProtocol(), precision: .float64, output: temporary.path("story.nc"))
        try compare(result, fixture: "lebel_bootstrap.json", tolerance: 1e-8)
        let combined = try #require(result.combined)
        #expect(combined.layers[1].subjectScores.map(\.subject) == ["UTS01", "UTS02"])
        // float32: the same scores to rounding.
        let single = try Self.run(Self.bootstrapProtocol(), precision: .float32, output: temporary.path("story32.nc"))
        try compare(single, fixture: "lebel_bootstrap.json", tolerance: 1e-4)
    }

    /// Bootstrap draws selected in passes (3 or 7 of the 20 draws per pass, the last pass
    /// shorter) match the same reference, voxel by voxel and alpha by alpha.
    @Test(arguments: [3, 7])
    func bootstrapSelectionInPassesMatches(drawsPerPass: Int) throws {
        let temporary = try TemporaryDirectory()
        let result = try Self.run(Self.bootstrapProtocol(), precision: .float64, output: temporary.path("passes.nc"), innerFoldsPerPass: drawsPerPass)
        let passes = (20 + drawsPerPass - 1) / drawsPerPass
        for part in result.parts { #expect(part.plan.contains("\(passes) passes over the inner folds"), "\(part.plan)") }
        try compare(result, fixture: "lebel_bootstrap.json", tolerance: 1e-8)
    }

    /// --memory holds for story runs as for every benchmark: a plan inside the budget, and
    /// a refusal below the minimum before anything is written.
    @Test func memoryBudgetIsHonoured() throws {
        let temporary = try TemporaryDirectory()
        let result = try Self.run(Self.bootstrapProtocol(), precision: .float32, output: temporary.path("fits.nc"), memory: 80 << 20)
        for part in result.parts { #expect(part.plan.contains("plan peak") && !part.plan.contains("GiB"), "\(part.plan)") }
        do {
            _ = try Self.run(Self.bootstrapProtocol(), precision: .float32, output: temporary.path("tiny.nc"), memory: 20 << 20)
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("use at least --memory"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: temporary.path("tiny.nc")))
        #expect(!FileManager.default.fileExists(atPath: temporary.path("tiny.UTS01.nc")))
    }

    @Test func storyFoldsWithInnerStoryFoldsMatch() throws {
        let temporary = try TemporaryDirectory()
        var spec = StoryProtocol.lebel2023
        spec.outer = .storyFolds(5)
        spec.inner = .storyFolds(2)
        spec.delays = [1, 2]
        spec.trimHead = 12
        spec.trimTail = 6
        let result = try Self.run(spec, neural: [Self.sample[0]], precision: .float64, output: temporary.path("folds.nc"))
        try compare(result, fixture: "lebel_storyfolds.json", tolerance: 1e-8)
        // Inner story folds one per pass (each outer split has its own).
        let passes = try Self.run(spec, neural: [Self.sample[0]], precision: .float64, output: temporary.path("folds1.nc"), innerFoldsPerPass: 1)
        #expect(passes.parts[0].plan.contains("2 passes over the inner folds"), "\(passes.parts[0].plan)")
        try compare(passes, fixture: "lebel_storyfolds.json", tolerance: 1e-8)
    }

    /// One story's rows (Lanczos -> trim -> z-score -> delays) against numpy.
    @Test func storyRowsMatch() throws {
        let fixture = try #require(try LanczosFixture.units()["story"] as? [String: Any])
        var spec = StoryProtocol.lebel2023
        spec.delays = integers(fixture["delays"])
        spec.trimHead = integers([fixture["head"] as Any])[0]
        spec.trimTail = integers([fixture["tail"] as Any])[0]
        let rows = spec.storyRows(words: LanczosFixture.matrix(fixture["vectors"]), wordTimes: doubles(fixture["word_times"]),
                                  trTimes: doubles(fixture["tr_times"]))
        let expected = LanczosFixture.matrix(fixture["expected"])
        #expect(rows.rows == expected.rows && rows.columns == expected.columns)
        #expect(maxAbsDifference(rows.elements, expected.elements) <= 1e-12)
    }

    /// LeBel2023's own bootstrap (125 chunks of 40 TRs held out) needs more than 5,000
    /// training TRs: on the small sample it is refused before anything is written.
    @Test func lebelDefaultsRefuseTooShortTrainingData() throws {
        let temporary = try TemporaryDirectory()
        let output = temporary.path("lebel.nc")
        let settings = RunSettings(neuralPaths: Self.sample, activationsPath: Self.activations, outputPath: output, precision: .float64,
                                   commandLine: "test")
        do {
            _ = try BenchmarkRunner.run(try BenchmarkRegistry.named("LeBel2023"), settings: settings)
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("125 chunks of 40 rows"), "\(error)")
            #expect("\(error)".contains("training data have 395 rows"), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.url.path).isEmpty)
    }
}

/// Access to the unit fixtures shared with EncodingTests.
enum LanczosFixture {
    static func units() throws -> [String: Any] {
        let url = Fixture.repositoryRoot.appendingPathComponent("Tests/EncodingTests/Fixtures/lebel_units.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    static func matrix(_ any: Any?) -> Matrix<Double> {
        let columns = (any as? [Any] ?? []).map { doubles($0) }
        return Matrix(rows: columns.first?.count ?? 0, columns: columns.count, columnMajor: columns.flatMap { $0 })
    }
}
