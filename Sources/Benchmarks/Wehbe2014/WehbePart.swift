import Scoring

/// One Wehbe2014 subject: the shared layer loop's part, plus what the subject's layout
/// warrants saying before it is scored (printed as it starts, kept in the result).
struct WehbePart: BenchmarkPart {
    var part: NeuralPart
    var warnings: [String]

    var name: String { part.name }
    var outputPath: String { part.outputPath }
    var inputFiles: [String] { part.inputFiles }
    /// The wrapped part's: its writer makes collective calls on every rank, so it must run
    /// on all of them, not on the lead alone.
    var spreadsOverRanks: Bool { part.spreadsOverRanks }

    func preflight(settings: RunSettings) throws { try part.preflight(settings: settings) }

    func score(settings: RunSettings, observer: RunObserver) throws -> ScoredPart {
        for message in warnings { observer.warning(message) }
        var scored = try part.score(settings: settings, observer: observer)
        scored.result.warnings = warnings + scored.result.warnings
        return scored
    }
}

extension WehbeBenchmark {
    /// The paper's code computes kept-TR positions from the run numbers, so they must be
    /// 1..R in time order, every run longer than its trimmed TRs.
    public func checkPaperLayout(_ subject: WehbeSubject) throws {
        let blocks = subject.runBlocks()
        let numbers = blocks.map { subject.runs[$0.lowerBound] }
        guard numbers == Array(1...max(1, blocks.count)) else {
            throw ScoringError("\(subject.path): run (\(subject.runs.count)) holds runs \(numbers) in time order; \(name) needs them numbered 1, 2, ... in time order, each one contiguous (the paper's code computes TR positions from the run number)")
        }
        if let short = blocks.firstIndex(where: { $0.count <= trimHead + trimTail }) {
            throw ScoringError("\(subject.path): run \(short + 1) has \(blocks[short].count) TRs; \(name) trims [\(trimHead):-\(trimTail)] from every run, so each needs more than \(trimHead + trimTail)")
        }
    }

    /// Word-less TRs that a kept TR's delays reach: the paper's code silently zeroes what
    /// they feed (a whole run's delay block), the clean reading those rows' delay features.
    func emptyDelaySources(subject: WehbeSubject, usedWords: [Int], kept: [Int]) -> [String] {
        let filled = Set(usedWords.map { subject.wordTR[$0] })
        var empty: [Int: Set<Int>] = [:]  // source TR -> delays that reach it
        for tr in kept {
            for delay in delays where tr - delay >= 0 && !filled.contains(tr - delay) {
                if reading == .clean && subject.runs[tr - delay] != subject.runs[tr] { continue }
                empty[tr - delay, default: []].insert(delay)
            }
        }
        guard !empty.isEmpty else { return [] }
        let trs = empty.keys.sorted()
        let listed = trs.prefix(5).map { "TR \($0) (run \(subject.runs[$0]), delays \(empty[$0]!.sorted().map(String.init).joined(separator: ",")))" }
            .joined(separator: ", ") + (trs.count > 5 ? ", ..." : "")
        let effect = reading == .paperCode
            ? "their features are NaN, so, as the paper's code does, each reached delay's features become 0 for every TR of that run"
            : "their features are 0 for the TRs that reach them"
        return ["\(subject.path): subject \(subject.subject): \(trs.count) TR(s) without words feed kept TRs' delays: \(listed); \(effect)"]
    }
}
