import Benchmarks
import Encoding
import Foundation
import HDF5
import Scoring
import TestSupport
import Testing

/// Bad story-listening input: each is one line naming the problem, and nothing is written.
@Suite struct StoryBadInputTests {
    /// Three stories of 20 TRs (2 s), 3 voxels; 30 words per story, 2 features.
    struct Files {
        var stories = ["A", "B", "C"]
        var trs = 20
        var trTime: (Int, Int) -> Double = { _, tr in Double(tr) * 2 + 1 }
        var writeTRTime = true
        var wordStories = ["A", "B", "C"]
        var wordTime: (Int, Int) -> Double = { _, k in 0.5 + Double(k) * 1.2 }
        /// (story, TR) whose second voxel is NaN (as ds003020 leaves the untrimmed edges).
        var missingResponse: (Int, Int) -> Bool = { _, _ in false }

        func write(in directory: TemporaryDirectory) throws -> (neural: String, activations: String) {
            let neural = directory.path("subject.nc"), activations = directory.path("words.nc")
            let rows = stories.count * trs
            let writer = try NetCDFWriter(path: neural)
            try writer.defineDimension("tr", length: rows)
            try writer.defineDimension("voxel", length: 3)
            try writer.addVariable("data", dimensions: ["tr", "voxel"], values: .float32((0..<(rows * 3)).map { i in
                missingResponse((i / 3) / trs, (i / 3) % trs) && i % 3 == 1 ? .nan : Float(sin(Double(i) * 0.7))
            }))
            try writer.addCoordinate("story", dimensions: ["tr"], values: .strings(stories.flatMap { [String](repeating: $0, count: trs) }))
            if writeTRTime {
                try writer.addCoordinate("tr_time", dimensions: ["tr"], values: .float64(stories.indices.flatMap { s in (0..<trs).map { trTime(s, $0) } }))
            }
            _ = try writer.finish()
            let words = 30, count = wordStories.count * words
            let acts = try NetCDFWriter(path: activations)
            try acts.defineDimension("layer", length: 1)
            try acts.defineDimension("presentation", length: count)
            try acts.defineDimension("feature", length: 2)
            try acts.addVariable("activations", dimensions: ["layer", "presentation", "feature"], values: .float32((0..<(count * 2)).map { Float(cos(Double($0) * 1.3)) }))
            try acts.addCoordinate("stimulus_id", dimensions: ["presentation"], values: .strings((0..<count).map { "w\($0)" }))
            try acts.addCoordinate("story", dimensions: ["presentation"], values: .strings(wordStories.flatMap { [String](repeating: $0, count: words) }))
            try acts.addCoordinate("word_time", dimensions: ["presentation"], values: .float64(wordStories.indices.flatMap { s in (0..<words).map { wordTime(s, $0) } }))
            _ = try acts.finish()
            return (neural, activations)
        }
    }

    static var spec: StoryProtocol {
        StoryProtocol(delays: [1, 2], trimHead: 2, trimTail: 1, outer: .testStories(["C"], train: nil), alphas: [1, 10],
                      inner: .rows(.chunkedBootstrap(ChunkedBootstrap(draws: 3, chunkLength: 4, heldOutChunks: 2))))
    }

    /// Runs and returns the error text; records an issue if it did not fail, wrote
    /// anything, or took more than one line.
    func failure(_ files: Files, spec: StoryProtocol = Self.spec) throws -> String {
        let directory = try TemporaryDirectory()
        let (neural, activations) = try files.write(in: directory)
        let output = directory.path("out.nc")
        let settings = RunSettings(neuralPaths: [neural], activationsPath: activations, outputPath: output, precision: .float64, commandLine: "test")
        do {
            _ = try BenchmarkRunner.run(StoryBenchmark.custom(spec), settings: settings)
            Issue.record("expected an error")
            return ""
        } catch {
            let text = "\(error)"
            #expect(!text.contains("\n"), "\(text)")
            #expect(!FileManager.default.fileExists(atPath: output), "\(text)")
            return text
        }
    }

    @Test func theGoodFilesScore() throws {
        let directory = try TemporaryDirectory()
        let (neural, activations) = try Files().write(in: directory)
        let settings = RunSettings(neuralPaths: [neural], activationsPath: activations, outputPath: directory.path("out.nc"), precision: .float64,
                                   commandLine: "test")
        let result = try BenchmarkRunner.run(StoryBenchmark.custom(Self.spec), settings: settings)
        #expect(result.parts[0].stimuli == 3 * 17)
        #expect(FileManager.default.fileExists(atPath: directory.path("out.nc")))
    }

    @Test func wordTimesNotIncreasingWithinAStory() throws {
        var files = Files()
        files.wordTime = { s, k in s == 1 && k == 7 ? 0.1 : 0.5 + Double(k) * 1.2 }
        let text = try failure(files)
        #expect(text.contains("word times are not increasing within story 'B'"), "\(text)")
        #expect(text.contains("words.nc"), "\(text)")
    }

    @Test func trTimesMissing() throws {
        var files = Files()
        files.trTime = { s, tr in s == 2 && tr == 4 ? .nan : Double(tr) * 2 + 1 }
        let text = try failure(files)
        #expect(text.contains("tr_time is missing") && text.contains("story 'C'"), "\(text)")
        var absent = Files()
        absent.writeTRTime = false
        let none = try failure(absent)
        #expect(none.contains("subject.nc: no 'tr_time' variable"), "\(none)")
        var flat = Files()
        flat.trTime = { _, tr in tr == 5 ? 9 : Double(tr) * 2 + 1 }
        let decreasing = try failure(flat)
        #expect(decreasing.contains("tr_time does not increase within story 'A'"), "\(decreasing)")
    }

    @Test func storiesInTheFeaturesAbsentFromTheResponsesAreNamed() throws {
        var files = Files()
        files.wordStories = ["A", "B", "C", "D", "E"]
        let text = try failure(files)
        #expect(text.contains("2 stories are in the features but not in the responses") && text.contains("'D', 'E'"), "\(text)")
        var fewer = Files()
        fewer.wordStories = ["A", "C"]
        let missing = try failure(fewer)
        #expect(missing.contains("has no words for 1 story") && missing.contains("'B'"), "\(missing)")
    }

    /// NaN rows the trim drops are fine (ds003020's edges); a NaN row it keeps would make
    /// r NaN, or drop a voxel from the mean unnoticed: refused, naming story and TR.
    @Test func missingResponsesInKeptTRsAreRefused() throws {
        var edges = Files()
        edges.missingResponse = { _, tr in tr < 2 || tr == 19 }
        let directory = try TemporaryDirectory()
        let (neural, activations) = try edges.write(in: directory)
        let settings = RunSettings(neuralPaths: [neural], activationsPath: activations, outputPath: directory.path("out.nc"), precision: .float64,
                                   commandLine: "test")
        #expect(try BenchmarkRunner.run(StoryBenchmark.custom(Self.spec), settings: settings).parts[0].stimuli == 3 * 17)
        var kept = Files()
        kept.missingResponse = { s, tr in s == 1 && (tr == 5 || tr == 6) }
        let text = try failure(kept)
        #expect(text.contains("subject.nc: 2 kept TR(s) hold NaN") && text.contains("'B' TRs 5,6 of 20") && text.contains("--trim 10:5"), "\(text)")
    }

    @Test func delaysLargerThanAStory() throws {
        var spec = Self.spec
        spec.delays = [1, 17]
        let text = try failure(Files(), spec: spec)
        #expect(text.contains("story 'A' keeps 17 TRs") && text.contains("delays up to 17 TRs"), "\(text)")
    }

    @Test func aTestStoryAlsoInTraining() throws {
        var spec = Self.spec
        spec.outer = .testStories(["C"], train: ["A", "C"])
        let text = try failure(Files(), spec: spec)
        #expect(text.contains("test story 'C' also in training"), "\(text)")
        spec.outer = .testStories(["Z"], train: nil)
        let unknown = try failure(Files(), spec: spec)
        #expect(unknown.contains("test story 'Z' not in the responses"), "\(unknown)")
    }

    @Test func bootstrapChunksLongerThanTheTrainingData() throws {
        var spec = Self.spec
        spec.inner = .rows(.chunkedBootstrap(ChunkedBootstrap(draws: 2, chunkLength: 40, heldOutChunks: 1)))
        let text = try failure(Files(), spec: spec)
        #expect(text.contains("holds out 1 chunks of 40 rows") && text.contains("training data have 34 rows"), "\(text)")
    }
}
