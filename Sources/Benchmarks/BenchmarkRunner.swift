import Foundation
import HDF5
import Scoring

/// Runs any benchmark the same way: build (and so validate) every part, check every
/// destination, score the parts, write the combination.
public enum BenchmarkRunner {
    public static func run(_ benchmark: any Benchmark, settings: RunSettings, observer: RunObserver = .silent) throws -> BenchmarkResult {
        let parts = try benchmark.parts(settings: settings)
        let combinedPath = parts.count > 1 ? settings.outputPath : nil
        try checkDestinations(parts.map(\.outputPath) + (combinedPath.map { [$0] } ?? []), overwrite: settings.overwrite)
        var results: [PartResult] = []
        for part in parts {
            results.append(try part.score(settings: settings, observer: observer))
        }
        var combined: PartResult? = nil
        if let combinedPath, let combination = benchmark.combine(results, outputPath: combinedPath) {
            try SummaryResultWriter.writeCombined(combination, parts: results, overwrite: settings.overwrite,
                                                  provenance: Provenance(benchmark: benchmark.name, settings: settings),
                                                  description: benchmark.combination)
            combined = combination
        }
        return BenchmarkResult(benchmark: benchmark.name, parts: results, combined: combined)
    }

    /// Where part `part` of a multi-part run with output `base` goes: `STEM.<part>.nc`.
    public static func partPath(_ part: String, base: String) -> String {
        let stem = base.hasSuffix(".nc") ? String(base.dropLast(3)) : base
        let safe = part.map { $0 == "/" ? "_" : $0 }
        return "\(stem).\(String(safe)).nc"
    }

    /// Refuses, before any work, destinations that exist (without overwrite) or that are
    /// directories, naming each.
    static func checkDestinations(_ paths: [String], overwrite: Bool) throws {
        var seen = Set<String>()
        for path in paths {
            guard seen.insert(path).inserted else { throw ScoringError("two parts of this run would write \(path)") }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                throw ScoringError("\(path) is a directory; the output must be a file path (nothing was written)")
            }
            if !overwrite {
                throw ScoringError("\(path) already exists; use --overwrite to replace it (nothing was written)")
            }
        }
    }
}
