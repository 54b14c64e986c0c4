import Benchmarks
import Encoding
import Foundation
import Scoring

/// Renders any benchmark's result for the terminal or as JSON: one renderer, since every
/// benchmark reports the same shape (parts of layer scores, and a combination).
enum ScoreReport {
    static func text(_ result: BenchmarkResult) -> String {
        var lines = ["benchmark: \(result.benchmark)"]
        for part in result.parts {
            lines.append("")
            if result.parts.count > 1 || part.name != result.benchmark { lines.append("== \(part.name)") }
            lines += table(part)
        }
        if let combined = result.combined {
            lines.append("")
            lines.append("== \(combined.name): mean over \(result.parts.map(\.name).joined(separator: ", "))")
            lines += table(combined, combination: true)
        }
        return lines.joined(separator: "\n")
    }

    static func table(_ part: PartResult, combination: Bool = false) -> [String] {
        let nameWidth = max(5, part.layers.map(\.name.count).max() ?? 0)
        let normalizedColumn = part.ceiling != nil
        var lines: [String] = []
        if !combination {
            lines.append("\(part.stimuli) stimuli x \(part.neuroids) neuroids, \(part.layers.first?.splitScores.count ?? 0) splits; \(part.plan)")
            lines.append("")
        }
        var header = "layer".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "   score" + (normalizedColumn ? "  normalized" : "")
        if !combination { header += "   min split  max split  NaN splits  undefined" }
        lines.append(header)
        for (index, layer) in part.layers.enumerated() {
            var line = layer.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + String(format: "  %7.4f", layer.score)
            if normalizedColumn { line += String(format: "  %10.4f", part.normalized(layer)?.clipped ?? .nan) }
            if !combination {
                // min/max over the defined splits; the NaN ones are counted beside them.
                let defined = layer.splitScores.filter { !$0.isNaN }
                line += String(format: "   %8.4f   %8.4f  %10d  %9d", defined.min() ?? .nan, defined.max() ?? .nan, layer.undefinedSplits, layer.undefinedNeuroids)
            }
            if layer.undefinedReason != nil { line += "  (undefined layer)" }
            lines.append(line + (index == part.bestLayer ? "  <- best" : ""))
        }
        lines.append("")
        if let bestIndex = part.bestLayer {
            let best = part.layers[bestIndex]
            var line = String(format: "best layer: %@ (score %.4f", best.name, best.score)
            if let ceiling = part.ceiling, let normalized = part.normalized(best) {
                line += String(format: "; ceiling %.4f; normalized %.4f, unclipped %.4f", ceiling, normalized.clipped, normalized.unclipped)
            }
            lines.append(line + ")")
            if !best.subjectScores.isEmpty {
                lines.append("  per subject: " + best.subjectScores.map { String(format: "%@ %.4f", $0.subject, $0.score) }.joined(separator: ", ")
                             + String(format: "; MAD %.4f", best.subjectMAD))
            }
        } else {
            lines.append("best layer: none (no layer has a defined score)")
        }
        for (name, values) in part.details {
            lines.append("\(name): " + values.map { String(format: "%.4g", $0) }.joined(separator: ", "))
        }
        lines += part.warnings.map { "warning: \($0)" }
        lines.append(String(format: "wrote %@ in %.1f s", part.outputPath, part.seconds))
        return lines
    }

    static func json(_ result: BenchmarkResult) -> JSONValue {
        .object([
            ("benchmark", .string(result.benchmark)),
            ("parts", .array(result.parts.map(json))),
            ("combined", result.combined.map(json) ?? .null),
            // The benchmark's own numbers, whichever of the two holds them.
            ("best_layer", result.headline.bestLayer.map { .string(result.headline.layers[$0].name) } ?? .null),
            ("score", result.headline.bestLayer.map { .number(result.headline.layers[$0].score) } ?? .null),
            ("output", .string(result.headline.outputPath)),
        ])
    }

    static func json(_ part: PartResult) -> JSONValue {
        .object([
            ("name", .string(part.name)),
            ("output", .string(part.outputPath)),
            ("stimuli", .integer(Int64(part.stimuli))),
            ("neuroids", .integer(Int64(part.neuroids))),
            ("ceiling", part.ceiling.map(JSONValue.number) ?? .null),
            ("best_layer", part.bestLayer.map { .string(part.layers[$0].name) } ?? .null),
            ("seconds", .number(part.seconds)),
            ("plan", .string(part.plan)),
            ("layers", .array(part.layers.map { layer in
                let normalized = part.normalized(layer)
                return .object([
                    ("name", .string(layer.name)),
                    ("score", .number(layer.score)),
                    ("normalized", normalized.map { .number($0.clipped) } ?? .null),
                    ("normalized_unclipped", normalized.map { .number($0.unclipped) } ?? .null),
                    ("split_scores", .array(layer.splitScores.map(JSONValue.number))),
                    ("nan_splits", .integer(Int64(layer.undefinedSplits))),
                    ("undefined_neuroids", .integer(Int64(layer.undefinedNeuroids))),
                    ("undefined_reason", layer.undefinedReason.map(JSONValue.string) ?? .null),
                    ("subject_scores", .object(layer.subjectScores.map { ($0.subject, .number($0.score)) })),
                    ("subject_mad", layer.subjectScores.isEmpty ? .null : .number(layer.subjectMAD)),
                ])
            })),
            ("details", .object(part.details.map { ($0.name, .array($0.values.map(JSONValue.number))) })),
            ("warnings", .array(part.warnings.map(JSONValue.string))),
        ])
    }
}
