import Encoding
import Foundation
import HDF5
import LinearAlgebra
import Scoring

/// Futrell2018 behavioural alignment: how well per-word surprisal tracks mean human
/// reading time (Brain-Score `Futrell2018-pearsonr`; docs/protocols.md).
///
/// - Words that begin a sentence (`word_within_sentence_id == 1`) are dropped.
/// - Target: the mean reading time over subjects (NaN skipped); score: |Pearson r| with
///   surprisal over the words where both are defined.
/// - Ceiling: one `RandomState(seed)`; 10 times, half 1 = `choice(subject_ids, n // 2,
///   replace=False)` (numpy's legacy choice = the first n//2 of a permutation), half 2 =
///   the rest; |r| between the halves' mean reading times over all words (first words
///   included), Spearman-Brown corrected 2r/(1+r); ceiling = median of the 10.
public struct FutrellBenchmark: Benchmark {
    public var name: String
    public var summary: String
    public var publishedCeiling: Double
    public var ceilingSplits: Int
    public var ceilingSeed: UInt32

    public static let futrell2018 = FutrellBenchmark(
        name: "Futrell2018-pearsonr",
        summary: "Futrell2018 reading times: |r| of per-word surprisal with mean reading time (sentence-initial words dropped), split-half Spearman-Brown ceiling (published 0.858)",
        publishedCeiling: 0.858, ceilingSplits: 10, ceilingSeed: 0)

    public var inputs: BenchmarkInputs {
        BenchmarkInputs(activations: "a surprisal file: surprisal (presentation) with stimulus_id", acceptsCeilingFile: true)
    }

    public func parts(settings: RunSettings) throws -> [any BenchmarkPart] {
        [FutrellPart(benchmark: self, readingTimesPath: settings.neuralPath, variable: settings.neuralVariable,
                     surprisalPath: try settings.requireActivations(), outputPath: settings.outputPath,
                     ceiling: settings.ceilingOverride?.value, ceilingFile: settings.ceilingOverride?.file)]
    }

    /// What the metric computes from the files.
    public struct Result: Sendable {
        public var score: Double
        public var signedR: Double
        public var words: Int
        public var ceiling: Double
        public var ceilingSplits: [Double]
        public var subjectScores: [(subject: String, score: Double)]
    }

    /// Reading times: a (presentation, subject) variable with `stimulus_id` and
    /// `word_within_sentence_id` along presentation and `subject_id` along subject.
    /// Surprisal: a netCDF file with `surprisal (presentation)` in bits and `stimulus_id`.
    public func run(readingTimesPath: String, variable: String?, surprisalPath: String, ceiling computed: Double? = nil) throws -> Result {
        let neural = try NeuralData(path: readingTimesPath, variableName: variable)
        let positions = try neural.rowLabels("word_within_sentence_id")
        let subjectIDs = try neural.columnLabels("subject_id")
        let surprisal = try Surprisal(path: surprisalPath)
        let rows = try StimulusAlignment.activationRows(neural: neural.stimulusIDs, activations: surprisal.stimulusIDs,
                                                        neuralFile: readingTimesPath, activationsFile: surprisalPath)
        let times = Matrix<Double>(rows: neural.rowCount, columns: neural.columnCount,
                                   rowMajor: try neural.file.doubles(neural.variable.name))
        let values = rows.map { surprisal.values[$0] }
        let scored = (0..<neural.rowCount).filter { Double(positions[$0]) != 1 }

        let meanTimes = rowMeans(times, columns: Array(0..<times.columns))
        let r = pearsonSkippingNaN(scored.map { values[$0] }, scored.map { meanTimes[$0] })
        let subjectScores = (0..<times.columns).map { column in
            (subjectIDs[column], abs(pearsonSkippingNaN(scored.map { values[$0] }, scored.map { times[$0, column] })))
        }

        let splits = splitHalfCeilings(times)
        return Result(score: abs(r), signedR: r, words: scored.count, ceiling: computed ?? nanMedian(splits),
                      ceilingSplits: splits, subjectScores: subjectScores)
    }

    /// The Spearman-Brown corrected split-half consistencies (one per split) of the
    /// subject-mean reading times over all words: the ceiling is their median.
    public func splitHalfCeilings(_ times: Matrix<Double>) -> [Double] {
        var random = LegacyRandomState(seed: ceilingSeed)
        let n = times.columns
        return (0..<ceilingSplits).map { _ in
            let half = Array(random.permutation(n).prefix(n / 2))
            let chosen = Set(half)
            let rest = (0..<n).filter { !chosen.contains($0) }
            let a = rowMeans(times, columns: half), b = rowMeans(times, columns: rest)
            let correlation = abs(pearsonSkippingNaN(a, b))
            return 2 * correlation / (1 + correlation)
        }
    }

    /// The split-half ceiling of a reading-time file alone (`brainalign ceiling`).
    public func ceiling(readingTimesPath: String, variable: String?) throws -> (ceiling: Double, splits: [Double]) {
        let neural = try NeuralData(path: readingTimesPath, variableName: variable)
        _ = try neural.columnLabels("subject_id")
        let times = Matrix<Double>(rows: neural.rowCount, columns: neural.columnCount, rowMajor: try neural.file.doubles(neural.variable.name))
        let splits = splitHalfCeilings(times)
        return (nanMedian(splits), splits)
    }

    /// Mean over the given columns per row, NaN skipped (NaN when a row has none).
    func rowMeans(_ m: Matrix<Double>, columns: [Int]) -> [Double] {
        (0..<m.rows).map { row in nanMean(columns.map { m[row, $0] }) }
    }
}

/// Pearson r over the positions where both values are defined.
public func pearsonSkippingNaN(_ a: [Double], _ b: [Double]) -> Double {
    let pairs = zip(a, b).filter { !$0.0.isNaN && !$0.1.isNaN }
    guard pairs.count > 1 else { return .nan }
    let x = Matrix<Double>(rows: pairs.count, columns: 1, columnMajor: pairs.map(\.0))
    let y = Matrix<Double>(rows: pairs.count, columns: 1, columnMajor: pairs.map(\.1))
    return pearsonPerColumn(x, y)[0]
}


/// Futrell2018's one part: the metric over the files, written as a behavioural result.
struct FutrellPart: BenchmarkPart {
    var benchmark: FutrellBenchmark
    var readingTimesPath: String
    var variable: String?
    var surprisalPath: String
    var outputPath: String
    var ceiling: Double?
    var name: String { benchmark.name }
    var inputFiles: [String] { [readingTimesPath, surprisalPath] + (ceilingFile.map { [$0] } ?? []) }
    var ceilingFile: String?

    func score(settings: RunSettings, observer: RunObserver) throws -> ScoredPart {
        let start = Date()
        let metric = try benchmark.run(readingTimesPath: readingTimesPath, variable: variable, surprisalPath: surprisalPath, ceiling: ceiling)
        // One "layer": the surprisal, scored over every word (one split, all of them).
        let layer = LayerScore(name: "surprisal", splitScores: [metric.score], score: metric.score, undefinedNeuroids: 0,
                               subjectScores: metric.subjectScores)
        let result = PartResult(name: name, outputPath: outputPath, layers: [layer], ceiling: metric.ceiling,
                                stimuli: metric.words, neuroids: metric.subjectScores.count, plan: "in memory",
                                seconds: Date().timeIntervalSince(start),
                                details: [("signed_r", [metric.signedR]), ("words", [Double(metric.words)]),
                                          ("ceiling_splits", metric.ceilingSplits), ("published_ceiling", [benchmark.publishedCeiling])])
        let file = try SummaryResultWriter.writeBehavioural(result, overwrite: settings.overwrite, provenance: Provenance(benchmark: name, settings: settings),
                                                 protocolAttributes: [("metric", .strings([benchmark.summary])),
                                                                      ("ceiling_source", .strings([ceiling == nil ? "split-half ceiling of the reading times" : (settings.ceilingOverride?.file ?? "given")]))])
        return ScoredPart(result: result, file: file)
    }
}
