import ArgumentParser
import Encoding
import Foundation
import HDF5
import LinearAlgebra
import Scoring

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the engine on generated data of a given shape (speed and memory benchmarks).",
        discussion: """
            Generates (once) a neural file in the BrainIO layout (`data (presentation, neuroid)`, \
            float64, chunked in 256-neuroid column slabs, with `stimulus_id`) and an activations \
            file (`activations (layer, presentation, feature)`, float32), then runs one task and \
            reports wall time, throughput and peak RSS. The two files also work with \
            `brainalign score` (end-to-end runs on large data). Run each task in its own process so peak \
            RSS belongs to that task; tools/bench.sh runs them all beside himalaya \
            (tools/bench_himalaya.py) on the same file and prints the table for docs/performance.md.

            Tasks:
              fit     per-voxel alpha by inner K-fold CV on all rows (targets in memory)
              nested  outer K-fold x (inner CV + held-out r), targets streamed from the file
              read    aligned column-slab reads of the targets (GB/s)

            Each run also reports the arithmetic its voxel GEMMs need (the multiply-adds the \
            models' operators cost per voxel, x 2 flops, x voxels) and that arithmetic's time at \
            this machine's GEMM rate, measured in the same process (the floor).

            Examples (the reference task; the naturalistic task T3):
              brainalign bench --task fit --rows 627 --features 4096 --voxels 20000
              brainalign bench --task fit --rows 6000 --features 1024 --voxels 10000
              brainalign bench --task fit --rows 6000 --features 1024 --voxels 10000 --inner-cv bootstrap:50:40:30
            """
    )

    enum Task: String, ExpressibleByArgument, CaseIterable { case fit, nested, read }

    @Option(help: "fit, nested or read.") var task: Task = .fit
    @Option(help: "Rows (stimuli).") var rows: Int = 627
    @Option(help: "Features per row.") var features: Int = 4096
    @Option(help: "Voxels (targets).") var voxels: Int = 20000
    @Option(help: ArgumentHelp("Ridge penalties: LOW:HIGH:COUNT logspaced or a comma list (as score --alphas).", valueName: "spec"), transform: AlphaSpec.parse) var alphas = AlphaSpec.defaultSpec
    @Option(help: "Inner CV folds.") var innerFolds: Int = 5
    @Option(help: ArgumentHelp("Inner cross-validation instead of --inner-folds: a fold count, loo, or bootstrap:NBOOTS:CHUNKLEN:NCHUNKS (as score --inner-cv).", valueName: "k|loo|bootstrap:N:L:C"), transform: InnerCVSpec.parse)
    var innerCv: InnerCVSpec?
    @Option(help: ArgumentHelp("Seed of the bootstrap inner CV's draws (default 1).", valueName: "n"), transform: Seed.parse) var seed: Seed?
    @Option(help: "Outer CV folds (nested task).") var outerFolds: Int = 5
    @Option(help: "Stored chunk width (voxels per HDF5 chunk) of a generated neural file.") var chunkColumns: Int = 256
    @OptionGroup var compute: ComputeOptions
    @OptionGroup var precisionOption: PrecisionOption
    @Option(help: ArgumentHelp("Neural data file (made if missing).", valueName: "file")) var data: String?
    @Option(help: ArgumentHelp("Activations file (made if missing).", valueName: "file")) var activations: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard rows >= 10, features >= 1, voxels >= 1 else { throw ValidationError("need --rows >= 10, --features >= 1, --voxels >= 1") }
        guard chunkColumns >= 1 else { throw ValidationError("--chunk-columns must be at least 1") }
    }

    var threads: Int { compute.threads.value }
    var precision: String { precisionOption.precision.rawValue }
    var dataPath: String { data ?? "bench-data/bench_\(rows)x\(voxels)\(chunkColumns == 256 ? "" : "_c\(chunkColumns)").nc" }
    var activationsPath: String { activations ?? "bench-data/bench_\(rows)x\(features)_activations.nc" }

    func run() throws {
        try checkInputs()
        try BenchData.ensure(neural: dataPath, activations: activationsPath, rows: rows, features: features, voxels: voxels, chunkColumns: chunkColumns)
        let measurement: BenchMeasurement
        switch precisionOption.precision {
        case .float64: measurement = try measure(Double.self)
        case .float32: measurement = try measure(Float.self)
        }
        if json {
            print(measurement.json.rendered(indent: ""))
        } else {
            print(measurement.text)
        }
    }

    /// Before generating or allocating anything: the two files must differ, existing ones
    /// must have the asked shape (not silently a part of it), and what the task holds in
    /// memory must fit the budget (a shape far beyond it ended in an allocation failure).
    func checkInputs() throws {
        let standardized = [dataPath, activationsPath].map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let identities = [dataPath, activationsPath].map { try? FileIdentity(path: $0) }
        guard standardized[0] != standardized[1], identities[0] == nil || identities[0] != identities[1] else {
            throw ScoringError("--data and --activations name the same file (\(dataPath))")
        }
        for (path, variable, expected) in [(dataPath, "data", [rows, voxels]), (activationsPath, "activations", [1, rows, features])]
        where FileManager.default.fileExists(atPath: path) {
            let shape = try HDF5File.open(path).root.openDataset(variable).shape
            guard shape == expected else {
                throw ScoringError("\(path) exists with '\(variable)' of shape \(shape), not the \(expected) asked for; give other --rows/--features/--voxels, or another path")
            }
        }
        let scalar = precisionOption.precision == .float64 ? 8 : 4
        // Generating holds the features as float32; the fit task holds features and targets.
        let (features, overflowA) = (rows.multipliedReportingOverflow(by: self.features))
        let (targets, overflowB) = rows.multipliedReportingOverflow(by: task == .fit ? voxels : 0)
        let budget = compute.memory.bytes
        guard !overflowA, !overflowB, features <= budget / max(4, scalar), targets <= budget / scalar,
              features * max(4, scalar) + targets * scalar <= budget else {
            throw ScoringError("\(rows) x \(self.features) features\(task == .fit ? " and \(rows) x \(voxels) targets" : "") do not fit --memory \(formatBytes(budget)); ask for a smaller shape or a larger --memory")
        }
    }

    /// The plan from the models' predicted shapes, as `score` makes it: a budget too small
    /// is refused before any operator is built (not after building gigabytes of them).
    func predictPlan<S: EngineScalar>(splits: [Split], config: RidgeConfiguration, heldBytes: Int, source: TargetSource, as: S.Type) throws {
        let shapes = try splits.map { try Regression.ridge(config).modelShape(split: $0, features: features) }
        _ = try MemoryPlan.make(budget: compute.memory.bytes, scalarSize: MemoryLayout<S>.size, heldBytes: heldBytes, models: shapes,
                                workers: threads, source: source.shape)
    }

    func measure<S: EngineScalar>(_: S.Type) throws -> BenchMeasurement {
        let file = try HDF5File.open(dataPath)
        let targetsDataset = try file.root.openDataset("data", chunkCache: .disabled)
        let source = try HDF5Targets(dataset: targetsDataset, rows: Array(0..<rows))
        let x = Matrix<S>(rows: rows, columns: features,
                          rowMajor: try HDF5File.open(activationsPath).root.openDataset("activations").read(S.self, start: [0, 0, 0], count: [1, rows, features]))
        let budget = compute.memory.bytes
        let config = RidgeConfiguration(alphas: alphas.values, alphaPerTarget: true,
                                        innerCrossValidation: innerCv?.seeded(seed?.value ?? 1) ?? .kFold(innerFolds))
        var measurement = BenchMeasurement(task: task.rawValue, rows: rows, features: features, voxels: voxels, precision: precision,
                                           threads: threads, memory: compute.memory.description)
        switch config.innerCrossValidation {
        case .kFold(5): break
        case .kFold(let k): measurement.innerCV = "\(k)-fold"
        case .chunkedBootstrap(let b): measurement.innerCV = "bootstrap \(b.draws):\(b.chunkLength):\(b.heldOutChunks)"
        case let other: measurement.innerCV = "\(other)"
        }
        let featureBytes = MemoryLayout<S>.size * x.elements.count
        var measured: [SplitModel<S>] = []
        let start = Date()
        try BLASThreads.with(threads) {
        switch task {
        case .read:
            var bytes = 0
            let width = max(source.columnAlignment, 2048 / max(source.columnAlignment, 1) * source.columnAlignment)
            for c0 in stride(from: 0, to: voxels, by: width) {
                let slab = try source.read(columns: c0..<min(c0 + width, voxels), as: S.self)
                bytes += slab.elements.count * 8
            }
            measurement.seconds = Date().timeIntervalSince(start)
            // The HDF5 read alone (what the reader thread's I/O costs), slabs as stored
            // (float64, row-major) into one reused buffer: no conversion, no transpose.
            let rawStart = Date()
            var buffer = [Double](repeating: 0, count: rows * width)
            for c0 in stride(from: 0, to: voxels, by: width) {
                let w = min(width, voxels - c0)
                try buffer.withUnsafeMutableBufferPointer { pointer in
                    try targetsDataset.read(into: UnsafeMutableBufferPointer(rebasing: pointer[0..<(rows * w)]), start: [0, c0], count: [rows, w])
                }
            }
            let raw = Date().timeIntervalSince(rawStart)
            measurement.note = String(format: "%.2f GB/s read + convert to %@ + transpose; %.2f GB/s the HDF5 read alone (float64 on disk, %d-column slabs)",
                                      Double(bytes) / measurement.seconds / 1e9, precision, Double(bytes) / raw / 1e9, width)
        case .fit:
            // Targets in memory, as himalaya has them (read slab by slab, so the file's
            // float64 copy of them all is never held); then the inner CV over all rows.
            var y = Matrix<S>(rows: rows, columns: voxels)
            let slab = max(source.columnAlignment, 2048 / max(source.columnAlignment, 1) * source.columnAlignment)
            for c0 in stride(from: 0, to: voxels, by: slab) {
                let part = try source.read(columns: c0..<min(c0 + slab, voxels), as: S.self)
                y.elements.replaceSubrange((c0 * rows)..<(c0 * rows + part.elements.count), with: part.elements)
            }
            let loaded = Date()
            let all = Split(train: Array(0..<rows), test: [])
            // The targets sit in memory too (as himalaya has them): the plan counts them.
            let held = featureBytes + y.elements.count * MemoryLayout<S>.size
            try predictPlan(splits: [all], config: config, heldBytes: held, source: InMemoryTargets(y), as: S.self)
            let model = try SplitModel.build(features: x, splits: [all], regression: .ridge(config), threads: threads)[0]
            let built = Date()
            let scorer = StreamingScorer(models: [model], budget: budget, heldBytes: held, workers: threads)
            let plan = try scorer.run(source: InMemoryTargets(y)) { _, _ in }
            measurement.seconds = Date().timeIntervalSince(loaded)
            measurement.note = String(format: "operators %.2f s, voxels %.2f s (load %.2f s not counted); %@",
                                      built.timeIntervalSince(loaded), Date().timeIntervalSince(built), loaded.timeIntervalSince(start), plan.description)
            measured = [model]
        case .nested:
            let splits = try CrossValidation.kFold(outerFolds).splits(count: rows)
            let held = featureBytes + 8 * voxels * splits.count
            try predictPlan(splits: splits, config: config, heldBytes: held, source: source, as: S.self)
            let models = try SplitModel.build(features: x, splits: splits, regression: .ridge(config), threads: threads)
            let built = Date()
            var medians = [[Double]](repeating: [], count: splits.count)
            let scorer = StreamingScorer(models: models, budget: budget, heldBytes: held, workers: threads)
            let plan = try scorer.run(source: source) { chunk, _ in
                for s in splits.indices { medians[s].append(contentsOf: chunk.r[s]) }
            }
            measurement.seconds = Date().timeIntervalSince(start)
            let score = nanMean(medians.map(nanMedian))
            measurement.note = String(format: "operators %.2f s, streaming %.2f s, score %.4f; %@",
                                      built.timeIntervalSince(start), Date().timeIntervalSince(built), score, plan.description)
            measured = models
        }
        }
        measurement.peakRSS = peakResidentBytes()
        // After the peak is read: the rate measurement's matrices are not the task's.
        if !measured.isEmpty { measurement.arithmetic(models: measured, voxels: voxels, threads: threads, as: S.self) }
        return measurement
    }

}

struct BenchMeasurement {
    var task: String, rows: Int, features: Int, voxels: Int, precision: String, threads: Int, memory: String
    /// The inner cross-validation, when not the default 5-fold ("bootstrap 50:40:125").
    var innerCV = ""
    var seconds = 0.0
    var peakRSS = 0
    var note = ""
    /// Flops of the voxel GEMMs, and their time at the measured GEMM rate.
    var gemmFlops = 0.0
    var floorSeconds = 0.0
    var blasCore = BLASLibrary.coreName

    /// Counts the models' voxel arithmetic (2 flops per multiply-add) and times it at the
    /// GEMM rate this process gets with `threads` threads: the best of a few square GEMMs
    /// (2048: as large as the operators' largest).
    mutating func arithmetic<S: LinearAlgebraScalar>(models: [SplitModel<S>], voxels: Int, threads: Int, as: S.Type) {
        gemmFlops = 2 * Double(models.reduce(0) { $0 + $1.shape.multiplyAddsPerVoxel }) * Double(voxels)
        let size = 2048
        let a = Matrix<S>(rows: size, columns: size, repeating: 1), b = a
        var c = Matrix<S>(rows: size, columns: size)
        var best = Double.infinity
        BLASThreads.with(threads) {
            for _ in 0..<8 {
                let start = Date()
                Matrix.multiply(a, b, into: &c)
                best = min(best, Date().timeIntervalSince(start))
            }
        }
        let rate = 2 * pow(Double(size), 3) / best
        floorSeconds = gemmFlops / rate
        note += String(format: "; voxel GEMMs %.3g flops, floor %.2f s at %.0f GFLOP/s (%@ kernels)", gemmFlops, floorSeconds, rate / 1e9, blasCore)
        if let wider = KernelChoice.preferredCore(loaded: blasCore, cpuFlags: KernelChoice.cpuFlags()) {
            // Only reachable when the environment pinned the kernels, or OpenBLAS did not
            // take the ones brainalign asked for: say which, and what it costs.
            if let asked = ProcessInfo.processInfo.environment[KernelChoice.choiceMarker] {
                note += "; brainalign asked OpenBLAS for \(asked) kernels but it loaded \(blasCore) (this CPU can run \(wider); the library may lack them)"
            } else {
                note += "; \(KernelChoice.variable) pins \(blasCore) kernels, this CPU can run \(wider): unset it to let brainalign choose"
            }
        }
    }

    var text: String {
        String(format: "%@ %dx%dx%d %@%@ threads=%d memory=%@: %.2f s, %.0f voxels/s, peak RSS %@\n  %@",
               task, rows, features, voxels, precision, innerCV.isEmpty ? "" : " inner \(innerCV)", threads, memory, seconds,
               Double(voxels) / seconds, formatBytes(peakRSS), note)
    }

    var json: JSONValue {
        .object([("tool", .string("brainalign")), ("task", .string(task)), ("rows", .integer(Int64(rows))),
                 ("features", .integer(Int64(features))), ("voxels", .integer(Int64(voxels))), ("precision", .string(precision)),
                 ("threads", .integer(Int64(threads))), ("memory", .string(memory)), ("seconds", .number(seconds)),
                 ("voxels_per_second", .number(Double(voxels) / seconds)), ("peak_rss_bytes", .integer(Int64(peakRSS))),
                 ("inner_cv", .string(innerCV)), ("gemm_flops", .number(gemmFlops)), ("floor_seconds", .number(floorSeconds)), ("blas_core", .string(blasCore)), ("note", .string(note))])
    }
}

/// Peak resident set size of this process (getrusage; Linux reports KiB).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

/// Deterministic benchmark data: features ~ N(0,1); responses = 0.5 features[:, :32] W + noise,
/// written in column slabs so generating 200,000 neuroids never holds them all in memory.
enum BenchData {
    static func ensure(neural: String, activations: String, rows: Int, features: Int, voxels: Int, chunkColumns: Int = 256) throws {
        let haveNeural = FileManager.default.fileExists(atPath: neural)
        let haveActivations = FileManager.default.fileExists(atPath: activations)
        if haveNeural && haveActivations { return }
        for path in [neural, activations] {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        var random = Gaussian(seed: 20231)
        let x = (0..<(rows * features)).map { _ in Float(random.next()) }
        let ids = (0..<rows).map { "stimulus.\($0)" }
        if !haveActivations {
            FileHandle.standardError.write(Data("bench: generating \(activations) (\(rows) x \(features))\n".utf8))
            let writer = try NetCDFWriter(path: activations, overwrite: true)
            try writer.defineDimension("layer", values: .strings(["bench.layer"]))
            try writer.defineDimension("presentation", length: rows)
            try writer.defineDimension("feature", length: features)
            try writer.addCoordinate("stimulus_id", dimensions: ["presentation"], values: .strings(ids))
            try writer.addVariable("activations", dimensions: ["layer", "presentation", "feature"], values: .float32(x),
                                   options: HDF5DatasetOptions(chunkShape: [1, rows, features]))
            try writer.finish()
        }
        if haveNeural { return }
        FileHandle.standardError.write(Data("bench: generating \(neural) (\(rows) x \(voxels) neuroids)\n".utf8))
        let writer = try NetCDFWriter(path: neural, overwrite: true)
        try writer.defineDimension("presentation", length: rows)
        try writer.defineDimension("neuroid", length: voxels)
        try writer.addCoordinate("stimulus_id", dimensions: ["presentation"], values: .strings(ids))
        let slab = chunkColumns
        let data = try writer.createVariable("data", dimensions: ["presentation", "neuroid"], elementType: .float64,
                                             options: HDF5DatasetOptions(chunkShape: [rows, min(slab, voxels)], fillValue: .float64([.nan])))
        let signal = min(32, features)
        for c0 in stride(from: 0, to: voxels, by: slab) {
            let width = min(slab, voxels - c0)
            let w = (0..<(signal * width)).map { _ in random.next() / Double(signal).squareRoot() }
            var block = [Double](repeating: 0, count: rows * width)
            for r in 0..<rows {
                for c in 0..<width {
                    var value = 0.0
                    for k in 0..<signal { value += Double(x[r * features + k]) * w[k * width + c] }
                    block[r * width + c] = 0.5 * value + random.next()
                }
            }
            try data.write(block, start: [0, c0], count: [rows, width])
        }
        try writer.finish()
    }
}

/// Standard normal draws (xorshift64* + Box-Muller): fast and reproducible, for benchmarks only.
struct Gaussian {
    var state: UInt64
    var spare: Double?
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func uniform() -> Double {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return Double((state &* 0x2545_F491_4F6C_DD1D) >> 11) / Double(1 << 53)
    }
    mutating func next() -> Double {
        if let spare { self.spare = nil; return spare }
        let u = max(uniform(), 1e-300), v = uniform()
        let radius = (-2 * log(u)).squareRoot()
        spare = radius * sin(2 * .pi * v)
        return radius * cos(2 * .pi * v)
    }
}
