import ArgumentParser
import Foundation
import Run
import Scoring
import Study

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a plan: extract, score and compare every model on every benchmark, in one command.",
        discussion: """
            PLAN is a JSON file naming the models (Hugging Face id or local directory, family, \
            base model, instruction_tuned, parameters, revision), the benchmarks with their data \
            files and ceilings, the extraction settings and an output folder (docs/workflow.md). \
            The plan is checked whole before anything runs: each problem is one line, exit code 2.

            Then, per model, tools/extract_activations.py runs as a subprocess (all the \
            model's readouts in one process) and each benchmark is scored in this process; the \
            next model is extracted while the previous one is scored. Results go to \
            OUTPUT/results/<model>/, and OUTPUT/summary.csv and summary.nc get one row per \
            model x benchmark (best layer, relative depth, score, ceiling, normalised score, \
            subject spread, neuroids, result file). Finally `study` runs over summary.csv.

            Every finished step is recorded (OUTPUT/steps/): a rerun skips steps whose recorded \
            provenance (model id and revision, input fingerprints, protocol, BrainAlign version) \
            matches, and refuses steps that differ unless --force. One model failing does not \
            stop the others; the end lists what failed and why, and the exit code is 1.

            Example:
              brainalign run plan.json
              brainalign run plan.json --json > events.jsonl
            """
    )

    @Argument(help: "The plan (JSON).")
    var plan: String

    @Flag(help: "Redo steps whose recorded provenance differs (over their own files) instead of refusing them.")
    var force = false

    @OptionGroup var compute: ComputeOptions
    @OptionGroup var precision: PrecisionOption
    @OptionGroup var report: ReportOptions

    func run() throws {
        let parsed: RunPlan
        do { parsed = try RunPlan(path: plan) } catch let error as PlanError {
            for problem in error.problems { FileHandle.standardError.write(Data("Error: \(problem)\n".utf8)) }
            throw ExitCode(2)
        }
        try asRank(threads: compute.threads.value) { ranks in try run(parsed, ranks: ranks) }
    }

    /// Runs the plan as one rank (its scoring steps dealt to MPI ranks); the lead reports.
    private func run(_ parsed: RunPlan, ranks: any RankGroup) throws {
        let json = report.json, quiet = report.quiet, lead = ranks.isLead
        var options = RunOptions(force: force, precision: precision.precision, memoryBudget: compute.memory.bytes,
                                 threads: compute.threads.value, commandLine: commandLineText)
        options.ranks = ranks
        let runner = PlanRunner(plan: parsed, options: options) { event in
            guard lead else { return }
            if json { FileHandle.standardOutput.write(Data((Self.json(event).compact() + "\n").utf8)) }
            else if !quiet || event.status == .failed { FileHandle.standardError.write(Data((Self.line(event) + "\n").utf8)) }
        }
        let outcome: RunOutcome
        do { outcome = try runner.run() } catch {
            throw RunFailure("\(error)")
        }
        guard lead else {
            if !outcome.failures.isEmpty { throw ExitCode(1) }
            return
        }
        // The study over the summary; failed steps are missing cells, named in its notes.
        var studyText: String? = nil, studyJSON: JSONValue = .null, studyError: String? = nil
        do {
            let table = try StudyTable(path: outcome.summaryCSV, allowMissing: true)
            let analysis = try StudyAnalysis(table: table)
            studyText = StudyCommand.modelsText(table) + "\n\n" + StudyCommand.text(analysis, figures: [])
            studyJSON = StudyCommand.json(analysis, table: table, figures: [])
        } catch {
            studyError = "\(error)"
        }
        if json {
            print(JSONValue.object([
                ("event", .string("finished")), ("summary_csv", .string(outcome.summaryCSV)), ("summary_nc", .string(outcome.summaryNC)),
                ("failed", .array(outcome.failures.map(Self.json))), ("study", studyJSON),
                ("study_error", studyError.map(JSONValue.string) ?? .null),
            ]).compact())
        } else {
            if let studyText { print(studyText) }
            if let studyError { print("study: \(studyError)") }
            print("\nwrote \(outcome.summaryCSV) and \(outcome.summaryNC)")
            if !outcome.failures.isEmpty {
                print("\n\(outcome.failures.count) step\(outcome.failures.count == 1 ? "" : "s") failed:")
                for failure in outcome.failures { print("  \(Self.what(failure)): \(failure.message)") }
            }
        }
        if !outcome.failures.isEmpty { throw ExitCode(1) }
    }

    static func what(_ event: RunEvent) -> String {
        [event.kind.rawValue, event.model, event.target].compactMap { $0 }.joined(separator: " ")
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// `[ 3/12] done    score Pereira2018 tiny-a (2.1 s): best layer.1 ... | elapsed 0:14, about 0:30 left`
    static func line(_ event: RunEvent) -> String {
        let width = String(event.total).count
        let counter = "[" + String(event.index).leftPadded(width) + "/\(event.total)]"
        let status = event.status.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
        let duration = event.status == .done ? String(format: " (%.1f s)", event.seconds) : ""
        let left = event.remaining.map { "about \(clock($0)) left" } ?? "time left: estimated after the first step of each kind"
        return "\(counter) \(status) \(what(event))\(duration): \(event.message) | elapsed \(clock(event.elapsed)), \(event.index == event.total ? "done" : left)"
    }

    static func json(_ event: RunEvent) -> JSONValue {
        .object([
            ("event", .string("step")), ("index", .integer(Int64(event.index))), ("total", .integer(Int64(event.total))),
            ("kind", .string(event.kind.rawValue)), ("status", .string(event.status.rawValue)),
            ("model", event.model.map(JSONValue.string) ?? .null), (event.kind == .extract ? "readout" : "benchmark", .string(event.target)),
            ("seconds", .number(event.seconds)), ("elapsed", .number(event.elapsed)),
            ("remaining", event.remaining.map(JSONValue.number) ?? .null), ("message", .string(event.message)),
            ("result_file", event.resultFile.map(JSONValue.string) ?? .null),
        ])
    }
}

/// A run that could not go on (its folder could not be made, the summary not written).
struct RunFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

fileprivate extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
