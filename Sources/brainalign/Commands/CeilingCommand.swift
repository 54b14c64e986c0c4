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
            For subject counts 2..N it draws --subsets random subject subsets, holds out up to \
            --held-out subjects of each, predicts each held-out subject's neuroids from the others' \
            with the benchmark's metric (least squares on its splits), fits v0 (1 - exp(-n / tau)) \
            per neuroid on --bootstraps resamples, and reports the median v0 over neuroids with a \
            bootstrap interval. Seeds are explicit: the same seed gives the same file, bit for bit. \
            See docs/protocols.md. Use the result with `brainalign score --ceiling FILE`.

            Example:
              brainalign ceiling --benchmark Pereira2018.384sentences-linear --neural assy.nc --output ceiling384.nc
              brainalign ceiling --benchmark Futrell2018-pearsonr --neural assy_Futrell2018.nc --output futrell_ceiling.nc

            For Futrell2018-pearsonr (behavioural data) it computes the split-half \
            Spearman-Brown ceiling instead (10 splits of the subjects, seeded by --seed).
            """
    )

    @Option(help: ArgumentHelp("Neural data (BrainIO layout).", valueName: "file")) var neural: String
    @Option(help: ArgumentHelp("The neural variable (default: data or the only data variable).", valueName: "name")) var neuralVariable: String?
    @Option(help: ArgumentHelp("A least-squares benchmark whose rows, neuroids and splits to use (default: all rows, Brain-Score's linear metric), or Futrell2018-pearsonr.", valueName: "name")) var benchmark: String?
    @Option(help: ArgumentHelp("Neuroid coordinate naming subjects (default: the benchmark's, else subject).", valueName: "name")) var subjectCoordinate: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var compute: ComputeOptions
    @OptionGroup var report: ReportOptions
    @Option(parsing: .unconditional, help: "Random subject subsets per subject count (at least 1).") var subsets: Int = 10
    @Option(parsing: .unconditional, help: "Held-out subjects per subset (at least 1; at most the subset size is used).") var heldOut: Int = 5
    @Option(parsing: .unconditional, help: "Bootstrap resamples per neuroid (at least 1).") var bootstraps: Int = 100
    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the subset draws and of the bootstraps (numpy RandomState; 0-4294967295).", valueName: "n"), transform: Seed.parse) var seed = Seed(0)

    func validate() throws {
        guard subsets >= 1, heldOut >= 1, bootstraps >= 1 else {
            throw ValidationError("--subsets, --held-out and --bootstraps must be at least 1")
        }
        if let benchmark, (try? BenchmarkRegistry.named(benchmark)) == nil {
            throw ValidationError("unknown benchmark '\(benchmark)'; valid benchmarks: \(BenchmarkRegistry.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        var ceiling = ExtrapolationCeiling()
        ceiling.subsets = subsets
        ceiling.heldOut = heldOut
        ceiling.bootstraps = bootstraps
        ceiling.seed = seed.value
        let outputPath = output.output ?? "brainalign-ceiling.nc"
        // Ceilings are computed in float64 (they are small next to scoring).
        var settings = RunSettings(neuralPaths: [neural], neuralVariable: neuralVariable, outputPath: outputPath, overwrite: output.overwrite,
                                   precision: .float64, memoryBudget: compute.memory.bytes, threads: compute.threads.value,
                                   commandLine: commandLineText)
        try asRank(threads: compute.threads.value) { ranks in
            settings.ranks = ranks
            try compute(ceiling, settings: settings, quiet: report.quiet || !ranks.isLead)
        }
    }

    /// Computes and writes the ceiling (regressions dealt to MPI ranks), printed by the lead.
    private func compute(_ ceiling: ExtrapolationCeiling, settings: RunSettings, quiet: Bool) throws {
        let outputPath = settings.outputPath
        let outcome = try CeilingJob.run(benchmark: benchmark, subjectCoordinate: subjectCoordinate, ceiling: ceiling, settings: settings) { done, total in
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
