import Foundation
import HDF5
import Scoring

/// One row of a study table: a model and its scores.
public struct StudyModel: Sendable {
    public var name: String
    public var family: String
    public var baseModel: String
    public var instructionTuned: Bool
    public var parameters: Double?
    /// Per benchmark column, the brain-alignment score (best layer, raw r).
    public var scores: [String: Double]
    /// `average` from the table, or the mean of the benchmark scores; NaN when a benchmark
    /// is missing and the table gives no average (a mean over fewer benchmarks would not
    /// compare with the other models' means).
    public var average: Double
    public var mmlu: Double?
    public var bbh: Double?
    public var loss: Double?
    /// The table line the model is on, so later errors can point at it.
    public var line: Int
    /// Benchmarks whose cell was left empty (only when the table was read with `allowMissing`).
    public var missing: [String]
}

public struct StudyError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Reads a study table (CSV, one row per model). Required columns: `model`, `base_model`,
/// `instruction_tuned` (true/false); optional: `family`, `parameters`, `average`, `mmlu`,
/// `bbh`, `nwp_loss` (or `loss`), `layers` (ignored). Every other column is a benchmark:
/// a number, or the path of a BrainAlign result file (best layer's score), or several paths
/// joined by `;` (per-layer mean over the files, then the best layer: Pereira2018's two
/// experiments, Wehbe2014's subjects). Relative paths are relative to the table.
///
/// Every benchmark cell must be filled: an empty cell is an error unless `allowMissing`,
/// which records it in `StudyModel.missing` instead. Optional metadata cells may be empty.
public struct StudyTable: Sendable {
    public var path: String
    public var benchmarks: [String]
    public var models: [StudyModel]

    static let metadata: Set<String> = ["model", "family", "base_model", "instruction_tuned", "parameters", "layers",
                                        "average", "mmlu", "bbh", "nwp_loss", "loss"]

    public init(path: String, families: Set<String>? = nil, allowMissing: Bool = false) throws {
        self.path = path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StudyError("\(path): cannot read the study table")
        }
        let records = StudyCSV.parse(text)
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw StudyError("\(path): empty table")
        }
        for required in ["model", "base_model", "instruction_tuned"] where !header.contains(required) {
            throw StudyError("\(path): no '\(required)' column (columns: \(header.joined(separator: ", ")))")
        }
        if let repeated = header.first(where: { name in header.filter { $0 == name }.count > 1 }) {
            throw StudyError("\(path): line \(records[0].line): column '\(repeated)' appears twice")
        }
        benchmarks = header.filter { !Self.metadata.contains($0) }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        var models: [StudyModel] = []
        var lineOfModel: [String: Int] = [:]
        for record in records.dropFirst() where !(record.fields.count == 1 && record.fields[0].isEmpty) {
            let line = record.line
            guard record.fields.count == header.count else {
                throw StudyError("\(path): line \(line) has \(record.fields.count) fields, the header \(header.count)")
            }
            let field = Dictionary(uniqueKeysWithValues: zip(header, record.fields.map { $0.trimmingCharacters(in: .whitespaces) }))
            let name = field["model"] ?? ""
            guard !name.isEmpty else { throw StudyError("\(path): line \(line), column 'model': empty cell") }
            // A model listed twice would be counted twice in every mean and test.
            if let first = lineOfModel[name] {
                throw StudyError("\(path): model '\(name)' is on line \(first) and again on line \(line)")
            }
            lineOfModel[name] = line
            let family = field["family"] ?? ""
            if let families, !families.contains(family) { continue }
            func number(_ key: String) throws -> Double? {
                guard let raw = field[key], !raw.isEmpty else { return nil }
                guard let value = Double(raw) else { throw StudyError("\(path): line \(line), column '\(key)': '\(raw)' is not a number") }
                guard value.isFinite else { throw StudyError("\(path): line \(line), column '\(key)': '\(raw)' is not a finite number") }
                return value
            }
            var scores: [String: Double] = [:], missing: [String] = []
            for benchmark in benchmarks {
                let raw = field[benchmark] ?? ""
                let context = "\(path): line \(line), column '\(benchmark)'"
                if raw.isEmpty {
                    guard allowMissing else {
                        throw StudyError("\(context): empty cell (give a score or result file; --allow-missing leaves such benchmarks out of the model's pairs)")
                    }
                    missing.append(benchmark)
                    continue
                }
                scores[benchmark] = try Self.score(raw, relativeTo: directory, context: context)
            }
            let tuned = (field["instruction_tuned"] ?? "").lowercased()
            guard ["true", "false", "1", "0", "yes", "no"].contains(tuned) else {
                throw StudyError("\(path): line \(line), column 'instruction_tuned': must be true or false, got '\(tuned)'")
            }
            let parameters = try number("parameters")
            if let parameters, parameters <= 0 {
                throw StudyError("\(path): line \(line), column 'parameters': '\(field["parameters"]!)' is not a positive parameter count")
            }
            // Summed in column order, so the average does not depend on dictionary order.
            let computed = scores.isEmpty || !missing.isEmpty ? Double.nan
                : benchmarks.compactMap { scores[$0] }.reduce(0, +) / Double(scores.count)
            models.append(StudyModel(
                name: name, family: family, baseModel: field["base_model"] ?? "",
                instructionTuned: ["true", "1", "yes"].contains(tuned), parameters: parameters,
                scores: scores, average: try number("average") ?? computed, mmlu: try number("mmlu"), bbh: try number("bbh"),
                loss: try number("nwp_loss") ?? number("loss"), line: line, missing: missing))
        }
        guard !models.isEmpty else {
            throw StudyError("\(path): no models" + (families.map { " in families \($0.sorted().joined(separator: ", "))" } ?? ""))
        }
        self.models = models
    }

    /// A benchmark cell: a finite number, or result files that exist and hold a finite best
    /// score. Anything else is an error naming the cell, never a NaN that slips into a mean.
    static func score(_ raw: String, relativeTo directory: URL, context: String) throws -> Double {
        if let value = Double(raw) {
            guard value.isFinite else { throw StudyError("\(context): '\(raw)' is not a finite score") }
            return value
        }
        let paths = raw.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for piece in paths {
            var isDirectory: ObjCBool = false
            guard !piece.isEmpty, FileManager.default.fileExists(atPath: resolve(piece, relativeTo: directory), isDirectory: &isDirectory),
                  !isDirectory.boolValue else {
                let within = paths.count > 1 ? " (in '\(raw)')" : ""
                throw StudyError("\(context): '\(piece)'\(within) is neither a number nor a result file path")
            }
        }
        let best: Double
        do {
            best = try bestScore(paths: paths, relativeTo: directory, context: context)
        } catch let error as StudyError {
            throw error
        } catch {
            throw StudyError("\(context): \(error)")
        }
        guard best.isFinite else { throw StudyError("\(context): no layer of '\(raw)' has a finite score") }
        return best
    }

    static func resolve(_ raw: String, relativeTo directory: URL) -> String {
        raw.hasPrefix("/") ? raw : directory.appendingPathComponent(raw).path
    }

    /// Best layer of the per-layer mean over result files, read through the one result
    /// schema (`ResultFile`): a file of another layout or a ceiling file is refused.
    static func bestScore(paths: [String], relativeTo directory: URL, context: String) throws -> Double {
        var perLayer: [[Double]] = []
        for raw in paths {
            let file: ResultFile
            do { file = try ResultFile(path: resolve(raw, relativeTo: directory)) } catch {
                throw StudyError("\(context): \(error)")
            }
            guard file.kind != .ceiling else { throw StudyError("\(context): \(file.path) is a ceiling file, not a score") }
            perLayer.append(file.scores)
        }
        guard let layers = perLayer.first?.count, perLayer.allSatisfy({ $0.count == layers }) else {
            throw StudyError("\(context): the result files have different numbers of layers")
        }
        let mean = (0..<layers).map { l in perLayer.map { $0[l] }.reduce(0, +) / Double(perLayer.count) }
        return bestLayerIndex(mean).map { mean[$0] } ?? .nan
    }
}
