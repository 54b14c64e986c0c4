import ArgumentParser
import Benchmarks
import Encoding
import Foundation
import Scoring

struct CeilingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling",
        abstract: "Compute Brain-Score's extrapolation noise ceiling of a neural file.",
        discussion: """
            Default (--procedure brainscore): Brain-Score language 2.3.0's ExtrapolationCeiling, \
            reproduced exactly. For every subset size 2..N it takes every combination of \
            subjects, holds out every subject of it in turn, predicts the held-out subject's \
            neuroids from the others' with the benchmark's metric (least squares on its splits, \
            Brain-Score's batched Pearson r), bootstraps each neuroid's scores within each size \
            (numpy RandomState(0) re-seeded per neuroid), fits v0 (1 - exp(-n / tau)) to one mean \
            per size as scipy's curve_fit does, and reports the median v0 over neuroids. It is \
            deterministic: no seed. The work doubles with every subject (N 2^(N-1) - N \
            regressions); when the estimate exceeds an hour the default refuses and names it.

            --procedure sampled: the faster approximation (random subsets): for subject counts \
            2..N it draws --subsets subsets, holds out up to --held-out subjects of each, and \
            fits each neuroid's bootstrapped points; --seed seeds the draws. Prefer it with many \
            subjects (at Pereira's size on 2 cores the exact procedure takes ~3 minutes for 9 \
            subjects, ~20 for 12, and the default refuses from 14), or for a quick look; its \
            ceilings differ from Brain-Score's by ~0.001-0.02. See docs/protocols.md.

            Use the result with `brainalign score --ceiling FILE`: it refuses a ceiling made \
            for another benchmark or from a neural file of another size or other leading bytes \
            (the file's size and the SHA-1 of its first MiB are recorded and compared).

            Example:
              brainalign ceiling --benchmark Pereira2018.384sentences-linear --neural assy.nc --output ceiling384.nc
              brainalign ceiling --benchmark Blank2014-linear --neural blank.nc --procedure sampled --output blank_sampled.nc
              brainalign ceiling --benchmark Futrell2018-pearsonr --neural assy_Futrell2018.nc --output futrell_ceiling.nc

            For Futrell2018-pearsonr (behavioural data) it computes the split-half \
            Spearman-Brown ceiling instead (10 splits of the subjects, seeded by --seed).
            """
    )

    @Option(help: ArgumentHelp("Neural data (BrainIO layout).", valueName: "file")) var neural: String
    @Option(help: ArgumentHelp("The neural variable (default: data or the only data variable).", valueName: "name")) var neuralVariable: String?
    @Option(help: ArgumentHelp("A least-squares benchmark whose rows, neuroids and splits to use (default: all rows, Brain-Score's linear metric), or Futrell2018-pearsonr.", valueName: "name")) var benchmark: String?
    @Option(help: ArgumentHelp("Neuroid coordinate naming subjects (default: the benchmark's, else subject).", valueName: "name")) var subjectCoordinate: String?
    @Option(help: ArgumentHelp("brainscore (Brain-Score 2.3.0's procedure, exactly; the default) or sampled (random subsets, faster with many subjects).", valueName: "name"))
    var procedure: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var compute: ComputeOptions
    @OptionGroup var report: ReportOptions
    @Option(parsing: .unconditional, help: "With --procedure sampled: random subject subsets per subject count (at least 1; default 10).") var subsets: Int?
    @Option(parsing: .unconditional, help: "With --procedure sampled: held-out subjects per subset (at least 1; at most the subset size is used; default 5).") var heldOut: Int?
    @Option(parsing: .unconditional, help: "Bootstrap resamples per neuroid (at least 1; Brain-Score uses 100).") var bootstraps: Int = 100
    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the sampled procedure's subset draws and bootstraps, and of Futrell2018's splits (numpy RandomState; 0-4294967295; default 0).", valueName: "n"), transform: Seed.parse) var seed: Seed?

    var chosenProcedure: CeilingJob.Procedure? { procedure.flatMap(CeilingJob.Procedure.init(rawValue:)) }

    func validate() throws {
        guard (subsets ?? 1) >= 1, (heldOut ?? 1) >= 1, bootstraps >= 1 else {
            throw ValidationError("--subsets, --held-out and --bootstraps must be at least 1")
        }
        if let procedure, CeilingJob.Procedure(rawValue: procedure) == nil {
            throw ValidationError("unknown --procedure '\(procedure)'; valid: \(CeilingJob.Procedure.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if chosenProcedure != .sampled, subsets != nil || heldOut != nil {
            throw ValidationError("--subsets and --held-out belong to --procedure sampled (Brain-Score's procedure uses every combination and every held-out subject)")
        }
        if chosenProcedure != .sampled, seed != nil, benchmark != "Futrell2018-pearsonr" {
            throw ValidationError("--seed belongs to --procedure sampled and Futrell2018-pearsonr (Brain-Score's procedure is deterministic: RandomState(0) per neuroid)")
        }
        if let benchmark, (try? BenchmarkRegistry.named(benchmark)) == nil {
            throw ValidationError("unknown benchmark '\(benchmark)'; valid benchmarks: \(BenchmarkRegistry.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        var ceiling = ExtrapolationCeiling()
        ceiling.subsets = subsets ?? ceiling.subsets
        ceiling.heldOut = heldOut ?? ceiling.heldOut
        ceiling.bootstraps = bootstraps
        ceiling.seed = seed?.value ?? 0
        var exact = BrainScoreCeiling()
        exact.bootstraps = bootstraps
        let outputPath = output.output ?? "brainalign-ceiling.nc"
        // Ceilings are computed in float64 (they are small next to scoring).
        var settings = RunSettings(neuralPaths: [neural], neuralVariable: neuralVariable, outputPath: outputPath, overwrite: output.overwrite,
                                   precision: .float64, memoryBudget: compute.memory.bytes, threads: compute.threads.value,
                                   commandLine: commandLineText)
        try asRank(threads: compute.threads.value) { ranks in
            settings.ranks = ranks
            try compute(ceiling, exact: exact, settings: settings, quiet: report.quiet || !ranks.isLead)
        }
    }

    /// Computes and writes the ceiling (regressions dealt to MPI ranks), printed by the lead.
    private func compute(_ ceiling: ExtrapolationCeiling, exact: BrainScoreCeiling, settings: RunSettings, quiet: Bool) throws {
        let outputPath = settings.outputPath
        let lead = settings.ranks.isLead
        let outcome = try CeilingJob.run(benchmark: benchmark, subjectCoordinate: subjectCoordinate, procedure: chosenProcedure, ceiling: ceiling,
                                         exact: exact, settings: settings,
                                         warn: { if lead { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) } }) { done, total in
            if !quiet && (done == total || done % 25 == 0) {
                FileHandle.standardError.write(Data("ceiling: \(done)/\(total) regressions\n".utf8))
            }
        }
        guard settings.ranks.isLead else { return }
        switch outcome {
        case .splitHalf(let value, let splits):
            if report.json {
                print(JSONValue.object([("ceiling", .number(value)), ("splits", .array(splits.map(JSONValue.number))),
                                        ("output", .string(outputPath))]).rendered())
            } else {
                print(String(format: "split-half ceiling %.4f (median of %d Spearman-Brown corrected splits, range %.4f-%.4f)",
                             value, splits.count, splits.min() ?? .nan, splits.max() ?? .nan))
                print("wrote \(outputPath)")
            }
        case .exact(let result):
            let plan = result.plan
            if report.json {
                print(JSONValue.object([
                    ("ceiling", .number(result.ceiling)), ("procedure", .string("brainscore")),
                    ("subjects", .array(plan.subjects.map(JSONValue.string))), ("neuroids", .integer(Int64(result.neuroidCeilings.count))),
                    ("combinations", .integer(Int64(plan.combinations))), ("regressions", .integer(Int64(plan.regressions))),
                    ("fits", .integer(Int64(plan.fits))), ("failed_fits", .integer(Int64(result.failedFits))),
                    ("seconds", .number(result.seconds)), ("output", .string(outputPath)),
                ]).rendered())
            } else {
                print(String(format: "ceiling %.4f (Brain-Score 2.3.0 procedure) over %d neuroids of %d subjects; %d combinations, %d regressions, %d fits (%d failed) in %.1f s",
                             result.ceiling, result.neuroidCeilings.count, plan.subjects.count, plan.combinations, plan.regressions,
                             plan.fits, result.failedFits, result.seconds))
                print("mean held-out score by subset size: " + zip(plan.sizes, result.meanScoreBySize).map { String(format: "%d: %.3f", $0, $1) }.joined(separator: ", "))
                print("wrote \(outputPath)")
            }
        case .extrapolation(let result):
            if report.json {
                print(JSONValue.object([
                    ("ceiling", .number(result.ceiling)), ("interval", .array([.number(result.interval.low), .number(result.interval.high)])),
                    ("subjects", .array(result.subjects.map(JSONValue.string))), ("neuroids", .integer(Int64(result.neuroidCeilings.count))),
                    ("regressions", .integer(Int64(result.regressions))), ("seconds", .number(result.seconds)), ("output", .string(outputPath)),
                ]).rendered())
            } else {
                print(String(format: "ceiling %.4f (95%% bootstrap interval %.4f-%.4f) over %d neuroids of %d subjects; %d regressions in %.1f s",
                             result.ceiling, result.interval.low, result.interval.high, result.neuroidCeilings.count, result.subjects.count,
                             result.regressions, result.seconds))
                print("mean held-out score by subjects in the pool: " + result.meanScoreByCount.enumerated().map { String(format: "%d: %.3f", $0.offset + 2, $0.element) }.joined(separator: ", "))
                print("wrote \(outputPath)")
            }
        }
    }
}
