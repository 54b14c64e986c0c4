import Encoding
import Scoring

/// Story responses as ds003020 ships them (and `tools/convert_lebel.py` writes them) have
/// no data for each story's first and last TRs: those rows are NaN and the trim must drop
/// them. A NaN row left in would make every voxel's r NaN (or, for a voxel NaN in only
/// some rows, leave it out of the mean unnoticed), so the kept rows are scanned once
/// (`NaNScan`, within the memory budget) and any NaN is refused naming the stories and TRs.
extension StoryBenchmark {
    func refuseNaNRows(subject: StoryResponses, source: HDF5Targets, kept: [Int], memoryBudget: Int) throws {
        let hasNaN = try NaNScan(source, memoryBudget: memoryBudget, file: subject.path).rows
        let bad = hasNaN.indices.filter { hasNaN[$0] }.map { kept[$0] }
        guard !bad.isEmpty else { return }
        let byStory = subject.stories.compactMap { story -> String? in
            let trs = bad.filter { story.rows.contains($0) }.map { $0 - story.rows.lowerBound }
            guard !trs.isEmpty else { return nil }
            return "'\(story.name)' TR\(trs.count == 1 ? "" : "s") \(trs.prefix(6).map(String.init).joined(separator: ","))\(trs.count > 6 ? ",..." : "") of \(story.rows.count)"
        }
        throw ScoringError("\(subject.path): \(bad.count) kept TR(s) hold NaN after trimming [\(spec.trimHead):-\(spec.trimTail)]: \(byStory.prefix(4).joined(separator: "; "))\(byStory.count > 4 ? "; ..." : ""); ds003020's responses (and tools/convert_lebel.py's files) leave each story's first 10 and last 5 TRs NaN: use --trim 10:5 (LeBel's [5+5:-5]), or fix the file")
    }
}
