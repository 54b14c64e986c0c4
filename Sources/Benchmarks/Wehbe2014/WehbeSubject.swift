import Foundation
import HDF5
import Scoring

/// One Wehbe2014 subject in BrainAlign's converted layout (docs/formats.md; written by
/// tools/convert_wehbe.py from the CMU .mat release or Toneva's .npy redistribution):
///
///     data (tr, voxel)        BOLD per TR (NaN rows allowed for TRs the protocol trims)
///     tr_time (tr)            seconds, TR onsets on one clock with word_onset (increasing)
///     run (tr)                run number (1..4, in time order)
///     stimulus_id (word)      ids matching the activations' stimulus_id
///     word_onset (word)       seconds, in chapter order (never decreasing)
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
    /// The rule `wordTR` follows.
    public let rule: WordToTR
    /// TR of each word (by `rule`).
    public let wordTR: [Int]
    /// Voxels to score (file columns, ascending).
    public let voxels: [Int]
    public let voxelCount: Int

    /// Which TR a word belongs to.
    public enum WordToTR: Sendable {
        /// The paper's code: the last TR whose onset is strictly before the word, i.e. TR t
        /// holds the words in (t, t + TR]; a word shown exactly at a TR onset belongs to the
        /// previous TR.
        case lastOnsetBefore
        /// The TR whose window [t, t + TR) holds the word's onset.
        case window
    }

    public init(path: String, rule: WordToTR = .lastOnsetBefore) throws {
        self.path = path
        self.rule = rule
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
        if let bad = Self.firstDecrease(trTimes, strictly: true) {
            throw ScoringError("\(path): tr_time (\(trTimes.count)) is not increasing: TR \(bad) starts at \(trTimes[bad]) s, TR \(bad - 1) at \(trTimes[bad - 1]) s")
        }
        let wordIDs = try NeuralData.identifiers(file: file, name: "stimulus_id")
        let wordOnsets = try file.doubles("word_onset")
        self.wordIDs = wordIDs
        self.wordOnsets = wordOnsets
        guard wordIDs.count == wordOnsets.count else {
            throw ScoringError("\(path): stimulus_id (\(wordIDs.count)) and word_onset (\(wordOnsets.count)) differ in length")
        }
        // Words are in chapter order; a time going back means the timings are not this
        // list's (the TR of every later word would be wrong without any other sign).
        if let bad = Self.firstDecrease(wordOnsets, strictly: false) {
            throw ScoringError("\(path): word_onset (\(wordOnsets.count)) goes back in time: word '\(wordIDs[bad])' at \(wordOnsets[bad]) s follows '\(wordIDs[bad - 1])' at \(wordOnsets[bad - 1]) s; word times must not decrease")
        }
        var wordTR: [Int] = []
        for (index, onset) in wordOnsets.enumerated() {
            guard let tr = Self.tr(of: onset, rule: rule, trTimes: trTimes, trSeconds: trSeconds) else {
                let span = "TRs span \(trTimes.first ?? 0)-\((trTimes.last ?? 0) + trSeconds) s"
                let why = rule == .lastOnsetBefore && onset <= (trTimes.first ?? 0)
                    ? "no TR starts strictly before it (the paper's rule puts a word in the last TR starting before it)" : "it falls outside every TR"
                throw ScoringError("\(path): subject \(subject): word '\(wordIDs[index])' at \(onset) s: \(why); \(span); the word timings do not cover the runs")
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
            guard mask.count == voxelCount else {
                throw ScoringError("\(path): language_voxel has \(mask.count) entries, but data has \(voxelCount) voxels (shape \(data.shape)); the mask is for other data")
            }
            voxels = mask.indices.filter { mask[$0] != 0 }
            guard !voxels.isEmpty else { throw ScoringError("\(path): language_voxel selects no voxel") }
        } else {
            voxels = Array(0..<voxelCount)
        }
    }

    /// The first index whose value is below (or, `strictly`, not above) the previous one.
    static func firstDecrease(_ values: [Double], strictly: Bool) -> Int? {
        values.indices.dropFirst().first { strictly ? !(values[$0] > values[$0 - 1]) : values[$0] < values[$0 - 1] }
    }

    public static func tr(of time: Double, rule: WordToTR, trTimes: [Double], trSeconds: Double) -> Int? {
        // TR times ascend: binary search for the last TR starting before `time` (strictly,
        // for the paper's rule) and check the word lies within that TR's window.
        var low = 0, high = trTimes.count - 1, found: Int? = nil
        while low <= high {
            let mid = (low + high) / 2
            let before = rule == .lastOnsetBefore ? trTimes[mid] < time : trTimes[mid] <= time
            if before { found = mid; low = mid + 1 } else { high = mid - 1 }
        }
        guard let found else { return nil }
        let inside = rule == .lastOnsetBefore ? time <= trTimes[found] + trSeconds : time < trTimes[found] + trSeconds
        return inside ? found : nil
    }

    /// The TRs the protocol keeps: within each run, all but the first `head` and last `tail`.
    public func keptTRs(head: Int, tail: Int) -> [Int] {
        runBlocks().flatMap { block in block.count > head + tail ? Array(block.dropFirst(head).dropLast(tail)) : [] }
    }

    /// The TRs of each run, as contiguous blocks in file order.
    func runBlocks() -> [Range<Int>] {
        var blocks: [Range<Int>] = []
        var start = 0
        while start < runs.count {
            var end = start
            while end < runs.count && runs[end] == runs[start] { end += 1 }
            blocks.append(start..<end)
            start = end
        }
        return blocks
    }
}
