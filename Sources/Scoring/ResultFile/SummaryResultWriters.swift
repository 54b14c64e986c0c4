import Encoding
import Foundation
import HDF5

/// Result files that hold summaries only: a behavioural benchmark's score, and the
/// combination of a multi-part benchmark. Same schema, same provenance, same summary
/// variables as a neural part (docs/formats.md). Each is returned staged, for the runner
/// to publish with the rest of the result.
public enum SummaryResultWriter {
    /// A behavioural result (Futrell2018): `score (layer)` with one "layer" per scored
    /// predictor (the surprisal), `subject_score (layer, per_subject)`, normalised scores,
    /// and the protocol's own numbers as attributes.
    public static func writeBehavioural(_ result: PartResult, overwrite: Bool, provenance: Provenance,
                                        protocolAttributes: [(name: String, value: HDF5Values)]) throws -> StagedFile {
        let writer = try NetCDFWriter(path: result.outputPath, overwrite: overwrite)
        do {
            try ResultSchema.stamp(writer, kind: .behavioural, title: "BrainAlign behavioural scoring result")
            try writer.defineDimension(ResultSchema.layer, values: .strings(result.layers.map(\.name)))
            try writer.setAttribute("part", .strings([result.name]))
            for (name, value) in protocolAttributes { try writer.setAttribute(name, value) }
            try provenance.write(to: writer)
            try ResultSummary.write(result, into: writer, splitScores: false)
        } catch {
            writer.discard()
            throw error
        }
        return try writer.close()
    }

    /// A multi-part benchmark's combination: `score (layer)`, `part_score (part, layer)`,
    /// `part_file (part)` naming each part's own result file, and the benchmark's ceiling
    /// and normalised scores when it has one.
    public static func writeCombined(_ combined: PartResult, parts: [PartResult], overwrite: Bool, provenance: Provenance,
                                     description: String) throws -> StagedFile {
        let writer = try NetCDFWriter(path: combined.outputPath, overwrite: overwrite)
        do {
            try ResultSchema.stamp(writer, kind: .combined, title: "BrainAlign combined benchmark result")
            try writer.defineDimension(ResultSchema.layer, values: .strings(combined.layers.map(\.name)))
            try writer.defineDimension(ResultSchema.part, values: .strings(parts.map(\.name)))
            try writer.addVariable("part_score", dimensions: [ResultSchema.part, ResultSchema.layer],
                                   values: .float64(parts.flatMap { $0.layers.map(\.score) }),
                                   attributes: ["long_name": .strings(["each part's own score per layer"])])
            try writer.addVariable("part_file", dimensions: [ResultSchema.part],
                                   values: .strings(parts.map { URL(fileURLWithPath: $0.outputPath).lastPathComponent }),
                                   attributes: ["long_name": .strings(["each part's result file (beside this one)"])])
            try writer.setAttribute("combination", .strings([description]))
            try provenance.write(to: writer)
            try ResultSummary.write(combined, into: writer, splitScores: false)
        } catch {
            writer.discard()
            throw error
        }
        return try writer.close()
    }
}
