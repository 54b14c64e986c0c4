import Encoding
import Foundation
import HDF5
import LinearAlgebra
import Scoring

/// `brainalign ceiling`: the noise ceiling of a neural file under a benchmark's protocol
/// (its rows, neuroids, metric and splits), written as a ceiling result file (schema in
/// docs/formats.md) that `brainalign score --ceiling` reads.
public enum CeilingJob {
    /// What the ceiling computes.
    public enum Outcome: Sendable {
        case extrapolation(ExtrapolationCeiling.Result)
        case splitHalf(ceiling: Double, splits: [Double])
    }

    /// Runs the ceiling of `benchmark` (nil: all rows, Brain-Score's linear metric) on
    /// `settings.neuralPath`. The memory budget is checked before the data are read.
    public static func run(benchmark name: String?, subjectCoordinate: String?, ceiling: ExtrapolationCeiling, settings: RunSettings,
                           progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> Outcome {
        if let name, let futrell = try BenchmarkRegistry.named(name) as? FutrellBenchmark {
            return try splitHalf(futrell, seed: ceiling.seed, settings: settings)
        }
        // The protocol: a one-part least-squares benchmark, or (none given) all rows with the
        // Brain-Score linear metric.
        var rowFilter: RowFilter? = nil
        var crossValidation = NeuralBenchmark.brainScoreShuffle
        var subjectName = subjectCoordinate ?? "subject"
        if let name {
            guard let benchmark = try BenchmarkRegistry.named(name) as? NeuralBenchmark, benchmark.components.count == 1,
                  case .ordinaryLeastSquares = benchmark.components[0].spec.regression else {
                let supported = NeuralBenchmark.all.filter { $0.components.count == 1 && $0.components[0].spec.regression == NeuralBenchmark.linearPearsonr }
                throw ScoringError("the ceiling supports the one-part least-squares benchmarks (\(supported.map(\.name).joined(separator: ", "))) and Futrell2018-pearsonr; got \(name)")
            }
            let spec = benchmark.components[0].spec
            rowFilter = spec.rowFilter
            crossValidation = spec.crossValidation
            subjectName = subjectCoordinate ?? spec.subjectCoordinate ?? "subject"
        }
        var ceiling = ceiling
        ceiling.memoryBudget = settings.memoryBudget
        let neural = try NeuralData(path: settings.neuralPath, variableName: settings.neuralVariable)
        let labels = try neural.columnLabels(subjectName)
        let selection = try NeuralSelection.make(neural: neural, rowFilter: rowFilter, dropNaNNeuroids: true, memoryBudget: settings.memoryBudget)
        let subjects = selection.columnIndices.map { labels[$0] }
        let splits = try crossValidation.splits(neural: neural, rows: selection.rows)
        // Refuse a budget too small before reading rows x neuroids into memory.
        _ = try ceiling.plannedWorkers(rows: selection.rows.count, subjects: subjects, threads: settings.threads)
        let dataset = try neural.file.dataset(neural.variable.name, chunkCache: .disabled)
        let data = try HDF5Targets(dataset: dataset, rows: selection.rows, columns: selection.columns)
            .read(columns: 0..<selection.columnCount, as: Double.self)
        let result = try ceiling.run(data: data, subjects: subjects, splits: splits, threads: settings.threads, ranks: settings.ranks,
                                     progress: progress)
        try write(result, ceiling: ceiling, settings: settings, neural: neural, selection: selection,
                  benchmark: name ?? "custom (all rows, Brain-Score linear metric)")
        return .extrapolation(result)
    }

    static func write(_ result: ExtrapolationCeiling.Result, ceiling: ExtrapolationCeiling, settings: RunSettings, neural: NeuralData,
                      selection: NeuralSelection, benchmark: String) throws {
        try CeilingFile.write(to: settings, benchmark: benchmark, ceiling: result.ceiling,
                              interval: [result.interval.low, result.interval.high]) { writer in
            try writer.defineDimension("neuroid", length: selection.columnCount)
            try writer.defineDimension("bootstrap", values: .int64((0..<result.bootstrapCeilings.count).map { Int64($0) }))
            try writer.defineDimension("subject_count", values: .int64((0..<result.meanScoreByCount.count).map { Int64($0 + 2) }))
            for coordinate in neural.columnCoordinates {
                try CoordinateCopy.copy(coordinate, from: neural.file, columns: selection.columns, into: writer, dimension: "neuroid")
            }
            try writer.addVariable("neuroid_ceiling", dimensions: ["neuroid"], values: .float64(result.neuroidCeilings),
                                   attributes: ["long_name": .strings(["median over bootstraps of the fitted asymptote v0"])])
            try writer.addVariable("bootstrap_ceiling", dimensions: ["bootstrap"], values: .float64(result.bootstrapCeilings),
                                   attributes: ["long_name": .strings(["per bootstrap, the median over neuroids of v0"])])
            try writer.addVariable("mean_score", dimensions: ["subject_count"], values: .float64(result.meanScoreByCount),
                                   attributes: ["long_name": .strings(["mean held-out score over neuroids and draws, by number of subjects in the subset"])])
            try writer.setAttribute("procedure", .strings(["extrapolation (sampled subsets)"]))
            try writer.setAttribute("subjects", .strings([result.subjects.joined(separator: " ")]))
            try writer.setAttribute("seed", .int64([Int64(ceiling.seed)]))
            try writer.setAttribute("subsets_per_count", .int64([Int64(ceiling.subsets)]))
            try writer.setAttribute("held_out_per_subset", .int64([Int64(ceiling.heldOut)]))
            try writer.setAttribute("bootstraps", .int64([Int64(ceiling.bootstraps)]))
            try writer.setAttribute("regressions", .int64([Int64(result.regressions)]))
        }
    }

    /// Futrell2018's split-half ceiling, written as a ceiling file.
    static func splitHalf(_ benchmark: FutrellBenchmark, seed: UInt32, settings: RunSettings) throws -> Outcome {
        var spec = benchmark
        spec.ceilingSeed = seed
        let result = try spec.ceiling(readingTimesPath: settings.neuralPath, variable: settings.neuralVariable)
        try CeilingFile.write(to: settings, benchmark: benchmark.name, ceiling: result.ceiling,
                              interval: [nanPercentile(result.splits, 2.5), nanPercentile(result.splits, 97.5)]) { writer in
            try writer.defineDimension("split", values: .int64(result.splits.indices.map { Int64($0) }))
            try writer.addVariable("ceiling_split", dimensions: ["split"], values: .float64(result.splits),
                                   attributes: ["long_name": .strings(["Spearman-Brown corrected split-half |r| of mean reading times"])])
            try writer.setAttribute("procedure", .strings(["split-half (Spearman-Brown), median over splits"]))
            try writer.setAttribute("seed", .int64([Int64(seed)]))
        }
        return .splitHalf(ceiling: result.ceiling, splits: result.splits)
    }
}

/// Ceiling files: the shared schema (`result_kind = ceiling`) with a `ceiling` attribute.
public enum CeilingFile {
    /// Over MPI ranks the lead writes it (every rank has the same result).
    static func write(to settings: RunSettings, benchmark: String, ceiling: Double, interval: [Double],
                      body: (NetCDFWriter) throws -> Void) throws {
        try settings.ranks.onLead { try writeFile(to: settings, benchmark: benchmark, ceiling: ceiling, interval: interval, body: body) }
    }

    private static func writeFile(to settings: RunSettings, benchmark: String, ceiling: Double, interval: [Double],
                                  body: (NetCDFWriter) throws -> Void) throws {
        let writer = try NetCDFWriter(path: settings.outputPath, overwrite: settings.overwrite)
        do {
            try ResultSchema.stamp(writer, kind: .ceiling, title: "BrainAlign noise ceiling")
            try body(writer)
            try writer.setAttribute("ceiling", .float64([ceiling]))
            try writer.setAttribute("ceiling_interval", .float64(interval))
            try Provenance(benchmark: benchmark, settings: settings).write(to: writer)
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
    }

    /// The ceiling of a ceiling file, for `score --ceiling`: refused unless it is a ceiling
    /// file, made for `benchmark` (when given), with a finite ceiling.
    public static func read(_ path: String, for benchmark: String?) throws -> CeilingOverride {
        let file = try ResultFile(path: path)
        guard file.kind == .ceiling else { throw ScoringError("\(path) is a \(file.kind.rawValue) result, not a ceiling file (make one with brainalign ceiling)") }
        guard let value = file.ceiling, value.isFinite else { throw ScoringError("\(path): no finite 'ceiling' attribute") }
        if let benchmark, !file.benchmark.hasPrefix("custom"), file.benchmark != benchmark {
            throw ScoringError("\(path) was computed for \(file.benchmark), not \(benchmark)")
        }
        return CeilingOverride(value: value, file: path)
    }
}
