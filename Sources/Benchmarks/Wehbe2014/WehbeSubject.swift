import Foundation
import HDF5
import Scoring

/// One Wehbe2014 subject in BrainAlign's converted layout (docs/formats.md; written by
/// tools/convert_wehbe.py from the CMU .mat release or Toneva's .npy redistribution):
///
///     data (tr, voxel)        BOLD per TR (NaN rows allowed for TRs the protocol trims)
///     tr_time (tr)            seconds, TR onsets on one clock with word_onset
///     run (tr)                run number (1..4)
///     stimulus_id (word)      ids matching the activations' stimulus_id
///     word_onset (word)       seconds
///     language_voxel (voxel)  optional 0/1 mask: score only these voxels
///     attribute subject, tr_seconds (default 2)
public struct WehbeSubject: Sendable {
    public let path: String
    public let file: NetCDFFile
    public let subject: String
    public let trTimes: [Double]
    public let runs: [Int]
    public let trSeconds: Double
    public let wordIDs: [String]
    public let wordOnsets: [Double]
    /// TR of each word (the TR whose window holds its onset).
    public let wordTR: [Int]
    /// Voxels to score (file columns, ascending).
    public let voxels: [Int]
    public let voxelCount: Int

    public init(path: String) throws {
        self.path = path
        file = try NetCDFFile.open(path)
        for name in ["data", "tr_time", "run", "stimulus_id", "word_onset"] where !file.variables.contains(where: { $0.name == name }) {
            throw ScoringError("\(path): no '\(name)' variable; a Wehbe2014 subject file needs data (tr, voxel), tr_time, run, stimulus_id and word_onset (docs/formats.md; tools/convert_wehbe.py makes one)")
        }
        let data = try file.variable("data")
        guard data.shape.count == 2 else { throw ScoringError("\(path): 'data' has shape \(data.shape); expected (tr, voxel)") }
        let subject = file.attributes.first { $0.name == "subject" }?.stringValue ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        self.subject = subject
        let trTimes = try file.doubles("tr_time")
        self.trTimes = trTimes
        let runs = (try file.values("run").integers ?? []).map { Int($0) }
        self.runs = runs
        let trSeconds = file.attributes.first { $0.name == "tr_seconds" }?.values?.doubles?.first ?? 2
        self.trSeconds = trSeconds
        guard trTimes.count == data.shape[0], runs.count == data.shape[0] else {
            throw ScoringError("\(path): tr_time (\(trTimes.count)) and run (\(runs.count)) must have one entry per TR of data (\(data.shape[0]))")
        }
        let wordIDs = try NeuralData.identifiers(file: file, name: "stimulus_id")
        let wordOnsets = try file.doubles("word_onset")
        self.wordIDs = wordIDs
        self.wordOnsets = wordOnsets
        guard wordIDs.count == wordOnsets.count else {
            throw ScoringError("\(path): stimulus_id (\(wordIDs.count)) and word_onset (\(wordOnsets.count)) differ in length")
        }
        // Each word belongs to the TR whose window [onset, onset + TR) holds it.
        var wordTR: [Int] = []
        for (index, onset) in wordOnsets.enumerated() {
            guard let tr = Self.tr(containing: onset, trTimes: trTimes, trSeconds: trSeconds) else {
                throw ScoringError("\(path): subject \(subject): word '\(wordIDs[index])' at \(onset) s falls outside every TR (TRs span \(trTimes.first ?? 0)-\((trTimes.last ?? 0) + trSeconds) s); the word timings do not cover the runs")
            }
            wordTR.append(tr)
        }
        self.wordTR = wordTR
        for run in Array(Set(runs)).sorted() where !wordTR.contains(where: { runs[$0] == run }) {
            throw ScoringError("\(path): subject \(subject): no word falls in run \(run); the word timings do not cover the runs")
        }
        voxelCount = data.shape[1]
        if file.variables.contains(where: { $0.name == "language_voxel" }) {
            let mask = try file.doubles("language_voxel")
            voxels = mask.indices.filter { mask[$0] != 0 }
            guard !voxels.isEmpty else { throw ScoringError("\(path): language_voxel selects no voxel") }
        } else {
            voxels = Array(0..<voxelCount)
        }
    }

    static func tr(containing time: Double, trTimes: [Double], trSeconds: Double) -> Int? {
        // TR times ascend; binary search for the last TR starting at or before `time`.
        var low = 0, high = trTimes.count - 1, found: Int? = nil
        while low <= high {
            let mid = (low + high) / 2
            if trTimes[mid] <= time { found = mid; low = mid + 1 } else { high = mid - 1 }
        }
        guard let found, time < trTimes[found] + trSeconds else { return nil }
        return found
    }

    /// The TRs the protocol keeps: within each run, all but the first `head` and last `tail`.
    public func keptTRs(head: Int, tail: Int) -> [Int] {
        var kept: [Int] = []
        var start = 0
        while start < runs.count {
            var end = start
            while end < runs.count && runs[end] == runs[start] { end += 1 }
            if end - start > head + tail { kept += Array((start + head)..<(end - tail)) }
            start = end
        }
        return kept
    }
}
