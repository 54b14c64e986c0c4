import Foundation
import Encoding

/// What a neural scoring part computes: which rows and neuroids, the regression, the
/// outer splits and how per-neuroid r values become a score. A named benchmark fixes
/// all of it (docs/protocols.md); a custom run takes it from the command line.
public struct NeuralProtocol: Sendable, Equatable {
    public var regression: Regression
    /// The outer splits (over the selected neural rows in stored order).
    public var crossValidation: CrossValidationSpec
    public var aggregation: Aggregation
    /// Keep only presentations whose coordinate has this value (e.g. one experiment).
    public var rowFilter: RowFilter?
    /// Drop neuroids with NaN in any kept presentation (Brain-Score's Pereira treatment).
    public var dropNaNNeuroids: Bool
    /// Neuroid coordinate naming the subject, for per-subject scores (nil: none).
    public var subjectCoordinate: String?
    /// Row coordinates the protocol reads; missing ones are named before any work starts.
    public var requiredRowCoordinates: [String]

    public init(regression: Regression, crossValidation: CrossValidationSpec, aggregation: Aggregation = Aggregation(),
                rowFilter: RowFilter? = nil, dropNaNNeuroids: Bool = false, subjectCoordinate: String? = nil,
                requiredRowCoordinates: [String] = []) {
        self.regression = regression
        self.crossValidation = crossValidation
        self.aggregation = aggregation
        self.rowFilter = rowFilter
        self.dropNaNNeuroids = dropNaNNeuroids
        self.subjectCoordinate = subjectCoordinate
        self.requiredRowCoordinates = requiredRowCoordinates
    }
}

/// How per-neuroid, per-split r values become a layer's score.
public struct Aggregation: Sendable, Equatable {
    public enum Order: String, Sendable, Equatable {
        /// Brain-Score: aggregate over neuroids within each split, then over splits.
        case neuroidsThenSplits
        /// Wehbe2014's code: each neuroid's r over splits first, then over neuroids.
        case splitsThenNeuroids
    }

    public var neuroids: Aggregate
    public var splits: Aggregate
    public var order: Order

    public init(neuroids: Aggregate = .median, splits: Aggregate = .mean, order: Order = .neuroidsThenSplits) {
        self.neuroids = neuroids
        self.splits = splits
        self.order = order
    }

    public var description: String {
        switch order {
        case .neuroidsThenSplits: "\(neuroids.rawValue) over neuroids (NaN skipped) per split, then \(splits.rawValue) over splits"
        case .splitsThenNeuroids: "\(splits.rawValue) over splits per neuroid (NaN skipped), then \(neuroids.rawValue) over neuroids"
        }
    }
}

/// The outer cross-validation as the user states it; group labels come from a coordinate.
public enum CrossValidationSpec: Sendable, Equatable {
    case kFold(Int)
    case groupKFold(Int, coordinate: String)
    case shuffleSplit(splits: Int, trainSize: Double, seed: UInt32)
    /// Splits read from a file: `test_mask (split, presentation)` with a `stimulus_id`
    /// coordinate (a BrainAlign result file has exactly that).
    case file(String)

    public var description: String {
        switch self {
        case .kFold(let k): "KFold(n_splits=\(k))"
        case .groupKFold(let k, let coordinate): "GroupKFold(n_splits=\(k)) over \(coordinate)"
        case .shuffleSplit(let n, let size, let seed): "ShuffleSplit(n_splits=\(n), train_size=\(size), random_state=\(seed))"
        case .file(let path): "splits from \(path) (test_mask)"
        }
    }

    /// Splits over the selected rows of `neural`, in their stored order.
    public func splits(neural: NeuralData, rows: [Int]) throws -> [Split] {
        let cv: CrossValidation
        switch self {
        case .kFold(let k): cv = .kFold(k)
        case .shuffleSplit(let count, let size, let seed): cv = .shuffleSplit(splits: count, trainSize: size, seed: seed)
        case .groupKFold(let k, let coordinate):
            let labels = try neural.rowLabels(coordinate)
            cv = .groupKFold(k, groups: rows.map { labels[$0] })
        case .file(let path): cv = .explicit(try SplitsFile.read(path, stimulusIDs: rows.map { neural.stimulusIDs[$0] }))
        }
        let splits: [Split]
        do { splits = try cv.splits(count: rows.count) } catch let error as CrossValidationError {
            throw ScoringError("\(neural.file.path): \(error.description)")
        }
        // A held-out r needs at least three rows: of one it is undefined, of two always +-1.
        if let small = splits.firstIndex(where: { $0.test.count < 3 }) {
            throw ScoringError("\(neural.file.path): split \(small) of \(description) holds out \(splits[small].test.count) of \(rows.count) rows; a held-out correlation needs at least 3 (of 2 it is always +-1; use fewer folds)")
        }
        if let empty = splits.firstIndex(where: { $0.train.isEmpty }) {
            throw ScoringError("\(neural.file.path): split \(empty) of \(description) has no training rows")
        }
        return splits
    }
}

extension Regression {
    public var description: String {
        switch self {
        case .ordinaryLeastSquares(let intercept): "ordinary least squares (\(intercept ? "with" : "without") intercept)"
        case .ridge(let c):
            "ridge, alphas \(c.alphas.map { String(format: "%g", $0) }.joined(separator: ", ")), \(c.alphaPerTarget ? "one alpha per voxel" : "one shared alpha"), inner \(c.innerCrossValidation.innerDescription)\(c.fitIntercept ? ", intercept" : "")\(c.standardizeFeatures ? ", z-scored features" : "")\(c.innerCriterion.criterionDescription)"
        }
    }

    /// The penalties a result records (none for least squares).
    public var alphas: [Double]? {
        if case .ridge(let config) = self { return config.alphas }
        return nil
    }
}

extension CrossValidation {
    var innerDescription: String {
        switch self {
        case .kFold(let k): "\(k)-fold"
        case .leaveOneOut: "leave-one-out"
        case .chunkedBootstrap(let bootstrap): bootstrap.description
        default: "\(self)"
        }
    }
}

extension RidgeConfiguration.InnerCriterion {
    /// What the regression description adds for this criterion (nothing for the default).
    var criterionDescription: String {
        switch self {
        case .squaredError: ""
        case .oneMinusR2: ", 1 - R² criterion"
        case .correlation: ", mean held-out r criterion"
        }
    }
}
