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
        case exact(BrainScoreCeiling.Result)
        case extrapolation(ExtrapolationCeiling.Result)
        case splitHalf(ceiling: Double, splits: [Double])
    }

    /// How the extrapolation ceiling is computed.
    public enum Procedure: String, Sendable, CaseIterable {
        /// Brain-Score language 2.3.0's ExtrapolationCeiling, exactly (`BrainScoreCeiling`).
        case brainscore
        /// Random subsets and held-out subjects (`ExtrapolationCeiling`): faster with many subjects.
        case sampled
    }

    /// Runs the ceiling of `benchmark` (nil: all rows, Brain-Score's linear metric) on
    /// `settings.neuralPath`. `procedure` nil is the default: Brain-Score's, refused (with the
    /// estimate) when it would run longer than `BrainScoreCeiling.longRunSeconds`; an
    /// explicit `.brainscore` runs anyway. The memory budget is checked before the data are read.
    public static func run(benchmark name: String?, subjectCoordinate: String?, procedure: Procedure? = nil,
                           ceiling: ExtrapolationCeiling, exact: BrainScoreCeiling = BrainScoreCeiling(), settings: RunSettings,
                           warn: @escaping @Sendable (String) -> Void = { _ in },
                           progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> Outcome {
        // The destination before any work: a ceiling can take minutes.
        try TextOutput.check(settings.outputPath, overwrite: settings.overwrite, inputs: settings.neuralPaths)
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
        let neural = try NeuralData(path: settings.neuralPath, variableName: settings.neuralVariable)
        let labels = try neural.columnLabels(subjectName)
        let selection = try NeuralSelection.make(neural: neural, rowFilter: rowFilter, dropNaNNeuroids: true, memoryBudget: settings.memoryBudget)
        let subjects = selection.columnIndices.map { labels[$0] }
        let splits = try crossValidation.splits(neural: neural, rows: selection.rows)
        let benchmarkName = name ?? "custom (all rows, Brain-Score linear metric)"
        if procedure == .sampled {
            var ceiling = ceiling
            ceiling.memoryBudget = settings.memoryBudget
            // Refuse a budget too small before reading rows x neuroids into memory.
            _ = try ceiling.plannedWorkers(rows: selection.rows.count, subjects: subjects, threads: settings.threads)
            let data = try read(neural, selection)
            let result = try ceiling.run(data: data, subjects: subjects, splits: splits, threads: settings.threads, ranks: settings.ranks,
                                         progress: progress)
            try Self.requireFinite(result.ceiling, settings.neuralPath)
            try write(result, ceiling: ceiling, settings: settings, neural: neural, selection: selection, benchmark: benchmarkName)
            return .extrapolation(result)
        }
        // Brain-Score orders the subjects (and so its combinations and bootstrap draws) as
        // Python sorts the coordinate's values: numbers numerically, text by code point.
        // The exact procedure reproduces the text order only; a numeric coordinate would
        // silently pair the draws with other combinations.
        if !(try neural.file.variable(subjectName)).elementType.isString {
            throw ScoringError("\(settings.neuralPath): the subject coordinate '\(subjectName)' is numeric; the exact Brain-Score ceiling reproduces Brain-Score's order of text subject names only: store the subjects as strings (as Brain-Score's assemblies do), or use --procedure sampled")
        }
        var exact = exact
        exact.memoryBudget = settings.memoryBudget
        guard let first = splits.first else { throw ScoringError("\(settings.neuralPath): the benchmark's splits are empty") }
        let plan = try exact.plan(rows: selection.rows.count, trainRows: first.train.count, testRows: first.test.count, splits: splits.count,
                                  subjects: subjects, threads: settings.threads)
        if plan.estimatedSeconds > BrainScoreCeiling.longRunSeconds {
            let message = String(format: "the exact Brain-Score ceiling of %d subjects is %d combinations, %d regressions and %d eigendecompositions: roughly %.1f hours here", plan.subjects.count, plan.combinations, plan.regressions, plan.eigendecompositions, plan.estimatedSeconds / 3600)
            guard procedure == .brainscore else {
                throw ScoringError("\(message); use --procedure sampled (random subsets, minutes), or --procedure brainscore to run it anyway")
            }
            warn(message)
        }
        let data = try read(neural, selection)
        let result = try exact.run(data: data, subjects: subjects, splits: splits, threads: settings.threads, ranks: settings.ranks,
                                   progress: progress)
        try Self.requireFinite(result.ceiling, settings.neuralPath)
        try write(result, settings: settings, neural: neural, selection: selection, benchmark: benchmarkName)
        return .exact(result)
    }

    static func read(_ neural: NeuralData, _ selection: NeuralSelection) throws -> Matrix<Double> {
        let dataset = try neural.file.dataset(neural.variable.name, chunkCache: .disabled)
        return try HDF5Targets(dataset: dataset, rows: selection.rows, columns: selection.columns)
            .read(columns: 0..<selection.columnCount, as: Double.self)
    }

    /// The neuroid dimension with the neural file's coordinates, shared by both procedures.
    static func writeNeuroids(_ writer: NetCDFWriter, neural: NeuralData, selection: NeuralSelection) throws {
        try writer.defineDimension("neuroid", length: selection.columnCount)
        for coordinate in neural.columnCoordinates {
            try CoordinateCopy.copy(coordinate, from: neural.file, columns: selection.columns, into: writer, dimension: "neuroid")
        }
    }

    /// A ceiling file holds a number `score` can divide by, or is not written: NaN (no
    /// neuroid's curve could be fitted) is an error here, not a file refused later.
    static func requireFinite(_ ceiling: Double, _ path: String) throws {
        guard ceiling.isFinite else {
            throw ScoringError("\(path): no neuroid's ceiling curve could be fitted (constant or undefined held-out scores?); no ceiling was written")
        }
    }

    static func write(_ result: BrainScoreCeiling.Result, settings: RunSettings, neural: NeuralData, selection: NeuralSelection,
                      benchmark: String) throws {
        let plan = result.plan
        try CeilingFile.write(to: settings, benchmark: benchmark, ceiling: result.ceiling,
                              interval: [result.interval.low, result.interval.high]) { writer in
            try writeNeuroids(writer, neural: neural, selection: selection)
            try writer.defineDimension("bootstrap", values: .int64((0..<result.bootstrapCeilings.count).map { Int64($0) }))
            try writer.defineDimension("subject_count", values: .int64(plan.sizes.map { Int64($0) }))
            try writer.addVariable("neuroid_ceiling", dimensions: ["neuroid"], values: .float64(result.neuroidCeilings),
                                   attributes: ["long_name": .strings(["median over bootstraps of the fitted asymptote v0 (NaN if a fit failed)"])])
            try writer.addVariable("bootstrap_ceiling", dimensions: ["bootstrap"], values: .float64(result.bootstrapCeilings),
                                   attributes: ["long_name": .strings(["per bootstrap, the median over neuroids of v0 (a diagnostic, not Brain-Score's)"])])
            try writer.addVariable("mean_score", dimensions: ["subject_count"], values: .float64(result.meanScoreBySize),
                                   attributes: ["long_name": .strings(["mean held-out score over neuroids, combinations and splits, by subset size"])])
            try writer.setAttribute("procedure", .strings([Procedure.brainscore.rawValue]))
            try writer.setAttribute("procedure_description", .strings(["Brain-Score language 2.3.0 ExtrapolationCeiling: every combination of subjects per subset size, every subject of a subset held out in turn, the metric's splits, per-neuroid bootstrap with RandomState(0) re-seeded per neuroid, curve_fit of v0 (1 - exp(-n / tau)) with v0 in [0, 1], tau unbounded, to one mean per size; neuroid ceiling = median v0, ceiling = median over neuroids"]))
            try writer.setAttribute("subjects", .strings([plan.subjects.joined(separator: " ")]))
            try writer.setAttribute("bootstraps", .int64([Int64(result.bootstrapCeilings.count)]))
            try writer.setAttribute("bootstrap_seed", .int64([Int64(BrainScoreCeiling.bootstrapSeed)]))
            try writer.setAttribute("splits", .int64([Int64(plan.splits)]))
            try writer.setAttribute("pearson_norm_epsilon", .float64([1e-8]))
            try writer.setAttribute("lstsq_cond", .float64([BrainScoreCeiling.eigenvalueCutoff.squareRoot()]))
            try writer.setAttribute("combinations", .int64([Int64(plan.combinations)]))
            try writer.setAttribute("regressions", .int64([Int64(plan.regressions)]))
            try writer.setAttribute("eigendecompositions", .int64([Int64(plan.eigendecompositions)]))
            try writer.setAttribute("fits", .int64([Int64(plan.fits)]))
            try writer.setAttribute("failed_fits", .int64([Int64(result.failedFits)]))
        }
    }

    static func write(_ result: ExtrapolationCeiling.Result, ceiling: ExtrapolationCeiling, settings: RunSettings, neural: NeuralData,
                      selection: NeuralSelection, benchmark: String) throws {
        try CeilingFile.write(to: settings, benchmark: benchmark, ceiling: result.ceiling,
                              interval: [result.interval.low, result.interval.high]) { writer in
            try writeNeuroids(writer, neural: neural, selection: selection)
            try writer.defineDimension("bootstrap", values: .int64((0..<result.bootstrapCeilings.count).map { Int64($0) }))
            try writer.defineDimension("subject_count", values: .int64((0..<result.meanScoreByCount.count).map { Int64($0 + 2) }))
            try writer.addVariable("neuroid_ceiling", dimensions: ["neuroid"], values: .float64(result.neuroidCeilings),
                                   attributes: ["long_name": .strings(["median over bootstraps of the fitted asymptote v0"])])
            try writer.addVariable("bootstrap_ceiling", dimensions: ["bootstrap"], values: .float64(result.bootstrapCeilings),
                                   attributes: ["long_name": .strings(["per bootstrap, the median over neuroids of v0"])])
            try writer.addVariable("mean_score", dimensions: ["subject_count"], values: .float64(result.meanScoreByCount),
                                   attributes: ["long_name": .strings(["mean held-out score over neuroids and draws, by number of subjects in the subset"])])
            try writer.setAttribute("procedure", .strings([Procedure.sampled.rawValue]))
            try writer.setAttribute("procedure_description", .strings(["extrapolation on random subject subsets and held-out subjects (numpy RandomState(seed)), least squares on the metric's splits, v0 (1 - exp(-n / tau)) fitted per bootstrap resample of a neuroid's points with v0 in [0, 1], tau in [1e-3, 1e6]"]))
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
            try writer.setAttribute("procedure", .strings(["split-half"]))
            try writer.setAttribute("procedure_description", .strings(["split-half (Spearman-Brown), median over splits"]))
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
            let fingerprint = try ContentFingerprint(path: settings.neuralPath)
            try writer.setAttribute("neural_file_size", .int64([fingerprint.size]))
            try writer.setAttribute("neural_file_sha1_first_mib", .strings([fingerprint.sha1FirstMiB]))
            try Provenance(benchmark: benchmark, settings: settings).write(to: writer)
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
    }

    /// The ceiling of a ceiling file, for `score --ceiling`: refused unless it is a ceiling
    /// file, made for `benchmark` (when given) from `neural` (when given: the file's recorded
    /// size and SHA-1 of its first MiB must match), with a finite ceiling.
    public static func read(_ path: String, for benchmark: String?, neural: String? = nil) throws -> CeilingOverride {
        let file = try ResultFile(path: path)
        guard file.kind == .ceiling else { throw ScoringError("\(path) is a \(file.kind.rawValue) result, not a ceiling file (make one with brainalign ceiling)") }
        guard let value = file.ceiling, value.isFinite else { throw ScoringError("\(path): no finite 'ceiling' attribute") }
        if let benchmark, !file.benchmark.hasPrefix("custom"), file.benchmark != benchmark {
            throw ScoringError("\(path) was computed for \(file.benchmark), not \(benchmark)")
        }
        if let neural {
            let attributes = try NetCDFFile.open(path).attributes
            guard let size = attributes.first(where: { $0.name == "neural_file_size" })?.values?.integers?.first,
                  let sha1 = attributes.first(where: { $0.name == "neural_file_sha1_first_mib" })?.stringValue else {
                throw ScoringError("\(path) records no neural-file fingerprint (made by an older BrainAlign), so it cannot be checked against \(neural); compute it again with brainalign ceiling")
            }
            let recorded = ContentFingerprint(size: Int64(size), sha1FirstMiB: sha1), actual = try ContentFingerprint(path: neural)
            guard recorded == actual else {
                throw ScoringError("\(path) was computed from another neural file (\(recorded)) than \(neural) (\(actual)); compute the ceiling of this file with brainalign ceiling")
            }
        }
        return CeilingOverride(value: value, file: path)
    }
}
