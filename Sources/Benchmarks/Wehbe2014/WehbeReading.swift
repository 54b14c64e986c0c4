import Encoding
import Scoring

/// Which reading of the Wehbe2014 protocol a benchmark follows (docs/protocols.md):
///
/// - `paperCode` (`Wehbe2014`): what the code behind the paper's numbers computes, quirks
///   included: words [20 : 5176]; a word in the last TR starting strictly before it;
///   TRs without words NaN; delays over the concatenated runs; each run's kept block
///   z-scored before splitting, then NaN -> 0; folds of floor(n / 4) TRs with the remainder
///   in the last; the boundary rule that drops training TRs next to the first and last
///   folds but test TRs at both ends of the middle ones; the PCA fitted on the words whose
///   TR's *previous* kept TR is a training TR (indicator before boundary removal, negative
///   positions wrapping to the end).
/// - `clean` (`Wehbe2014-clean`): the same model read without the quirks: all words; a
///   word in the TR whose [t, t + TR) window holds it; TRs without words 0; delays within
///   each run; no per-run z-scoring; sklearn KFold folds; 5 training TRs dropped at each
///   side of every test block; the PCA fitted on the words of the training TRs.
public enum WehbeReading: String, Sendable {
    case paperCode
    case clean

    public var benchmarkName: String { self == .paperCode ? "Wehbe2014" : "Wehbe2014-clean" }

    public var wordToTR: WehbeSubject.WordToTR { self == .paperCode ? .lastOnsetBefore : .window }

    /// Each scored TR's fold (positions into the kept TRs), before any boundary TR is dropped.
    public func foldLabels(count n: Int, folds k: Int) throws -> [Int] {
        switch self {
        case .paperCode:
            // floor(n / k) per fold, every remaining TR to the last fold.
            guard k >= 2, n >= k else { throw ScoringError("\(k) folds of \(n) TRs: needs 2 <= folds <= TRs") }
            let size = n / k
            return (0..<n).map { min($0 / size, k - 1) }
        case .clean:
            var labels = [Int](repeating: 0, count: n)
            for (fold, split) in try CrossValidation.kFold(k).splits(count: n).enumerated() { for i in split.test { labels[i] = fold } }
            return labels
        }
    }

    /// The outer splits (positions into the kept TRs) with `boundary` TRs removed.
    public func splits(labels: [Int], folds k: Int, boundary: Int) -> [Split] {
        (0..<k).map { fold in
            let train = labels.indices.filter { labels[$0] != fold }, test = labels.indices.filter { labels[$0] == fold }
            switch self {
            case .paperCode:
                // The first fold drops the training TRs right after it, the last fold those
                // right before it; a middle fold keeps every training TR and drops its own
                // first and last `boundary` test TRs instead.
                if fold == 0 { return Split(train: Array(train.dropFirst(boundary)), test: test) }
                if fold == k - 1 { return Split(train: Array(train.dropLast(boundary)), test: test) }
                return Split(train: train, test: Array(test.dropFirst(boundary).dropLast(boundary)))
            case .clean:
                let first = test.first!, last = test.last!
                return Split(train: train.filter { $0 < first - boundary || $0 > last + boundary }, test: test)
            }
        }
    }
}
