import Foundation

/// Where a run keeps its files inside the plan's output folder (docs/workflow.md):
///
///     .brainalign-run                 marks a folder this command made (others are refused)
///     activations/<model>/<readout>.nc
///     results/<model>/<benchmark>.nc  (+ <benchmark>.<part>.nc for multi-part benchmarks)
///     ceilings/<benchmark>.nc         (ceilings the plan asked to compute)
///     steps/<model>/<kind>.<name>.json  one record per finished step (steps/ceiling.<benchmark>.json)
///     logs/<model>.extract.log        the extractor's messages
///     summary.csv, summary.nc
public struct RunFolder: Sendable {
    public static let marker = ".brainalign-run"
    public let root: URL

    public init(_ path: String) { root = URL(fileURLWithPath: path) }

    func path(_ components: String...) -> String { components.reduce(root) { $0.appendingPathComponent($1) }.path }

    func activations(_ model: RunPlan.Model, _ readout: String) -> String { path("activations", model.folder, "\(readout).nc") }
    func result(_ model: RunPlan.Model, _ benchmark: String) -> String { path("results", model.folder, "\(benchmark).nc") }
    func ceiling(_ benchmark: String) -> String { path("ceilings", "\(benchmark).nc") }
    func record(_ model: RunPlan.Model, kind: String, _ name: String) -> String { path("steps", model.folder, "\(kind).\(name).json") }
    func ceilingRecord(_ benchmark: String) -> String { path("steps", "ceiling.\(benchmark).json") }
    func log(_ model: RunPlan.Model) -> String { path("logs", "\(model.folder).extract.log") }
    public var summaryCSV: String { path("summary.csv") }
    public var summaryNC: String { path("summary.nc") }

    /// A path relative to the folder (what the summary records, so the folder can move).
    func relative(_ path: String) -> String {
        let prefix = root.standardizedFileURL.path + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// Creates the folder and its subfolders, and the marker.
    func prepare(models: [RunPlan.Model]) throws {
        let manager = FileManager.default
        do {
            for model in models {
                for sub in ["activations", "results", "steps"] {
                    try manager.createDirectory(atPath: path(sub, model.folder), withIntermediateDirectories: true)
                }
            }
            for sub in ["ceilings", "logs"] { try manager.createDirectory(atPath: path(sub), withIntermediateDirectories: true) }
            if !manager.fileExists(atPath: path(Self.marker)) {
                try writeAtomically(Data("{\"made_by\": \"brainalign run\"}\n".utf8), to: path(Self.marker))
            }
        } catch let error as RunError {
            throw error
        } catch {
            throw RunError("\(root.path): cannot create the run's folders (\(error.localizedDescription))")
        }
    }
}

/// Writes `data` to a hidden temporary file beside `path`, then renames it over `path`: a
/// reader sees the old file or the new one, never half of one.
func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    guard FileManager.default.createFile(atPath: temporary, contents: data) else {
        throw RunError("\(path): cannot write (\(String(cString: strerror(errno))))")
    }
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(atPath: temporary)
        throw RunError("\(path): cannot rename the finished file into place (\(reason))")
    }
}

/// What a finished step was computed from (ordered key/value pairs, compared key by key on
/// resume) and, for a scoring step, its summary row.
struct StepRecord {
    var provenance: [(String, String)]
    var row: [String: String] = [:]
    var seconds: Double = 0

    func write(to path: String) throws {
        let object: [String: Any] = [
            "provenance": provenance.map { [$0.0, $0.1] },
            "row": row,
            "seconds": seconds,
            "finished": ISO8601DateFormatter().string(from: Date()),
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try writeAtomically(data, to: path)
    }

    /// The record at `path`; nil if there is none. An unreadable record is an error: it
    /// would otherwise look like a step never run and be redone over its files.
    static func read(_ path: String) throws -> StepRecord? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let pairs = object["provenance"] as? [[String]] else {
            throw RunError("\(path): unreadable step record (remove it to redo the step)")
        }
        return StepRecord(provenance: pairs.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil },
                          row: object["row"] as? [String: String] ?? [:], seconds: object["seconds"] as? Double ?? 0)
    }

    /// The first difference between what was recorded and what the step would use now.
    func mismatch(_ current: [(String, String)]) -> String? {
        let recorded = Dictionary(provenance, uniquingKeysWith: { a, _ in a })
        for (key, value) in current where recorded[key] != value {
            return "\(key) was '\(Self.short(recorded[key] ?? "<not recorded>"))', now '\(Self.short(value))'"
        }
        let now = Set(current.map(\.0))
        if let extra = provenance.first(where: { !now.contains($0.0) }) { return "\(extra.0) was recorded, now not applicable" }
        return nil
    }

    static func short(_ value: String) -> String { value.count > 60 ? String(value.prefix(57)) + "..." : value }
}
