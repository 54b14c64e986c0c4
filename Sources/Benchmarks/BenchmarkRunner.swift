import Foundation
import HDF5
import Scoring

/// Runs any benchmark the same way: build (and so validate) every part, check every
/// destination, score the parts, write the combination.
public enum BenchmarkRunner {
    public static func run(_ benchmark: any Benchmark, settings: RunSettings, observer: RunObserver = .silent) throws -> BenchmarkResult {
        let parts = try benchmark.parts(settings: settings)
        let combinedPath = parts.count > 1 ? settings.outputPath : nil
        let destinations = parts.map(\.outputPath) + (combinedPath.map { [$0] } ?? [])
        try checkDestinations(destinations, inputs: parts.flatMap(\.inputFiles), overwrite: settings.overwrite)
        for part in parts { try part.preflight(settings: settings) }
        // Every part is written under a temporary name; all appear together at the end, or
        // none does (a failure in part 2 leaves part 1's destination as it was). Over MPI
        // ranks, every rank passes the same agreement points in the same order (see
        // `RankGroup`): the lead writes the combination and publishes, once every rank
        // has finished, and a failure anywhere stops all ranks before anything appears.
        let ranks = settings.ranks
        var staged: [StagedFile] = []
        do {
            var results: [PartResult] = []
            for part in parts {
                let scored = part.spreadsOverRanks
                    ? try part.score(settings: settings, observer: observer)
                    : try ranks.onLead { try part.score(settings: settings, observer: observer) }
                if let file = scored?.file { staged.append(file) }
                if let scored { results.append(scored.result) }
            }
            var combined: PartResult? = nil
            try ranks.onLead {
                if let combinedPath, let combination = benchmark.combine(results, outputPath: combinedPath) {
                    staged.append(try SummaryResultWriter.writeCombined(combination, parts: results, overwrite: settings.overwrite,
                                                                        provenance: Provenance(benchmark: benchmark.name, settings: settings),
                                                                        description: benchmark.combination))
                    combined = combination
                }
                try StagedFile.publishAll(staged)
            }
            return BenchmarkResult(benchmark: benchmark.name, parts: results, combined: combined)
        } catch {
            staged.forEach { $0.discard() }
            throw error
        }
    }

    /// Where part `part` of a multi-part run with output `base` goes: `STEM.<part>.nc`.
    public static func partPath(_ part: String, base: String) -> String {
        let stem = base.hasSuffix(".nc") ? String(base.dropLast(3)) : base
        let safe = part.map { $0 == "/" ? "_" : $0 }
        return "\(stem).\(String(safe)).nc"
    }

    /// Refuses, before any work, destinations that are one of the run's inputs (under any
    /// spelling), that are directories, or that exist (without overwrite), naming each.
    static func checkDestinations(_ paths: [String], inputs: [String], overwrite: Bool) throws {
        var seen = Set<String>()
        for path in paths {
            guard seen.insert(path).inserted else { throw ScoringError("two parts of this run would write \(path)") }
            let input: String?
            do { input = try FileIdentity.input(among: inputs, sameAs: path) } catch {
                throw ScoringError("\(path): cannot write there: \(error)")
            }
            if let input {
                throw ScoringError("the output \(path) is the input \(input); choose another --output (nothing was written)")
            }
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
