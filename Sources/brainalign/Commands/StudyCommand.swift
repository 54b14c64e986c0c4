import ArgumentParser
import Encoding
import Foundation
import Scoring
import HDF5
import Study

struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "The instruction-tuning study over many models: paired changes, correlations, figures.",
        discussion: """
            TABLE is a CSV with one row per model: model, family, base_model, \
            instruction_tuned (true/false), parameters, one column per benchmark (a score, or \
            the path of a BrainAlign result file, or several joined by ';'), and optional \
            average, mmlu, bbh, nwp_loss. Every benchmark cell must be filled and every model \
            name unique; errors name the line and column.

            For every instruction-tuned model it reports the change over its base model per \
            benchmark and on average, both as a percent of the base score and as the absolute \
            difference (tuned - base); a percent change over a base score <= 0 is not computed \
            (n/a, with a note), the difference always is. Then the mean changes with the number \
            of pairs each is over, a Wilcoxon signed-rank test (run only with at least 6 pairs \
            that differ: with fewer, no outcome could reach p < 0.05), and the Pearson and \
            Spearman correlations (with p-values, Benjamini-Hochberg adjusted) of average \
            alignment with MMLU, BBH, log10 parameters and next-word loss over the \
            instruction-tuned models, and with log10 parameters over all models (at least 3 \
            models each, else "not enough models").

            Example (the paper's own table, T5 and LLaMA families):
              brainalign study datasets/aw2023_models.csv --families T5,LLaMA --figures figures/
            """
    )

    @Argument(help: "The study table (CSV).")
    var table: String

    @Option(help: ArgumentHelp("Only these families (comma-separated), e.g. T5,LLaMA.", valueName: "names"))
    var families: String?

    @Option(help: ArgumentHelp("Write SVG figures (scatter plots with fitted lines; bar chart of changes) here; created if missing.", valueName: "dir"))
    var figures: String?

    @Flag(help: ArgumentHelp("Accept empty benchmark cells: those benchmarks are left out of that model's pairs (the output lists them per pair), and such a model has no average unless its 'average' cell is filled."))
    var allowMissing = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Also write the per-model scores and the layers they are from (one row per model x benchmark) to this CSV file.", valueName: "file"))
    var csv: String?

    @Flag(help: ArgumentHelp("Replace an existing --csv file and existing figures of the same names (never the table or a result file it reads)."))
    var overwrite = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Bootstrap resamples of the pairs for the mean changes' 95% intervals (at least 1).", valueName: "n"))
    var bootstraps: Int = 10_000

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the bootstrap (numpy RandomState; 0-4294967295).", valueName: "n"), transform: Seed.parse)
    var seed = Seed(0)

    func validate() throws {
        guard bootstraps >= 1 else { throw ValidationError("--bootstraps must be at least 1") }
    }

    func run() throws {
        let selected = families.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let studyTable = try StudyTable(path: table, families: selected, allowMissing: allowMissing)
        // The CSV's destination is checked before the analysis, and nothing is written
        // until every output is ready: all appear together or none does.
        if let csv { try TextOutput.check(csv, overwrite: overwrite, inputs: studyTable.inputPaths) }
        let analysis = try StudyAnalysis(table: studyTable, bootstrap: .init(resamples: bootstraps, seed: seed.value))
        var csvFile: StagedFile?
        if let csv { csvFile = try TextOutput.stage(Self.scoresCSV(studyTable), to: csv, overwrite: overwrite, inputs: studyTable.inputPaths) }
        var written: [String] = []
        if let figures {
            let colors = FamilyColors(families: analysis.families)
            let directory = try OutputDirectory(figures)
            written = try directory.publish {
                var staged = csvFile.map { [$0] } ?? []
                for association in analysis.associations where association.note == nil {
                    let slug = (association.property + " " + association.population).lowercased()
                        .map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce(into: "") { $0.append($1) }
                    staged.append(try directory.stage(Figures.scatter(association, colors: colors), as: "alignment_vs_\(slug).svg",
                                                      overwrite: overwrite, inputs: studyTable.inputPaths))
                }
                staged.append(try directory.stage(Figures.changes(analysis, colors: colors), as: "instruction_tuning_changes.svg",
                                                  overwrite: overwrite, inputs: studyTable.inputPaths))
                return staged
            }.filter { $0 != csvFile?.destination }
        } else if let csvFile {
            try csvFile.publish()
        }
        print(json ? Self.json(analysis, table: studyTable, figures: written).rendered()
              : Self.modelsText(studyTable) + "\n\n" + Self.text(analysis, figures: written) + (csv.map { "\nwrote \($0)" } ?? ""))
    }

    /// Per model and benchmark: the score used, the layer it is from, and the cell it came from.
    static func scoresCSV(_ table: StudyTable) -> String {
        func field(_ value: String) -> String {
            value.contains(where: { ",\"\n".contains($0) }) ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
        }
        var lines = ["model,family,base_model,instruction_tuned,benchmark,score,layer,source"]
        for model in table.models {
            for benchmark in table.benchmarks + ["average"] {
                let score = benchmark == "average" ? model.average : model.scores[benchmark]
                lines.append([model.name, model.family, model.baseModel, model.instructionTuned ? "true" : "false", benchmark,
                              score.flatMap { $0.isFinite ? "\($0)" : nil } ?? "", model.layers[benchmark] ?? "",
                              model.sources[benchmark] ?? ""].map(field).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The scores the study used, per model, with the best layer of each result file.
    static func modelsText(_ table: StudyTable) -> String {
        let width = max(18, table.models.map(\.name.count).max() ?? 0)
        var lines = ["Scores used (raw r at the best layer; the layer in brackets when read from result files)", ""]
        lines.append("model".padding(toLength: width, withPad: " ", startingAt: 0) + (table.benchmarks + ["average"]).map { "  " + $0 }.joined())
        for model in table.models {
            var line = model.name.padding(toLength: width, withPad: " ", startingAt: 0)
            for benchmark in table.benchmarks {
                let cell = model.scores[benchmark].map { String(format: "%.4f", $0) + (model.layers[benchmark].map { " [\($0)]" } ?? "") } ?? "missing"
                line += "  " + cell.padding(toLength: max(benchmark.count, cell.count), withPad: " ", startingAt: 0)
            }
            line += "  " + (model.average.isFinite ? String(format: "%.4f", model.average) : "n/a")
            lines.append(line)
        }
        return lines.map { $0.replacingOccurrences(of: " +$", with: "", options: .regularExpression) }.joined(separator: "\n")
    }

    /// A percent change, "n/a" when there is none (missing score, or base <= 0: see the notes).
    static func percentText(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a".leftPadded(8) }
        return String(format: "%+8.2f", value)
    }

    static func differenceText(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a".leftPadded(9) }
        return String(format: "%+9.4f", value)
    }

    static func testText(_ test: StudyAnalysis.SignedRankTest) -> String {
        let unchanged = test.pairs > test.nonZero ? " (\(test.pairs - test.nonZero) unchanged, left out)" : ""
        return test.note ?? String(format: "%d pairs%@, %@: W = %g, p = %.3g", test.pairs, unchanged, test.method, test.statistic, test.p)
    }

    static func text(_ a: StudyAnalysis, figures: [String]) -> String {
        var lines = ["Instruction-tuned models vs their base models: change of brain alignment,",
                     "as % of the base score and as the absolute difference (tuned - base, raw r)", ""]
        let width = max(18, a.pairs.map(\.model.count).max() ?? 0), baseWidth = max(12, a.pairs.map(\.base.count).max() ?? 0)
        let columns = a.benchmarks + ["average"]
        func row(_ model: String, _ base: String, _ cells: [String]) -> String {
            model.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + base.padding(toLength: baseWidth, withPad: " ", startingAt: 0)
                + cells.map { "  " + $0 }.joined()
        }
        lines.append(row("model", "base", columns.map { $0.padding(toLength: 19, withPad: " ", startingAt: 0) }))
        lines.append(row("", "", columns.map { _ in "%".leftPadded(8) + "  " + "tuned-base" }))
        for pair in a.pairs {
            lines.append(row(pair.model, pair.base, a.benchmarks.map { percentText(pair.changes[$0]) + "  " + differenceText(pair.differences[$0]) }
                             + [percentText(pair.averageChange) + "  " + differenceText(pair.averageDifference)]))
        }
        let means = a.benchmarks.map { a.means[$0]! } + [a.meanAverage]
        lines.append(row("mean", "", means.map { percentText($0.percent) + "  " + differenceText($0.difference) }))
        lines.append(row("pairs in the mean", "", means.map { String($0.percentPairs).leftPadded(8) + "  " + String($0.differencePairs).leftPadded(9) }))
        lines += ["", "Bootstrap 95% intervals of the mean change (\(a.bootstrap.resamples) resamples of the pairs, seed \(a.bootstrap.seed)):"]
        for (name, m) in zip(columns, means) {
            func interval(_ i: (low: Double, high: Double)?, _ format: String) -> String {
                i.map { "[" + String(format: format, $0.low) + ", " + String(format: format, $0.high) + "]" } ?? "n/a (fewer than 2 pairs)"
            }
            lines.append("  \(name): % change \(interval(m.percentInterval, "%+.2f")), tuned-base \(interval(m.differenceInterval, "%+.4f"))")
        }
        let notes = a.pairs.flatMap { pair in pair.notes.map { "  \(pair.model) vs \(pair.base): \($0)" } }
        if !notes.isEmpty { lines += ["", "Notes:"] + notes }
        lines += ["", "Wilcoxon signed-rank, tuned vs base average: " + testText(a.wilcoxon)]
        for benchmark in a.benchmarks {
            if let test = a.wilcoxonPerBenchmark[benchmark] { lines.append("  \(benchmark): " + testText(test)) }
        }
        lines += ["", "Average brain alignment vs model properties",
                  "property            population          n   Pearson r   p          p (BH)     Spearman   p          p (BH)"]
        for s in a.associations {
            let start = s.property.padding(toLength: 20, withPad: " ", startingAt: 0) + s.population.padding(toLength: 18, withPad: " ", startingAt: 0)
                + String(format: "%3d   ", s.pearson.n)
            lines.append(start + (s.note ?? String(format: "%9.3f   %-9.3g  %-9.3g  %8.3f   %-9.3g  %-9.3g", s.pearson.r, s.pearson.p,
                                                   s.pearsonPAdjusted, s.spearman.r, s.spearman.p, s.spearmanPAdjusted)))
        }
        if !figures.isEmpty { lines += [""] + figures.map { "wrote \($0)" } }
        return lines.map { $0.replacingOccurrences(of: " +$", with: "", options: .regularExpression) }.joined(separator: "\n")
    }

    static func json(_ a: StudyAnalysis, table: StudyTable, figures: [String]) -> JSONValue {
        func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        func interval(_ i: (low: Double, high: Double)?) -> JSONValue { i.map { .array([.number($0.low), .number($0.high)]) } ?? .null }
        func mean(_ m: StudyAnalysis.Mean) -> JSONValue {
            .object([("percent", .number(m.percent)), ("percent_pairs", .integer(Int64(m.percentPairs))),
                     ("difference", .number(m.difference)), ("difference_pairs", .integer(Int64(m.differencePairs))),
                     ("percent_interval", interval(m.percentInterval)), ("difference_interval", interval(m.differenceInterval))])
        }
        let models: JSONValue = .array(table.models.map { model in
            .object([("model", .string(model.name)), ("family", .string(model.family)), ("base_model", .string(model.baseModel)),
                     ("instruction_tuned", .bool(model.instructionTuned)), ("average", .number(model.average)),
                     ("scores", .object(table.benchmarks.map { ($0, optional(model.scores[$0])) })),
                     ("layers", .object(table.benchmarks.map { ($0, model.layers[$0].map(JSONValue.string) ?? .null) })),
                     ("sources", .object(table.benchmarks.map { ($0, model.sources[$0].map(JSONValue.string) ?? .null) })),
                     ("missing", .array(model.missing.map(JSONValue.string)))])
        })
        func test(_ t: StudyAnalysis.SignedRankTest) -> JSONValue {
            .object([("statistic", .number(t.statistic)), ("p", .number(t.p)), ("method", .string(t.method)),
                     ("pairs", .integer(Int64(t.pairs))), ("non_zero", .integer(Int64(t.nonZero))), ("note", t.note.map(JSONValue.string) ?? .null)])
        }
        return .object([
            ("models", models),
            ("bootstrap", .object([("resamples", .integer(Int64(a.bootstrap.resamples))), ("seed", .integer(Int64(a.bootstrap.seed))), ("level", .number(95))])),
            ("pairs", .array(a.pairs.map { pair in
                .object([("model", .string(pair.model)), ("base", .string(pair.base)),
                         ("changes_percent", .object(a.benchmarks.map { ($0, optional(pair.changes[$0])) })),
                         ("differences", .object(a.benchmarks.map { ($0, optional(pair.differences[$0])) })),
                         ("average_change_percent", .number(pair.averageChange)),
                         ("average_difference", .number(pair.averageDifference)),
                         ("notes", .array(pair.notes.map(JSONValue.string)))])
            })),
            ("mean_changes", .object(a.benchmarks.map { ($0, mean(a.means[$0]!)) } + [("average", mean(a.meanAverage))])),
            ("wilcoxon", test(a.wilcoxon)),
            ("wilcoxon_per_benchmark", .object(a.benchmarks.map { ($0, test(a.wilcoxonPerBenchmark[$0]!)) })),
            ("associations", .array(a.associations.map { s in
                .object([("property", .string(s.property)), ("population", .string(s.population)), ("n", .integer(Int64(s.pearson.n))),
                         ("pearson_r", .number(s.pearson.r)), ("pearson_p", .number(s.pearson.p)), ("pearson_p_bh", .number(s.pearsonPAdjusted)),
                         ("spearman_r", .number(s.spearman.r)), ("spearman_p", .number(s.spearman.p)), ("spearman_p_bh", .number(s.spearmanPAdjusted)),
                         ("note", s.note.map(JSONValue.string) ?? .null)])
            })),
            ("figures", .array(figures.map(JSONValue.string))),
        ])
    }
}

fileprivate extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw layer profiles and per-neuroid r distributions of result files as SVG.",
        discussion: """
            For one or more BrainAlign result files (e.g. several models on one benchmark): \
            score by relative layer depth (0 = first layer, 1 = last), one line per file with \
            a band of +- the median absolute deviation over subjects where the file has \
            per-subject scores, and the noise ceiling as a dashed line; and for each file the \
            distribution of per-neuroid r (mean over splits) at its best layer. Lines are \
            labelled with the model the result was computed from (its `model` attribute), or \
            with --label. Histograms are named after the result files, so two results with \
            the same file name are refused.

            Example:
              brainalign plot t5-xl.nc flan-t5-xl.nc --output figures/
              brainalign plot a/scores.nc b/scores.nc --label T5-XL --label Flan-T5-XL
            """
    )

    @Argument(help: "Result files written by brainalign score.")
    var results: [String]

    @Option(help: ArgumentHelp("Directory for the SVG files; created (after every result file is checked) if missing.", valueName: "dir"))
    var output: String = "."

    @Flag(help: ArgumentHelp("Replace existing figures of the same names (never a result file)."))
    var overwrite = false

    @Option(help: ArgumentHelp("Legend label of each result, in order (default: the result's model, else its file name); give one per result.", valueName: "text"))
    var label: [String] = []

    func run() throws {
        guard !results.isEmpty else { throw ValidationError("give at least one result file") }
        guard label.isEmpty || label.count == results.count else {
            throw ValidationError("give one --label per result file (\(results.count) results, \(label.count) labels)")
        }
        // Read and check every input before the output directory exists: a bad input must
        // not leave an empty (or half-filled) figure folder behind.
        var files: [(path: String, file: ResultFile, best: Int, label: String)] = []
        for (index, path) in results.enumerated() {
            let file: ResultFile
            do { file = try ResultFile(path: path) } catch { throw PlotError("\(error)") }
            guard file.kind == .neural else {
                throw PlotError("\(path): a \(file.kind.rawValue) result has no per-neuroid r to plot; give the neural part files")
            }
            guard let best = bestLayerIndex(file.scores) else { throw PlotError("\(path): no layer has a finite score") }
            let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            files.append((path, file, best, label.isEmpty ? (file.model ?? stem) : label[index]))
        }
        // Labels come from the model; two results of one model (say, two benchmarks) get their part too.
        if label.isEmpty {
            let labels = files.map(\.label)
            for i in files.indices where labels.filter({ $0 == labels[i] }).count > 1 {
                files[i].label += " (\(files[i].file.part ?? URL(fileURLWithPath: files[i].path).deletingPathExtension().lastPathComponent))"
            }
        }
        var series: [Figures.Profile] = [], histograms: [(file: String, svg: String)] = []
        var source: [String: String] = [:]
        for (path, file, best, title) in files {
            // Each histogram is named after its label; two results with one name would overwrite each other.
            let name = title.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }.reduce(into: "") { $0.append($1) }
            if let other = source[name] {
                throw PlotError("\(path): has the same name as \(other) (figure \(name)_r_distribution.svg); give each a --label")
            }
            source[name] = path
            let scores = file.scores
            let spread = try file.subjectScores().map { $0.scores.map { nanMedianAbsoluteDeviation($0) } }
            series.append(Figures.Profile(label: title, scores: scores, ceiling: file.ceiling, spread: spread))
            let r = try file.r(layer: best)
            let perNeuroid = (0..<(r.first?.count ?? 0)).map { v in
                let column = r.map { $0[v] }.filter { !$0.isNaN }
                return column.isEmpty ? Double.nan : column.reduce(0, +) / Double(column.count)
            }
            histograms.append(("\(name)_r_distribution.svg",
                               Figures.histogram(perNeuroid, title: "\(title): r per neuroid at \(file.layers[best]) (layer \(best + 1) of \(scores.count))",
                                                 xLabel: "held-out r (mean over splits)")))
        }
        let directory = try OutputDirectory(output)
        let written = try directory.publish {
            try histograms.map { try directory.stage($0.svg, as: $0.file, overwrite: overwrite, inputs: results) }
                + [try directory.stage(Figures.layerProfile(series, title: "Score by relative layer depth"), as: "layer_profile.svg",
                                       overwrite: overwrite, inputs: results)]
        }
        for file in written { print("wrote \(file)") }
    }
}

/// A plot input error: one line naming the file (a ValidationError would add the usage text).
struct PlotError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
