import Benchmarks
import Foundation
import HDF5
import Scoring

/// One finished (or skipped, or failed) step, as the run reports it.
public struct RunEvent: Sendable {
    public enum Kind: String, Sendable { case ceiling, extract, score }
    public enum Status: String, Sendable { case done, skipped, failed }

    public var kind: Kind
    public var status: Status
    public var model: String?
    /// The benchmark (score, ceiling) or readout (extract).
    public var target: String
    public var index: Int
    public var total: Int
    public var seconds: Double
    public var elapsed: Double
    /// Estimated seconds left (nil until a step of each remaining kind has run).
    public var remaining: Double?
    public var message: String
    public var resultFile: String?
}

/// What `brainalign run` takes besides the plan.
public struct RunOptions: Sendable {
    public var force: Bool
    public var precision: Precision
    public var memoryBudget: Int
    public var threads: Int
    public var commandLine: String
    /// MPI ranks to deal the scoring steps to (`PlanRunner.runSpread`); one by default.
    public var ranks: any RankGroup = SingleRank()

    public init(force: Bool = false, precision: Precision = .float32, memoryBudget: Int = 2 << 30, threads: Int = 2, commandLine: String = "") {
        self.force = force
        self.precision = precision
        self.memoryBudget = memoryBudget
        self.threads = threads
        self.commandLine = commandLine
    }
}

public struct RunOutcome: Sendable {
    public var summaryCSV: String
    public var summaryNC: String
    public var rows: [[String: String]]
    public var failures: [RunEvent]
}

/// Runs a plan: ceilings, then per model its extraction (a subprocess: one
/// `extract_activations.py --jobs` per model) and its scoring (in process, through
/// `BenchmarkRunner`). Extraction of model k+1 runs while model k is scored: extraction is
/// GPU- (or here, Python-) bound, scoring CPU-bound. Every step is recorded atomically
/// when it finishes (steps/), so an interrupted run loses at most the steps under way,
/// and a step whose recorded provenance matches is skipped on the next run.
public final class PlanRunner: @unchecked Sendable {
    let plan: RunPlan
    let options: RunOptions
    let folder: RunFolder
    let report: @Sendable (RunEvent) -> Void
    let lock = NSLock()
    private let start = Date()
    private var finished = 0
    private var durations: [RunEvent.Kind: [Double]] = [:]
    private var pending: [RunEvent.Kind: Int] = [:]
    var failures: [RunEvent] = []
    private let total: Int

    public init(plan: RunPlan, options: RunOptions, report: @escaping @Sendable (RunEvent) -> Void) {
        self.plan = plan
        self.options = options
        self.report = report
        folder = RunFolder(plan.output)
        let ceilings = plan.benchmarks.filter { $0.ceiling == .compute }.count
        let extractions = plan.models.map { m in plan.readouts(of: m).filter { m.activations[$0.readout] == nil }.count }.reduce(0, +)
        let scores = plan.models.count * plan.benchmarks.count
        pending = [.ceiling: ceilings, .extract: extractions, .score: scores]
        total = ceilings + extractions + scores
    }

    public func run() throws -> RunOutcome {
        if options.ranks.size > 1 { return try runSpread(options.ranks) }
        try folder.prepare(models: plan.models)
        var ceilings: [String: Result<CeilingOverride?, RunError>] = [:]
        for entry in plan.benchmarks { ceilings[entry.name] = ceiling(entry) }

        // The extraction pipeline runs on its own thread, one model ahead of scoring.
        let queue = HandOff<(RunPlan.Model, [String: Result<String, RunError>])>()
        let models = plan.models
        let extractor = Thread { [self] in
            for model in models { queue.put((model, extract(model))) }
        }
        extractor.stackSize = 8 << 20
        extractor.start()
        var rows: [[String: String]] = []
        for _ in models {
            let (model, activations) = queue.take()
            for entry in plan.benchmarks {
                let row = score(model, entry, activations: activations[entry.readout]!, ceiling: ceilings[entry.name]!)
                rows.append(RunSummary.modelColumns(model).merging(row) { _, new in new }.merging(["benchmark": entry.name]) { _, new in new })
            }
        }
        try RunSummary.write(rows, folder: folder)
        return lock.withLock { RunOutcome(summaryCSV: folder.summaryCSV, summaryNC: folder.summaryNC, rows: rows, failures: failures) }
    }

    // MARK: Events

    private func emit(_ kind: RunEvent.Kind, _ status: RunEvent.Status, model: String?, target: String, seconds: Double,
                      message: String, resultFile: String? = nil) {
        let event: RunEvent = lock.withLock {
            finished += 1
            pending[kind, default: 1] -= 1
            if status == .done { durations[kind, default: []].append(seconds) }
            // Left: each remaining step at the mean duration of its kind so far (unknown
            // until one of each remaining kind has run).
            var remaining: Double? = 0
            for (k, count) in pending where count > 0 {
                guard let seen = durations[k], !seen.isEmpty else { remaining = nil; break }
                remaining = remaining.map { $0 + Double(count) * seen.reduce(0, +) / Double(seen.count) }
            }
            let event = RunEvent(kind: kind, status: status, model: model, target: target, index: finished, total: total, seconds: seconds,
                                 elapsed: Date().timeIntervalSince(start), remaining: remaining, message: message, resultFile: resultFile)
            if status == .failed { failures.append(event) }
            return event
        }
        report(event)
    }

    // MARK: Ceilings

    func ceiling(_ entry: RunPlan.BenchmarkEntry) -> Result<CeilingOverride?, RunError> {
        switch entry.ceiling {
        case .published: return .success(nil)
        case .file(let path):
            do { return .success(try CeilingFile.read(path, for: entry.name, neural: entry.neural.count == 1 ? entry.neural[0] : nil)) } catch { return .failure(RunError("\(error)")) }
        case .compute:
            let started = Date()
            let path = folder.ceiling(entry.name), recordPath = folder.ceilingRecord(entry.name)
            do {
                let provenance = try [("benchmark", entry.name), ("procedure", "brainalign ceiling defaults (procedure brainscore)")]
                    + fingerprints("neural", entry.neural[0]) + [("brainalign_version", BrainAlignFormat.version)]
                switch try decide(recordPath: recordPath, outputs: [path], provenance: provenance) {
                case .skip:
                    emit(.ceiling, .skipped, model: nil, target: entry.name, seconds: 0, message: "finished earlier, provenance matches")
                    return .success(try CeilingFile.read(path, for: entry.name))
                case .refuse(let why):
                    throw RunError("refused: \(why)")
                case .run(let overwrite):
                    let settings = RunSettings(neuralPaths: [entry.neural[0]], outputPath: path, overwrite: overwrite, precision: .float64,
                                               memoryBudget: options.memoryBudget, threads: options.threads, commandLine: options.commandLine)
                    do {
                        _ = try CeilingJob.run(benchmark: entry.name, subjectCoordinate: nil, ceiling: ExtrapolationCeiling(), settings: settings)
                    } catch let error as ScoringError where error.description.contains("--procedure") {
                        // The advice names flags a plan has none of: say how to do it in a plan.
                        throw ScoringError("\(error.description) (in a plan: make the ceiling with `brainalign ceiling --benchmark \(entry.name) --procedure ...` and give its file as this benchmark's \"ceiling\")")
                    }
                    let override = try CeilingFile.read(path, for: entry.name)
                    try StepRecord(provenance: provenance, row: ["ceiling": "\(override.value)"], seconds: Date().timeIntervalSince(started)).write(to: recordPath)
                    emit(.ceiling, .done, model: nil, target: entry.name, seconds: Date().timeIntervalSince(started),
                         message: String(format: "ceiling %.4f", override.value), resultFile: folder.relative(path))
                    return .success(override)
                }
            } catch {
                let failure = RunError("\(error)")
                emit(.ceiling, .failed, model: nil, target: entry.name, seconds: Date().timeIntervalSince(started), message: failure.description)
                return .failure(failure)
            }
        }
    }

    // MARK: Extraction

    /// Each readout's activations file, or why there is none.
    func extract(_ model: RunPlan.Model) -> [String: Result<String, RunError>] {
        var outcome: [String: Result<String, RunError>] = [:]
        var jobs: [(ExtractorProcess.Job, [(String, String)], String)] = []
        for (readout, neural) in plan.readouts(of: model) {
            if let given = model.activations[readout] { outcome[readout] = .success(given); continue }
            let output = folder.activations(model, readout), recordPath = folder.record(model, kind: "extract", readout)
            do {
                let base = try [("model_id", model.id), ("revision", model.revision ?? ""), ("readout", readout)]
                    + fingerprints("neural", neural) + plan.extraction.provenance
                let current = FileManager.default.fileExists(atPath: output) ? base + (try fingerprints("activations", output)) : base
                if let record = try StepRecord.read(recordPath) {
                    if FileManager.default.fileExists(atPath: output), let why = record.mismatch(current) {
                        guard options.force else { throw RunError("refused: \(why) since it was extracted; --force extracts it again") }
                        jobs.append((.init(readout: readout, neural: neural, output: output, overwrite: true), base, recordPath))
                    } else if FileManager.default.fileExists(atPath: output) {
                        emit(.extract, .skipped, model: model.name, target: readout, seconds: 0, message: "finished earlier, provenance matches")
                        outcome[readout] = .success(output)
                    } else {
                        jobs.append((.init(readout: readout, neural: neural, output: output, overwrite: false), base, recordPath))
                    }
                } else {
                    // No record: a new step, or one interrupted (the extractor resumes it,
                    // refusing a file made differently).
                    jobs.append((.init(readout: readout, neural: neural, output: output, overwrite: false), base, recordPath))
                }
            } catch {
                let failure = RunError("\(error)")
                emit(.extract, .failed, model: model.name, target: readout, seconds: 0, message: failure.description)
                outcome[readout] = .failure(failure)
            }
        }
        guard !jobs.isEmpty else { return outcome }
        var started = Date()
        ExtractorProcess(plan: plan, model: model, folder: folder).run(jobs.map(\.0)) { index, message in
            let (job, base, recordPath) = jobs[index]
            let seconds = Date().timeIntervalSince(started)
            started = Date()
            var failure = message
            if failure == nil {
                do {
                    try StepRecord(provenance: base + (try fingerprints("activations", job.output)), seconds: seconds).write(to: recordPath)
                } catch { failure = "\(error)" }
            }
            if let failure {
                emit(.extract, .failed, model: model.name, target: job.readout, seconds: seconds, message: failure)
                outcome[job.readout] = .failure(RunError("extraction failed: \(failure)"))
            } else {
                emit(.extract, .done, model: model.name, target: job.readout, seconds: seconds, message: "wrote \(folder.relative(job.output))",
                     resultFile: folder.relative(job.output))
                outcome[job.readout] = .success(job.output)
            }
        }
        return outcome
    }

    // MARK: Scoring

    /// The step's summary columns (status, scores or the failure).
    func score(_ model: RunPlan.Model, _ entry: RunPlan.BenchmarkEntry, activations: Result<String, RunError>,
                       ceiling: Result<CeilingOverride?, RunError>) -> [String: String] {
        let started = Date()
        let output = folder.result(model, entry.name), recordPath = folder.record(model, kind: "score", entry.name)
        func fail(_ message: String) -> [String: String] {
            emit(.score, .failed, model: model.name, target: entry.name, seconds: Date().timeIntervalSince(started), message: message)
            return ["status": "failed", "message": message]
        }
        let activationsPath: String, override: CeilingOverride?
        switch activations {
        case .failure(let error): return fail(error.description)
        case .success(let path): activationsPath = path
        }
        switch ceiling {
        case .failure(let error): return fail("ceiling: \(error.description)")
        case .success(let value): override = value
        }
        do {
            var provenance = try [("model_id", model.id), ("revision", model.revision ?? ""), ("benchmark", entry.name),
                                  ("protocol", Self.protocolText(entry.benchmark)), ("precision", options.precision.rawValue)]
                + fingerprints("activations", activationsPath)
            for (i, file) in entry.neural.enumerated() { provenance += try fingerprints("neural\(i)", file) }
            provenance += try override.map { try fingerprints("ceiling_file", $0.file) } ?? [("ceiling", "published")]
            provenance.append(("brainalign_version", BrainAlignFormat.version))
            let overwrite: Bool
            switch try decide(recordPath: recordPath, outputs: [output], provenance: provenance) {
            case .skip:
                let record = try StepRecord.read(recordPath)!
                emit(.score, .skipped, model: model.name, target: entry.name, seconds: 0, message: "finished earlier, provenance matches",
                     resultFile: record.row["result_file"])
                return record.row
            case .refuse(let why): return fail("refused: \(why)")
            case .run(let value): overwrite = value
            }
            let settings = RunSettings(neuralPaths: entry.neural, activationsPath: activationsPath, outputPath: output, overwrite: overwrite,
                                       precision: options.precision, memoryBudget: options.memoryBudget, threads: options.threads,
                                       commandLine: options.commandLine, ceilingOverride: override)
            let result = try BenchmarkRunner.run(entry.benchmark, settings: settings)
            let row = RunSummary.scoreColumns(result, resultFile: folder.relative(output))
            let seconds = Date().timeIntervalSince(started)
            try StepRecord(provenance: provenance, row: row, seconds: seconds).write(to: recordPath)
            let best = row["best_layer"].map { "best \($0), score \(row["score"].flatMap(Double.init).map { String(format: "%.4f", $0) } ?? "n/a")" }
            emit(.score, .done, model: model.name, target: entry.name, seconds: seconds, message: best ?? row["message"] ?? "",
                 resultFile: folder.relative(output))
            return row
        } catch {
            return fail("\(error)")
        }
    }

    // MARK: Resume rule

    enum Decision { case skip, refuse(String), run(overwrite: Bool) }

    /// Skip a step recorded with the same provenance whose outputs exist; refuse one
    /// recorded differently, or whose outputs exist without a record (unless --force, which
    /// redoes it over its own files); run anything else.
    private func decide(recordPath: String, outputs: [String], provenance: [(String, String)]) throws -> Decision {
        let existing = outputs.filter { FileManager.default.fileExists(atPath: $0) }
        if let record = try StepRecord.read(recordPath) {
            if let why = record.mismatch(provenance) {
                return options.force ? .run(overwrite: true) : .refuse("\(why) since it was computed; --force computes it again")
            }
            if existing.count == outputs.count { return .skip }
            return .run(overwrite: options.force || !existing.isEmpty)
        }
        if !existing.isEmpty {
            return options.force ? .run(overwrite: true)
                : .refuse("\(existing[0]) exists without a step record (interrupted as it finished?); --force computes it again")
        }
        return .run(overwrite: false)
    }

    private func fingerprints(_ name: String, _ path: String) throws -> [(String, String)] {
        try Fingerprint(path: path).fields.map { ("\(name).\($0.0)", $0.1) }
    }

    /// What the benchmark computes, as recorded: a change of protocol (a new BrainAlign
    /// with other splits, say) makes old results mismatch.
    static func protocolText(_ benchmark: any Benchmark) -> String {
        guard let neural = benchmark as? NeuralBenchmark else { return "\(benchmark.name): \(benchmark.summary); \(benchmark.combination)" }
        return neural.components.map { c in
            "\(c.name): \(c.spec.regression.description); \(c.spec.crossValidation.description); \(c.spec.aggregation.description); ceiling \(c.ceiling.map { "\($0)" } ?? "none")"
        }.joined(separator: " | ")
    }
}

/// A one-slot-per-item hand-off between the extraction thread and the scoring loop.
final class HandOff<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item] = []

    func put(_ item: Item) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    func take() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        return items.removeFirst()
    }
}
