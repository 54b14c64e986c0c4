/// One train/test split: row indices into the data, in the order the splitter gives them.
public struct Split: Equatable, Sendable {
    public var train: [Int]
    public var test: [Int]

    public init(train: [Int], test: [Int]) {
        self.train = train
        self.test = test
    }
}

/// A cross-validation failure the user can act on.
public struct CrossValidationError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// How rows are divided into folds. Each case reproduces the sklearn splitter of the
/// same name (and parameters), index for index.
public enum CrossValidation: Equatable, Sendable {
    /// sklearn `KFold(k)` without shuffling: contiguous test blocks, the first `n % k`
    /// folds one row larger.
    case kFold(Int)
    /// sklearn `GroupKFold(k)`: whole groups per test fold, groups placed largest first
    /// into the fold with the fewest rows so far.
    case groupKFold(Int, groups: [String])
    /// sklearn `ShuffleSplit(n_splits, train_size, random_state=seed)`: each split is the
    /// next `RandomState(seed).permutation(n)`; test = its first `n - floor(trainSize*n)`
    /// rows, train = the next `floor(trainSize*n)`.
    case shuffleSplit(splits: Int, trainSize: Double, seed: UInt32)
    /// Leave one row out (`n` folds of one row).
    case leaveOneOut
    /// Splits given explicitly (e.g. read from a file).
    case explicit([Split])
    /// The Huth lab's chunked bootstrap (`bootstrap_ridge`): each draw holds out random
    /// contiguous chunks of rows (`ChunkedBootstrap`).
    case chunkedBootstrap(ChunkedBootstrap)

    public func splits(count n: Int) throws -> [Split] {
        switch self {
        case .kFold(let k):
            guard k >= 2, k <= n else { throw CrossValidationError(description: "KFold needs 2 <= k <= rows, got k=\(k) for \(n) rows") }
            var start = 0
            return (0..<k).map { fold in
                let size = n / k + (fold < n % k ? 1 : 0)
                let test = Array(start..<(start + size))
                start += size
                return Split(train: Array(0..<test[0]) + Array((test.last! + 1)..<n), test: test)
            }
        case .leaveOneOut:
            guard n >= 2 else { throw CrossValidationError(description: "leave-one-out needs at least 2 rows, got \(n)") }
            return (0..<n).map { Split(train: Array(0..<$0) + Array(($0 + 1)..<n), test: [$0]) }
        case .groupKFold(let k, let groups):
            return try Self.groupKFold(k: k, groups: groups, n: n)
        case .shuffleSplit(let count, let trainSize, let seed):
            guard trainSize > 0, trainSize < 1 else { throw CrossValidationError(description: "ShuffleSplit train size must be in (0, 1), got \(trainSize)") }
            let nTrain = Int((trainSize * Double(n)).rounded(.down))
            let nTest = n - nTrain
            guard nTrain >= 1, nTest >= 1 else {
                throw CrossValidationError(description: "ShuffleSplit with train size \(trainSize) leaves \(nTrain) training and \(nTest) test rows of \(n)")
            }
            var random = LegacyRandomState(seed: seed)
            return (0..<count).map { _ in
                let permutation = random.permutation(n)
                return Split(train: Array(permutation[nTest..<(nTest + nTrain)]), test: Array(permutation[..<nTest]))
            }
        case .chunkedBootstrap(let bootstrap):
            return try bootstrap.splits(count: n)
        case .explicit(let splits):
            for (index, split) in splits.enumerated() {
                if let bad = (split.train + split.test).first(where: { $0 < 0 || $0 >= n }) {
                    throw CrossValidationError(description: "split \(index) refers to row \(bad), but there are \(n) rows")
                }
                if split.train.isEmpty || split.test.isEmpty {
                    throw CrossValidationError(description: "split \(index) has an empty train or test set")
                }
                if !Set(split.train).isDisjoint(with: split.test) {
                    throw CrossValidationError(description: "split \(index) has rows in both train and test")
                }
            }
            return splits
        }
    }

    private static func groupKFold(k: Int, groups: [String], n: Int) throws -> [Split] {
        guard groups.count == n else { throw CrossValidationError(description: "GroupKFold got \(groups.count) group labels for \(n) rows") }
        // np.unique: group ids in sorted order.
        let names = Array(Set(groups)).sorted()
        guard k >= 2, k <= names.count else {
            throw CrossValidationError(description: "GroupKFold needs 2 <= k <= number of groups, got k=\(k) for \(names.count) groups")
        }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let groupOfRow = groups.map { index[$0]! }
        var sizes = [Int](repeating: 0, count: names.count)
        for g in groupOfRow { sizes[g] += 1 }
        // np.argsort(sizes)[::-1] (stable ascending, reversed): largest first, and among
        // equal sizes the later group first.
        let order = sizes.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] < sizes[$1] : $0 < $1 }.reversed()
        var foldRows = [Int](repeating: 0, count: k)
        var foldOfGroup = [Int](repeating: 0, count: names.count)
        for g in order {
            let lightest = foldRows.indices.min { foldRows[$0] != foldRows[$1] ? foldRows[$0] < foldRows[$1] : $0 < $1 }!
            foldRows[lightest] += sizes[g]
            foldOfGroup[g] = lightest
        }
        return (0..<k).map { fold in
            Split(train: (0..<n).filter { foldOfGroup[groupOfRow[$0]] != fold },
                  test: (0..<n).filter { foldOfGroup[groupOfRow[$0]] == fold })
        }
    }
}
