import Benchmarks
import Encoding
import Foundation
import HDF5
import Scoring

/// The run's summary: one tidy row per model x benchmark, as `summary.csv` (what `study`
/// reads) and `summary.nc` (the same columns along a `row` dimension, for xarray/pandas).
public enum RunSummary {
    /// Column order of both files; docs/workflow.md says what each holds.
    public static let columns = ["model", "model_id", "revision", "family", "base_model", "instruction_tuned", "parameters",
                                 "benchmark", "status", "best_layer", "best_layer_index", "layers", "relative_depth", "score",
                                 "ceiling", "normalized_score", "subject_spread", "subjects", "neuroids", "result_file", "message"]
    static let numeric: Set<String> = ["parameters", "best_layer_index", "layers", "relative_depth", "score", "ceiling",
                                       "normalized_score", "subject_spread", "subjects", "neuroids"]

    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "" }

    /// The model's columns of a row.
    static func modelColumns(_ model: RunPlan.Model) -> [String: String] {
        ["model": model.name, "model_id": model.id, "revision": model.revision ?? "", "family": model.family,
         "base_model": model.baseModel, "instruction_tuned": model.instructionTuned ? "true" : "false",
         "parameters": model.parameters.map(number) ?? ""]
    }

    /// The scored columns of a finished benchmark run: the headline (the combination, or
    /// the one part) at its best layer.
    static func scoreColumns(_ result: BenchmarkResult, resultFile: String) -> [String: String] {
        let headline = result.headline
        var row: [String: String] = ["status": "done", "result_file": resultFile, "layers": String(headline.layers.count),
                                     "neuroids": String(headline.neuroids), "message": ""]
        guard let best = headline.bestLayer else {
            row["message"] = "no layer has a defined score"
            return row
        }
        let layer = headline.layers[best]
        row["best_layer"] = layer.name
        row["best_layer_index"] = String(best)
        // Position among the scored layers; a single predictor (Futrell's surprisal) has no depth.
        row["relative_depth"] = headline.layers.count > 1 ? number(Double(best) / Double(headline.layers.count - 1)) : ""
        row["score"] = number(layer.score)
        if let ceiling = headline.ceiling {
            row["ceiling"] = number(ceiling)
            row["normalized_score"] = number(NormalizedScore(score: layer.score, ceiling: ceiling)?.clipped ?? .nan)
        } else if result.combined != nil, result.parts.allSatisfy({ $0.ceiling != nil }) {
            // Pereira2018: each experiment normalised by its own ceiling at the combined best
            // layer, then averaged (the combination itself has no single ceiling).
            let values = result.parts.map { NormalizedScore(score: $0.layers[best].score, ceiling: $0.ceiling)?.clipped ?? .nan }
            row["normalized_score"] = number(values.reduce(0, +) / Double(values.count))
        }
        let (subjects, spread) = subjectSpread(result, layer: best)
        row["subjects"] = subjects > 0 ? String(subjects) : ""
        row["subject_spread"] = subjects > 0 ? number(spread) : ""
        return row
    }

    /// Median absolute deviation over subjects at the best layer: the headline's subject
    /// scores, or (parts that are not subjects, e.g. Pereira2018's experiments) each
    /// subject's mean over the parts that have it.
    static func subjectSpread(_ result: BenchmarkResult, layer: Int) -> (Int, Double) {
        let headline = result.headline.layers[layer]
        if !headline.subjectScores.isEmpty { return (headline.subjectScores.count, headline.subjectMAD) }
        var perSubject: [String: [Double]] = [:], order: [String] = []
        for part in result.parts where layer < part.layers.count {
            for (subject, score) in part.layers[layer].subjectScores where score.isFinite {
                if perSubject[subject] == nil { order.append(subject) }
                perSubject[subject, default: []].append(score)
            }
        }
        guard !order.isEmpty else { return (0, .nan) }
        let means = order.map { s in perSubject[s]!.reduce(0, +) / Double(perSubject[s]!.count) }
        return (means.count, nanMedianAbsoluteDeviation(means))
    }

    /// Writes both files atomically (each appears whole, replacing the previous run's).
    static func write(_ rows: [[String: String]], folder: RunFolder) throws {
        var csv = columns.joined(separator: ",") + "\n"
        for row in rows { csv += columns.map { csvField(row[$0] ?? "") }.joined(separator: ",") + "\n" }
        try writeAtomically(Data(csv.utf8), to: folder.summaryCSV)

        let writer = try NetCDFWriter(path: folder.summaryNC, overwrite: true)
        do {
            try writer.setAttribute("title", .strings(["BrainAlign run summary: one row per model x benchmark"]))
            try writer.setAttribute("brainalign_version", .strings([BrainAlignFormat.version]))
            try writer.defineDimension("row", values: .int64(rows.indices.map { Int64($0) }))
            for column in columns {
                let values: HDF5Values = numeric.contains(column)
                    ? .float64(rows.map { Double($0[column] ?? "") ?? .nan })
                    : .strings(rows.map { $0[column] ?? "" })
                try writer.addVariable(column, dimensions: ["row"], values: values)
            }
            _ = try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
    }

    static func csvField(_ value: String) -> String {
        value.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}
