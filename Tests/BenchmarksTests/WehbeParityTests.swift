import Benchmarks
import Encoding
import Foundation
import HDF5
import Scoring
import TestSupport
import Testing

/// Wehbe2014 against tools/reference_wehbe_original.py, a float64 numpy re-implementation
/// that follows the paper's code step by step, on the real-layout fixture (1,351 TRs,
/// 5,176 words, 4 runs, on- and off-grid onsets, a word-less TR): each fold's scored and
/// training TRs, every voxel's r per fold to 1e-6, the chosen lambdas, the scores.
@Suite struct WehbePaperCodeParityTests {
    static let subject = Fixture.path("BenchmarksTests", "wehbe_literal_F.nc")
    static let activations = Fixture.path("BenchmarksTests", "wehbe_literal_activations.nc")

    static func run(_ benchmark: WehbeBenchmark, output: String, precision: Precision = .float64) throws -> BenchmarkResult {
        let settings = RunSettings(neuralPaths: [subject], activationsPath: activations, outputPath: output, overwrite: true,
                                   precision: precision, memoryBudget: 256 << 20, threads: 2, commandLine: "test")
        return try BenchmarkRunner.run(benchmark, settings: settings)
    }

    @Test func everyFoldVoxelAndLambdaMatches() throws {
        let temporary = try TemporaryDirectory()
        let result = try Self.run(.paperCode, output: temporary.path("w.nc"))
        let reference = try Fixture.json("BenchmarksTests", "wehbe_literal.json")
        let theirs = try #require((reference["subjects"] as? [[String: Any]])?.first)
        let part = try #require(result.parts.first)
        // The subject file marks language voxels, so those are the ones scored.
        let voxels = try #require(theirs["language_voxels"] as? [Int])
        let file = try NetCDFFile.open(part.outputPath)
        let trIndex = try file.values("tr_index").integers!.map { Int($0) }
        let test = try file.doubles("test_mask"), train = try file.doubles("train_mask")
        let folds = try #require(theirs["folds"] as? [[String: Any]])
        #expect(folds.count == 4)
        for (f, fold) in folds.enumerated() {
            let row = f * trIndex.count
            let ourTest = trIndex.indices.filter { test[row + $0] != 0 }.map { trIndex[$0] }
            let ourTrain = trIndex.indices.filter { train[row + $0] != 0 }.map { trIndex[$0] }
            #expect(ourTest == fold["test_trs"] as? [Int], "fold \(f) test TRs")
            #expect(ourTrain == fold["train_trs"] as? [Int], "fold \(f) training TRs")
        }
        let r = try file.doubles("r"), alpha = try file.doubles("alpha")
        let layers = try #require(theirs["layers"] as? [[String: Any]])
        #expect(part.layers.count == layers.count)
        for (l, layer) in layers.enumerated() {
            let rs = (layer["r"] as? [Any] ?? []).map { doubles($0) }
            let lambdas = (layer["lambda"] as? [Any] ?? []).map { doubles($0) }
            for f in 0..<rs.count {
                let start = (l * rs.count + f) * voxels.count
                #expect(maxAbsDifference(Array(r[start..<(start + voxels.count)]), voxels.map { rs[f][$0] }) <= 1e-6, "layer \(l) fold \(f)")
                #expect(Array(alpha[start..<(start + voxels.count)]) == voxels.map { lambdas[f][$0] }, "layer \(l) fold \(f) lambdas")
            }
            #expect(abs(part.layers[l].score - doubles([layer["score_fold_mean_language"] as Any])[0]) <= 1e-6, "layer \(l) score")
        }
        // The fixture's pause (a word-less kept TR) is said, not silently zeroed.
        #expect(part.warnings.contains { $0.contains("without words") && $0.contains("TR 1334") }, "\(part.warnings)")
    }

    /// The same fixture, every voxel (a copy without its language mask).
    @Test func allVoxelsMatchWithoutTheMask() throws {
        let temporary = try TemporaryDirectory()
        let copy = temporary.path("F.nc")
        try WehbeSubjectFiles.copy(Self.subject, to: copy, dropping: ["language_voxel"])
        let settings = RunSettings(neuralPaths: [copy], activationsPath: Self.activations, outputPath: temporary.path("all.nc"), overwrite: true,
                                   precision: .float64, memoryBudget: 256 << 20, threads: 2, commandLine: "test")
        let part = try #require(try BenchmarkRunner.run(WehbeBenchmark.paperCode, settings: settings).parts.first)
        let reference = try Fixture.json("BenchmarksTests", "wehbe_literal.json")
        let theirs = try #require((reference["subjects"] as? [[String: Any]])?.first)
        let layers = try #require(theirs["layers"] as? [[String: Any]])
        let r = try NetCDFFile.open(part.outputPath).doubles("r")
        for (l, layer) in layers.enumerated() {
            let rs = (layer["r"] as? [Any] ?? []).flatMap { doubles($0) }
            #expect(maxAbsDifference(Array(r[(l * rs.count)..<((l + 1) * rs.count)]), rs) <= 1e-6, "layer \(l)")
            #expect(abs(part.layers[l].score - doubles([layer["score_fold_mean"] as Any])[0]) <= 1e-6, "layer \(l) score")
        }
    }

    /// The bundled sample (2 subjects, 10 s pauses between runs, onsets off the TR grid).
    @Test func theSampleMatchesPerSubjectFoldAndVoxel() throws {
        let temporary = try TemporaryDirectory()
        let settings = RunSettings(neuralPaths: ["F", "H"].map { BrainScoreParityTests.sample("Wehbe2014_sample_\($0).nc") },
                                   activationsPath: BrainScoreParityTests.sample("Wehbe2014_sample_activations.nc"), outputPath: temporary.path("s.nc"),
                                   overwrite: true, precision: .float64, memoryBudget: 256 << 20, threads: 2, commandLine: "test")
        let result = try BenchmarkRunner.run(WehbeBenchmark.paperCode, settings: settings)
        let reference = try Fixture.json("BenchmarksTests", "wehbe_original_sample.json")
        let subjects = try #require(reference["subjects"] as? [[String: Any]])
        #expect(result.parts.map(\.name) == subjects.map { $0["subject"] as? String ?? "" })
        for (ours, theirs) in zip(result.parts, subjects) {
            let r = try NetCDFFile.open(ours.outputPath).doubles("r")
            let layers = try #require(theirs["layers"] as? [[String: Any]])
            for (l, layer) in layers.enumerated() {
                let rs = (layer["r"] as? [Any] ?? []).flatMap { doubles($0) }
                #expect(maxAbsDifference(Array(r[(l * rs.count)..<((l + 1) * rs.count)]), rs) <= 1e-6, "\(ours.name) layer \(l)")
            }
        }
        let combined = try #require(result.combined)
        let scores = doubles(try #require((reference["scores"] as? [String: Any])?["score"]))
        #expect(maxAbsDifference(combined.layers.map(\.score), scores) <= 1e-6)
        #expect(combined.bestLayer == 1)
    }

    @Test func foldsAndBoundaryFollowThePapersCode() throws {
        let labels = try WehbeReading.paperCode.foldLabels(count: 1211, folds: 4)
        #expect((0..<4).map { f in labels.filter { $0 == f }.count } == [302, 302, 302, 305])
        let splits = WehbeReading.paperCode.splits(labels: labels, folds: 4, boundary: 5)
        #expect(splits.map(\.test.count) == [302, 292, 292, 305])
        #expect(splits.map(\.test.count).reduce(0, +) == 1191)
        #expect(splits.map(\.train.count) == [904, 909, 909, 901])
        #expect(splits[1].train.contains(301) && splits[1].train.contains(604) && !splits[1].test.contains(302))
        let clean = WehbeReading.clean.splits(labels: try WehbeReading.clean.foldLabels(count: 1211, folds: 4), folds: 4, boundary: 5)
        #expect(clean.map(\.test.count) == [303, 303, 303, 302])
        #expect(throws: ScoringError.self) { try WehbeReading.paperCode.foldLabels(count: 3, folds: 4) }
    }

    @Test func wordsGoToTheLastTRStartingBeforeThem() {
        let times = [0.0, 2, 4, 6]
        #expect(WehbeSubject.tr(of: 2.0, rule: .lastOnsetBefore, trTimes: times, trSeconds: 2) == 0)
        #expect(WehbeSubject.tr(of: 2.5, rule: .lastOnsetBefore, trTimes: times, trSeconds: 2) == 1)
        #expect(WehbeSubject.tr(of: 8.0, rule: .lastOnsetBefore, trTimes: times, trSeconds: 2) == 3)
        #expect(WehbeSubject.tr(of: 0.0, rule: .lastOnsetBefore, trTimes: times, trSeconds: 2) == nil)
        #expect(WehbeSubject.tr(of: 2.0, rule: .window, trTimes: times, trSeconds: 2) == 1)
        #expect(WehbeSubject.tr(of: 8.0, rule: .window, trTimes: times, trSeconds: 2) == nil)
    }
}

/// Subject files that break the layout: one clear line each, nothing scored.
@Suite struct WehbeBadInputTests {
    func write(_ path: String, trTime: [Double] = [0, 2, 4, 6], runs: [Int64] = [1, 1, 2, 2], onsets: [Double] = [0.5, 2.5, 4.5, 6.5],
               mask: [UInt8]? = nil) throws {
        let writer = try NetCDFWriter(path: path)
        try writer.defineDimension("tr", length: trTime.count)
        try writer.defineDimension("voxel", length: 2)
        try writer.defineDimension("word", length: onsets.count)
        try writer.addVariable("data", dimensions: ["tr", "voxel"], values: .float32((0..<(2 * trTime.count)).map { Float($0) }))
        try writer.addCoordinate("tr_time", dimensions: ["tr"], values: .float64(trTime))
        try writer.addCoordinate("run", dimensions: ["tr"], values: .int64(runs))
        try writer.addCoordinate("stimulus_id", dimensions: ["word"], values: .strings(onsets.indices.map { "word.\($0)" }))
        try writer.addCoordinate("word_onset", dimensions: ["word"], values: .float64(onsets))
        if let mask {
            try writer.defineDimension("mask", length: mask.count)
            try writer.addVariable("language_voxel", dimensions: ["mask"], values: .uint8(mask))
        }
        try writer.finish()
    }

    func error(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no error"
    }

    @Test func wordTimesThatGoBackAreAnError() throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.path("back.nc")
        try write(path, onsets: [0.5, 2.5, 2.0, 6.5])
        let message = error { _ = try WehbeSubject(path: path) }
        #expect(message.contains("back.nc: word_onset (4) goes back in time: word 'word.2' at 2.0 s"), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test func trTimesThatDoNotIncreaseAreAnError() throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.path("tr.nc")
        try write(path, trTime: [0, 2, 2, 6])
        let message = error { _ = try WehbeSubject(path: path) }
        #expect(message.contains("tr.nc: tr_time (4) is not increasing: TR 2"), "\(message)")
    }

    @Test func aMaskForOtherDataIsAnError() throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.path("mask.nc")
        try write(path, mask: [1, 0, 1])
        let message = error { _ = try WehbeSubject(path: path) }
        #expect(message.contains("mask.nc: language_voxel has 3 entries, but data has 2 voxels (shape [4, 2])"), "\(message)")
    }

    @Test func aWordAtTheFirstTROnsetHasNoTRUnderThePapersRule() throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.path("first.nc")
        try write(path, onsets: [0.0, 2.5, 4.5, 6.5])
        let message = error { _ = try WehbeSubject(path: path) }
        #expect(message.contains("word 'word.0' at 0.0 s: no TR starts strictly before it"), "\(message)")
        #expect(error { _ = try WehbeSubject(path: path, rule: .window) } == "no error")
    }

    @Test func runsOutOfOrderAreRefusedByThePapersReading() throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.path("runs.nc")
        try write(path, runs: [2, 2, 1, 1])
        let subject = try WehbeSubject(path: path)
        let message = error { try WehbeBenchmark.paperCode.checkPaperLayout(subject) }
        #expect(message.contains("runs.nc: run (4) holds runs [2, 1] in time order"), "\(message)")
    }
}

/// Wehbe2014-clean (the reading without the paper code's quirks) against
/// tools/reference_wehbe.py (numpy PCA, sklearn Ridge refitted per inner fold and lambda,
/// scipy pearsonr) on the two sample subjects (one converted from the CMU .mat layout, one
/// from Toneva's .npy files).
@Suite struct WehbeCleanParityTests {
    @Test func everyVoxelAndFoldMatches() throws {
        let temporary = try TemporaryDirectory()
        let directory = temporary.url
        let result = try Self.run(precision: .float64, memory: 256 << 20, output: directory.appendingPathComponent("w.nc").path)
        let reference = try Fixture.json("BenchmarksTests", "wehbe.json")
        let subjects = try #require(reference["subjects"] as? [[String: Any]])
        #expect(result.parts.map(\.name) == subjects.map { $0["subject"] as? String ?? "" })
        for (ours, theirs) in zip(result.parts, subjects) {
            let layers = try #require(theirs["layers"] as? [[String: Any]])
            let file = try NetCDFFile.open(ours.outputPath)
            let r = try file.doubles("r")
            for (l, layer) in layers.enumerated() {
                #expect(abs(ours.layers[l].score - doubles([layer["score"] as Any])[0]) <= 1e-6, "\(ours.name) layer \(l)")
                let folds = (layer["r"] as? [Any] ?? []).map { doubles($0) }
                let voxels = folds[0].count
                for (f, expected) in folds.enumerated() {
                    let start = (l * folds.count + f) * voxels
                    #expect(maxAbsDifference(Array(r[start..<(start + voxels)]), expected) <= 1e-6, "\(ours.name) layer \(l) fold \(f)")
                }
            }
        }
        let combined = try #require(result.combined)
        #expect(combined.bestLayer == 1)
        // The cross-subject score is written to the output file.
        let stored = try ResultFile(path: combined.outputPath)
        #expect(stored.kind == .combined && stored.ceiling == 0.104)
        #expect(maxAbsDifference(stored.scores, combined.layers.map(\.score)) == 0)
    }

    static func run(precision: Precision, memory: Int, output: String) throws -> BenchmarkResult {
        let settings = RunSettings(neuralPaths: ["F", "H"].map { BrainScoreParityTests.sample("Wehbe2014_sample_\($0).nc") },
                                   activationsPath: BrainScoreParityTests.sample("Wehbe2014_sample_activations.nc"), outputPath: output,
                                   overwrite: true, precision: precision, memoryBudget: memory, threads: 2, commandLine: "test")
        return try BenchmarkRunner.run(WehbeBenchmark.clean, settings: settings)
    }

    /// --memory and --precision hold for Wehbe2014 as for every benchmark: the same scores
    /// at float32 and float64, a plan inside the budget, and a refusal below it.
    @Test func precisionAndMemoryAreHonoured() throws {
        let temporary = try TemporaryDirectory()
        let budget = 80 << 20
        let single = try Self.run(precision: .float32, memory: budget, output: temporary.path("w32.nc"))
        let double = try Self.run(precision: .float64, memory: budget, output: temporary.path("w64.nc"))
        for (a, b) in zip(single.parts, double.parts) {
            #expect(maxAbsDifference(a.layers.map(\.score), b.layers.map(\.score)) <= 1e-4, "\(a.name)")
            #expect(a.plan.contains("plan peak"), "\(a.plan)")
            let stored = try NetCDFFile.open(a.outputPath)
            #expect(stored.attributes.first { $0.name == "precision" }?.stringValue == "float32")
        }
        // Every part's plan stays inside the budget (the plan's peak is in its description).
        for part in single.parts + double.parts {
            let peak = try #require(part.plan.split(separator: "plan peak ").last)
            #expect(!peak.contains("GiB"), "\(part.plan)")
        }
        do {
            _ = try Self.run(precision: .float64, memory: 65 << 20, output: temporary.path("tiny.nc"))
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("use at least --memory"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: temporary.path("tiny.nc")))
    }

    @Test func wordTimingsThatMissARunAreAnError() throws {
        let temporary = try TemporaryDirectory()
        let directory = temporary.url
        let path = directory.appendingPathComponent("bad.nc").path
        let writer = try NetCDFWriter(path: path)
        try writer.defineDimension("tr", length: 4)
        try writer.defineDimension("voxel", length: 2)
        try writer.defineDimension("word", length: 2)
        try writer.addVariable("data", dimensions: ["tr", "voxel"], values: .float32([1, 2, 3, 4, 5, 6, 7, 8]))
        try writer.addCoordinate("tr_time", dimensions: ["tr"], values: .float64([0, 2, 4, 6]))
        try writer.addCoordinate("run", dimensions: ["tr"], values: .int64([1, 1, 2, 2]))
        try writer.addCoordinate("stimulus_id", dimensions: ["word"], values: .strings(["word.0", "word.1"]))
        try writer.addCoordinate("word_onset", dimensions: ["word"], values: .float64([0.5, 1.5]))
        try writer.finish()
        do {
            _ = try WehbeSubject(path: path)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("no word falls in run 2"), "\(error)")
        }
    }
}

/// Rewrites a Wehbe subject file with only the variables scoring reads (tests vary one).
enum WehbeSubjectFiles {
    static func copy(_ source: String, to path: String, dropping: Set<String> = []) throws {
        let file = try NetCDFFile.open(source)
        let data = try file.variable("data")
        let words = try NeuralData.identifiers(file: file, name: "stimulus_id")
        let writer = try NetCDFWriter(path: path)
        try writer.defineDimension("tr", length: data.shape[0])
        try writer.defineDimension("voxel", length: data.shape[1])
        try writer.defineDimension("word", length: words.count)
        try writer.addVariable("data", dimensions: ["tr", "voxel"], values: .float32(try file.doubles("data").map { Float($0) }))
        try writer.addCoordinate("tr_time", dimensions: ["tr"], values: .float64(try file.doubles("tr_time")))
        try writer.addCoordinate("run", dimensions: ["tr"], values: .int64(try file.values("run").integers ?? []))
        try writer.addCoordinate("stimulus_id", dimensions: ["word"], values: .strings(words))
        try writer.addCoordinate("word_onset", dimensions: ["word"], values: .float64(try file.doubles("word_onset")))
        if !dropping.contains("language_voxel") {
            try writer.addCoordinate("language_voxel", dimensions: ["voxel"], values: .uint8(try file.doubles("language_voxel").map { UInt8($0) }))
        }
        try writer.setAttribute("subject", .strings([file.attributes.first { $0.name == "subject" }?.stringValue ?? "F"]))
        _ = try writer.finish()
    }
}
