import Encoding
import Foundation
import HDF5
import Scoring

/// A named benchmark: the exact protocol of a published score (docs/protocols.md).
///
/// A benchmark says which parts it scores (Pereira2018: two experiments; Wehbe2014: one
/// per subject; most: one), and for each part its rows and neuroids, its feature
/// transform, splits, regression, metric and ceiling; and how the parts' scores combine.
/// It never runs its own engine loop: neural parts are scored by the shared `LayerLoop`
/// (`NeuralPart`), and `BenchmarkRunner` runs every benchmark the same way.
public protocol Benchmark: Sendable {
    var name: String { get }
    /// One line for --help and the registry listing.
    var summary: String { get }
    var inputs: BenchmarkInputs { get }
    /// The parts to score, opened and validated (files, coordinates, layers): the runner
    /// builds every part before it scores any, so bad input fails before hours of work.
    func parts(settings: RunSettings) throws -> [any BenchmarkPart]
    /// The benchmark's combined result when it has several parts (nil for one part).
    func combine(_ parts: [PartResult], outputPath: String) -> PartResult?
    /// How `combine` combines, recorded in the combined file.
    var combination: String { get }
}

extension Benchmark {
    public func combine(_ parts: [PartResult], outputPath: String) -> PartResult? {
        parts.count > 1 ? PartResult.meanOverParts(parts, name: name, outputPath: outputPath, ceiling: nil) : nil
    }
    public var combination: String { "mean over parts of each layer's score" }
}

/// What a benchmark reads.
public struct BenchmarkInputs: Sendable {
    /// Whether `--neural` is one file or one per subject.
    public var neuralFilesPerSubject: Bool
    /// What `--activations` must hold, for --help and errors.
    public var activations: String
    /// Whether `score --ceiling FILE` may replace the published ceiling.
    public var acceptsCeilingFile: Bool

    public init(neuralFilesPerSubject: Bool = false, activations: String = "layer activations", acceptsCeilingFile: Bool = true) {
        self.neuralFilesPerSubject = neuralFilesPerSubject
        self.activations = activations
        self.acceptsCeilingFile = acceptsCeilingFile
    }
}

/// One scored part, ready to run.
public protocol BenchmarkPart: Sendable {
    var name: String { get }
    var outputPath: String { get }
    /// Every file the part reads: no output may be one of them.
    var inputFiles: [String] { get }
    /// Checks what can be checked before any part is scored (the memory plan).
    func preflight(settings: RunSettings) throws
    /// Scores the part into its result file, returned staged (not yet under its real
    /// name): the runner publishes all parts of a run together.
    func score(settings: RunSettings, observer: RunObserver) throws -> ScoredPart
    /// Whether `score` shares its work among MPI ranks (`settings.ranks`). Parts that do
    /// not are scored by the lead alone while the other ranks wait.
    var spreadsOverRanks: Bool { get }
}

extension BenchmarkPart {
    public func preflight(settings: RunSettings) throws {}
    public var spreadsOverRanks: Bool { false }
}

/// A part's numbers and its result file, written but not yet published. Over MPI ranks
/// only the lead has the file (and the layer scores).
public struct ScoredPart: Sendable {
    public var result: PartResult
    public var file: StagedFile?
    public init(result: PartResult, file: StagedFile?) {
        self.result = result
        self.file = file
    }
}

/// What a benchmark run reports: every part, and the combination if there are several.
public struct BenchmarkResult: Sendable {
    public var benchmark: String
    public var parts: [PartResult]
    public var combined: PartResult?

    /// The benchmark's own score: the combination, or the one part.
    public var headline: PartResult { combined ?? parts[0] }
}

extension PartResult {
    /// Per layer, the mean over parts of their scores (the parts must have the same layers).
    /// When the parts are subjects (Wehbe2014), each becomes a subject score of the
    /// combination, so their spread is reported too.
    public static func meanOverParts(_ parts: [PartResult], name: String, outputPath: String, ceiling: Double?,
                                     partsAreSubjects: Bool = false) -> PartResult {
        let layers = parts[0].layers.indices.map { index in
            let scores = parts.map { $0.layers[index].score }
            return LayerScore(name: parts[0].layers[index].name, splitScores: [], score: scores.reduce(0, +) / Double(parts.count),
                              undefinedNeuroids: parts.map { $0.layers[index].undefinedNeuroids }.reduce(0, +),
                              subjectScores: partsAreSubjects ? parts.map { ($0.name, $0.layers[index].score) } : [],
                              undefinedReason: parts.compactMap { $0.layers[index].undefinedReason }.first)
        }
        return PartResult(name: name, outputPath: outputPath, layers: layers, ceiling: ceiling,
                          stimuli: parts.map(\.stimuli).reduce(0, +), neuroids: parts.map(\.neuroids).reduce(0, +),
                          plan: parts.last?.plan ?? "", seconds: parts.map(\.seconds).reduce(0, +),
                          warnings: parts.flatMap(\.warnings))
    }
}
