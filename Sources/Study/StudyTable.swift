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
    /// Per benchmark read from result files: the best layer the score is from, and the cell.
    public var layers: [String: String] = [:]
    public var sources: [String: String] = [:]
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
    /// The table and every result file its cells name (resolved): an output must be none of them.
    public var inputPaths: [String] {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        return [path] + models.flatMap { $0.sources.values }.flatMap { raw in
            raw.split(separator: ";").map { Self.resolve($0.trimmingCharacters(in: .whitespaces), relativeTo: directory) }
        }
    }

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
        if let repeated = header.first(where: { name in header.filter { $0 == name }.count > 1 }) {
            throw StudyError("\(path): line \(records[0].line): column '\(repeated)' appears twice")
        }
        let rows: [WideRow]
        if Self.isSummary(header) {
            (benchmarks, rows) = try Self.pivot(records, header: header, path: path, allowMissing: allowMissing)
        } else {
            for required in ["model", "base_model", "instruction_tuned"] where !header.contains(required) {
                throw StudyError("\(path): no '\(required)' column (columns: \(header.joined(separator: ", ")))")
            }
            let columns = header.filter { !Self.metadata.contains($0) }
            benchmarks = columns
            rows = try records.dropFirst().filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }.map { record in
                guard record.fields.count == header.count else {
                    throw StudyError("\(path): line \(record.line) has \(record.fields.count) fields, the header \(header.count)")
                }
                let field = Dictionary(uniqueKeysWithValues: zip(header, record.fields.map { $0.trimmingCharacters(in: .whitespaces) }))
                return WideRow(line: record.line, field: field,
                               cellContext: Dictionary(uniqueKeysWithValues: columns.map { ($0, "\(path): line \(record.line), column '\($0)'") }))
            }
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        var models: [StudyModel] = []
        var lineOfModel: [String: Int] = [:]
        for row in rows {
            let (line, field) = (row.line, row.field)
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
            var scores: [String: Double] = [:], missing: [String] = [], layers: [String: String] = [:], sources: [String: String] = [:]
            for benchmark in benchmarks {
                let raw = field[benchmark] ?? ""
                let context = row.cellContext[benchmark] ?? "\(path): line \(line), column '\(benchmark)'"
                if raw.isEmpty {
                    guard allowMissing else {
                        throw StudyError("\(context): empty cell (give a score or result file; --allow-missing leaves such benchmarks out of the model's pairs)")
                    }
                    missing.append(benchmark)
                    continue
                }
                let cell = try Self.score(raw, relativeTo: directory, context: context, column: benchmark)
                scores[benchmark] = cell.score
                if let layer = cell.layer { layers[benchmark] = layer }
                if Double(raw) == nil { sources[benchmark] = raw }
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
                loss: try number("nwp_loss") ?? number("loss"), line: line, missing: missing, layers: layers, sources: sources))
        }
        guard !models.isEmpty else {
            throw StudyError("\(path): no models" + (families.map { " in families \($0.sorted().joined(separator: ", "))" } ?? ""))
        }
        self.models = models
    }

    /// A benchmark cell: a finite number, or result files that exist, hold a result of the
    /// column's benchmark and a finite best score. Anything else is an error naming the
    /// cell, never a NaN that slips into a mean. Returns the score and, for files, the layer.
    static func score(_ raw: String, relativeTo directory: URL, context: String, column: String) throws -> (score: Double, layer: String?) {
        if let value = Double(raw) {
            guard value.isFinite else { throw StudyError("\(context): '\(raw)' is not a finite score") }
            return (value, nil)
        }
        let paths = raw.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for piece in paths {
            var isDirectory: ObjCBool = false
            let within = paths.count > 1 ? " (in '\(raw)')" : ""
            guard !piece.isEmpty else { throw StudyError("\(context): an empty path in '\(raw)'") }
            let resolved = resolve(piece, relativeTo: directory)
            guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) else {
                throw StudyError("\(context): '\(piece)'\(within) is not a number, and no result file \(resolved) exists")
            }
            guard !isDirectory.boolValue else { throw StudyError("\(context): '\(piece)'\(within) is a directory, not a result file") }
        }
        let best: (score: Double, layer: String?)
        do {
            best = try bestScore(paths: paths, relativeTo: directory, context: context, column: column)
        } catch let error as StudyError {
            throw error
        } catch {
            throw StudyError("\(context): \(error)")
        }
        guard best.score.isFinite else { throw StudyError("\(context): no layer of '\(raw)' has a finite score") }
        return best
    }

    static func resolve(_ raw: String, relativeTo directory: URL) -> String {
        raw.hasPrefix("/") ? raw : directory.appendingPathComponent(raw).path
    }

    /// Whether a result of `benchmark` (or of its `part`) belongs in the study column
    /// `column`: the same name, or the same dataset (the name up to its first '.' or '-',
    /// ignoring case), so a `pereira2018` column takes Pereira2018 and its experiments, and
    /// a `blank2014` column refuses a Pereira2018 file.
    public static func belongs(benchmark: String, part: String?, in column: String) -> Bool {
        func dataset(_ name: String) -> String { String(name.lowercased().prefix { $0 != "." && $0 != "-" }) }
        let target = column.lowercased()
        return [benchmark, part].compactMap { $0 }.contains { name in
            name.lowercased() == target || dataset(name) == target || dataset(name) == dataset(column) && !dataset(column).isEmpty
        }
    }

    /// Best layer of the per-layer mean over result files, read through the one result
    /// schema (`ResultFile`): a file of another layout, a ceiling file, or a result of
    /// another benchmark than the column's is refused.
    static func bestScore(paths: [String], relativeTo directory: URL, context: String, column: String) throws -> (score: Double, layer: String?) {
        var perLayer: [[Double]] = [], names: [String] = []
        for raw in paths {
            let file: ResultFile
            do { file = try ResultFile(path: resolve(raw, relativeTo: directory)) } catch {
                throw StudyError("\(context): \(error)")
            }
            guard file.kind != .ceiling else { throw StudyError("\(context): \(file.path) is a ceiling file, not a score") }
            guard belongs(benchmark: file.benchmark, part: file.part, in: column) else {
                let what = file.part.map { $0 == file.benchmark ? file.benchmark : "\(file.benchmark) (\($0))" } ?? file.benchmark
                throw StudyError("\(context): \(file.path) holds a \(what) result, not \(column)")
            }
            perLayer.append(file.scores)
            if names.isEmpty { names = file.layers }
        }
        guard let layers = perLayer.first?.count, perLayer.allSatisfy({ $0.count == layers }) else {
            throw StudyError("\(context): the result files have different numbers of layers")
        }
        let mean = (0..<layers).map { l in perLayer.map { $0[l] }.reduce(0, +) / Double(perLayer.count) }
        guard let best = bestLayerIndex(mean) else { return (.nan, nil) }
        return (mean[best], best < names.count ? names[best] : nil)
    }
}

/// A table row in the wide form (one model, one column per benchmark), and where each
/// benchmark cell came from, for errors.
struct WideRow {
    var line: Int
    var field: [String: String]
    var cellContext: [String: String]
}

extension StudyTable {
    /// `brainalign run`'s summary.csv: one row per model x benchmark.
    static func isSummary(_ header: [String]) -> Bool {
        ["model", "benchmark", "status", "result_file"].allSatisfy(header.contains)
    }

    /// The summary pivoted to one row per model: its metadata (the same on each of its
    /// rows), and per benchmark the result file of a finished step (a failed step is an
    /// empty cell, named with its failure).
    static func pivot(_ records: [StudyCSV.Record], header: [String], path: String, allowMissing: Bool) throws -> ([String], [WideRow]) {
        let modelColumns = ["model", "family", "base_model", "instruction_tuned", "parameters"]
        for required in modelColumns + ["benchmark"] where !header.contains(required) {
            throw StudyError("\(path): no '\(required)' column (columns: \(header.joined(separator: ", ")))")
        }
        var benchmarks: [String] = [], rows: [WideRow] = [], index: [String: Int] = [:]
        for record in records.dropFirst() where !(record.fields.count == 1 && record.fields[0].isEmpty) {
            guard record.fields.count == header.count else {
                throw StudyError("\(path): line \(record.line) has \(record.fields.count) fields, the header \(header.count)")
            }
            let field = Dictionary(uniqueKeysWithValues: zip(header, record.fields.map { $0.trimmingCharacters(in: .whitespaces) }))
            let model = field["model"] ?? "", benchmark = field["benchmark"] ?? ""
            guard !benchmark.isEmpty else { throw StudyError("\(path): line \(record.line), column 'benchmark': empty cell") }
            guard !metadata.contains(benchmark) else {
                throw StudyError("\(path): line \(record.line), column 'benchmark': '\(benchmark)' is the name of a table column, not a benchmark")
            }
            if !benchmarks.contains(benchmark) { benchmarks.append(benchmark) }
            let at: Int
            if let known = index[model] {
                at = known
                for column in modelColumns where rows[at].field[column] != field[column] {
                    throw StudyError("\(path): line \(record.line), column '\(column)': '\(field[column] ?? "")' differs from line \(rows[at].line)'s '\(rows[at].field[column] ?? "")' for model '\(model)'")
                }
            } else {
                at = rows.count
                index[model] = at
                rows.append(WideRow(line: record.line, field: field.filter { modelColumns.contains($0.key) }, cellContext: [:]))
            }
            let context = "\(path): line \(record.line), column 'result_file' (\(model) x \(benchmark))"
            if rows[at].cellContext[benchmark] != nil {
                throw StudyError("\(path): line \(record.line): \(model) x \(benchmark) appears twice")
            }
            rows[at].cellContext[benchmark] = context
            let status = field["status"] ?? ""
            if status == "done" {
                rows[at].field[benchmark] = field["result_file"] ?? ""
            } else if !allowMissing {
                let why = (field["message"] ?? "").isEmpty ? "status '\(status)'" : field["message"]!
                throw StudyError("\(path): line \(record.line): \(model) x \(benchmark) did not finish (\(why)); --allow-missing leaves it out")
            }
        }
        return (benchmarks, rows)
    }
}
