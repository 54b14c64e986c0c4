import Foundation
import LinearAlgebra

/// Which regression maps features to each voxel, and how its penalty is chosen.
public enum Regression: Equatable, Sendable {
    /// Ordinary least squares (minimum-norm when features outnumber rows), as sklearn's
    /// LinearRegression: Brain-Score's `linear_pearsonr`.
    case ordinaryLeastSquares(fitIntercept: Bool)
    /// Ridge with the penalty chosen from `alphas` by inner cross-validation on the
    /// training rows (lowest summed squared error over the inner validation rows).
    case ridge(RidgeConfiguration)
}

public struct RidgeConfiguration: Equatable, Sendable {
    public var alphas: [Double]
    /// One alpha per voxel (true) or one shared by all voxels of the split.
    public var alphaPerTarget: Bool
    /// Inner splits of the outer training rows, e.g. `.kFold(5)` or `.leaveOneOut`.
    public var innerCrossValidation: CrossValidation
    public var fitIntercept: Bool
    /// z-score features with the outer training rows' statistics before fitting (inner
    /// folds reuse them, as a StandardScaler ahead of RidgeCV would).
    public var standardizeFeatures: Bool
    /// z-score targets with the outer training rows' statistics before fitting. Held-out r
    /// does not change (it is invariant to a per-voxel affine map of the predictions); a
    /// shared alpha then weighs voxels by their inverse training variance, and without an
    /// intercept the centring changes the fit itself.
    public var standardizeTargets: Bool
    /// What the inner cross-validation minimises.
    public var innerCriterion: InnerCriterion

    public enum InnerCriterion: String, Equatable, Sendable {
        /// Summed squared error over all inner validation rows (sklearn's RidgeCV).
        case squaredError
        /// Summed over inner folds of 1 - R² (each fold's SSE over its own total sum of
        /// squares), as Wehbe et al.'s / Toneva's `cross_val_ridge` does.
        case oneMinusR2
    }

    public init(alphas: [Double], alphaPerTarget: Bool = true, innerCrossValidation: CrossValidation = .kFold(5),
                fitIntercept: Bool = true, standardizeFeatures: Bool = false, standardizeTargets: Bool = false,
                innerCriterion: InnerCriterion = .squaredError) {
        self.alphas = alphas
        self.alphaPerTarget = alphaPerTarget
        self.innerCrossValidation = innerCrossValidation
        self.fitIntercept = fitIntercept
        self.standardizeFeatures = standardizeFeatures
        self.standardizeTargets = standardizeTargets
        self.innerCriterion = innerCriterion
    }

    /// `count` alphas evenly spaced in log10 from `low` to `high` (numpy.logspace).
    public static func logspace(_ low: Double, _ high: Double, count: Int) -> [Double] {
        guard count > 1 else { return [pow10(low)] }
        return (0..<count).map { pow10(low + (high - low) * Double($0) / Double(count - 1)) }
    }

    private static func pow10(_ x: Double) -> Double { exp(x * log(10.0)) }
}

/// Everything about one outer split that does not depend on the voxels: the prediction
/// operators for the test rows and for each inner fold. Build it once per split and layer,
/// then call `predict` on as many voxel chunks as there are.
public struct SplitModel<S: LinearAlgebraScalar>: Sendable {
    public let split: Split
    /// Candidate penalties (one entry, unused, for least squares).
    public let alphas: [Double]
    let alphaPerTarget: Bool
    let standardizeTargets: Bool
    let innerCriterion: RidgeConfiguration.InnerCriterion
    /// Stacked operators for the test rows: (alphas x test rows) x training rows.
    let testOperators: Matrix<S>
    /// Inner folds, as positions within `split.train`, with stacked operators.
    let innerFolds: [(train: [Int], validation: [Int], operators: Matrix<S>)]

    public init(features: Matrix<S>, split: Split, regression: Regression) throws {
        try self.init(trainFeatures: features.rows(split.train), testFeatures: features.rows(split.test), split: split, regression: regression)
    }

    /// For protocols whose features depend on the split (e.g. a PCA fitted on the training
    /// rows): the training and test rows' features, in the order of `split.train` and
    /// `split.test`.
    public init(trainFeatures train: Matrix<S>, testFeatures test: Matrix<S>, split: Split, regression: Regression) throws {
        precondition(train.rows == split.train.count && test.rows == split.test.count, "feature rows must match the split")
        self.split = split
        switch regression {
        case .ordinaryLeastSquares(let intercept):
            alphas = [0]
            alphaPerTarget = true
            standardizeTargets = false
            innerCriterion = .squaredError
            testOperators = try PredictionOperators.leastSquares(train: train, evaluate: test, preparation: .init(center: intercept))
            innerFolds = []
        case .ridge(let config):
            guard !config.alphas.isEmpty, config.alphas.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw CrossValidationError(description: "ridge needs at least one positive, finite alpha; got \(config.alphas)")
            }
            alphas = config.alphas
            alphaPerTarget = config.alphaPerTarget
            standardizeTargets = config.standardizeTargets
            innerCriterion = config.innerCriterion
            // z-scoring uses the outer training rows' statistics, for the inner folds too
            // (as StandardScaler before RidgeCV in a sklearn pipeline does).
            let (train, test) = config.standardizeFeatures
                ? PredictionOperators.prepare(train: train, evaluate: test, .init(center: false, scale: true))
                : (train, test)
            let preparation = PredictionOperators.FeaturePreparation(center: config.fitIntercept)
            testOperators = try PredictionOperators.ridge(train: train, evaluate: test, alphas: config.alphas, preparation: preparation)
            if config.alphas.count == 1 {
                innerFolds = []
            } else {
                innerFolds = try config.innerCrossValidation.splits(count: split.train.count).map { inner in
                    (inner.train, inner.test,
                     try PredictionOperators.ridge(train: train.rows(inner.train), evaluate: train.rows(inner.test),
                                                   alphas: config.alphas, preparation: preparation))
                }
            }
        }
    }

    /// Predictions for the test rows of every voxel in `targets` (all rows of the data x a
    /// chunk of voxels), and the index into `alphas` chosen for each voxel.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func predict(targets: Matrix<S>) -> (predictions: Matrix<S>, chosen: [Int]) {
        var trainTargets = targets.rows(split.train)
        if standardizeTargets { zscoreColumns(&trainTargets) }
        let voxels = targets.columns, nTest = split.test.count
        let chosen = chooseAlphas(trainTargets: trainTargets)
        let all = Matrix.product(testOperators, trainTargets)  // (alphas * nTest) x voxels
        if alphas.count == 1 { return (all, chosen) }
        var predictions = Matrix<S>(rows: nTest, columns: voxels)
        let stacked = all.rows
        all.elements.withUnsafeBufferPointer { source in
            predictions.elements.withUnsafeMutableBufferPointer { target in
                for v in 0..<voxels {
                    let from = v * stacked + chosen[v] * nTest
                    for i in 0..<nTest { target[v * nTest + i] = source[from + i] }
                }
            }
        }
        return (predictions, chosen)
    }

    /// Inner cross-validation: the alpha with the lowest summed squared error over the
    /// inner validation rows, per voxel or pooled over voxels. Ties go to the earlier
    /// alpha; voxels whose errors are all NaN get index 0 (their r is NaN anyway).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func chooseAlphas(trainTargets: Matrix<S>) -> [Int] {
        let voxels = trainTargets.columns
        guard alphas.count > 1 else { return [Int](repeating: 0, count: voxels) }
        let nAlphas = alphas.count, nTrain = trainTargets.rows
        let oneMinusR2 = innerCriterion == .oneMinusR2
        var errors = [Double](repeating: 0, count: nAlphas * voxels)  // [alpha][voxel]
        for fold in innerFolds {
            let predicted = Matrix.product(fold.operators, trainTargets.rows(fold.train))
            let nVal = fold.validation.count, stacked = predicted.rows
            predicted.elements.withUnsafeBufferPointer { p in
                trainTargets.elements.withUnsafeBufferPointer { y in
                    fold.validation.withUnsafeBufferPointer { rows in
                        errors.withUnsafeMutableBufferPointer { err in
                            for v in 0..<voxels {
                                let column = v * stacked, observed = v * nTrain
                                // 1 - R² divides the fold's SSE by its total sum of squares.
                                var scale = 1.0
                                if oneMinusR2 {
                                    var mean = 0.0
                                    for k in 0..<nVal { mean += Double(y[observed + rows[k]]) }
                                    mean /= Double(nVal)
                                    var total = 0.0
                                    for k in 0..<nVal { let d = Double(y[observed + rows[k]]) - mean; total += d * d }
                                    scale = total > 0 ? 1 / total : .nan
                                }
                                for a in 0..<nAlphas {
                                    var sum = 0.0
                                    let base = column + a * nVal
                                    for k in 0..<nVal {
                                        let d = Double(p[base + k]) - Double(y[observed + rows[k]])
                                        sum += d * d
                                    }
                                    err[a * voxels + v] += sum * scale
                                }
                            }
                        }
                    }
                }
            }
        }
        if alphaPerTarget {
            return (0..<voxels).map { v in Self.argmin((0..<alphas.count).map { errors[$0 * voxels + v] }) }
        }
        let pooled = (0..<alphas.count).map { a in
            (0..<voxels).reduce(0.0) { sum, v in errors[a * voxels + v].isNaN ? sum : sum + errors[a * voxels + v] }
        }
        return [Int](repeating: Self.argmin(pooled), count: voxels)
    }

    static func argmin(_ values: [Double]) -> Int {
        var best = 0, bestValue = Double.infinity
        for (index, value) in values.enumerated() where value < bestValue {
            best = index
            bestValue = value
        }
        return best
    }
}

extension SplitModel {
    /// Elements held by the voxel-independent operators (for memory planning).
    public var operatorElementCount: Int {
        testOperators.elements.count + innerFolds.reduce(0) { $0 + $1.operators.elements.count }
    }

    /// (training, validation) row counts of the inner folds.
    public var innerFoldSizes: [(train: Int, validation: Int)] {
        innerFolds.map { ($0.train.count, $0.validation.count) }
    }

    /// False when an operator holds NaN or infinity (e.g. float32 overflow): predictions
    /// from it would be silently wrong.
    public var hasFiniteOperators: Bool {
        testOperators.elements.allSatisfy(\.isFinite) && innerFolds.allSatisfy { $0.operators.elements.allSatisfy(\.isFinite) }
    }

    /// What the memory plan needs to know of this model.
    public var shape: ModelShape {
        ModelShape(train: split.train.count, test: split.test.count,
                   inner: innerFolds.map { .init(train: $0.train.count, validation: $0.validation.count) },
                   candidates: alphas.count, operatorElements: operatorElementCount)
    }
}

extension Regression {
    /// The shape `SplitModel(features:split:regression:)` will have, predicted from the
    /// split alone: the memory plan runs on it before any operator is built.
    public func modelShape(split: Split) throws -> ModelShape {
        let train = split.train.count, test = split.test.count
        switch self {
        case .ordinaryLeastSquares:
            return ModelShape(train: train, test: test, inner: [], candidates: 1, operatorElements: test * train)
        case .ridge(let config):
            let a = max(1, config.alphas.count)
            let inner: [ModelShape.InnerFold] = a == 1 ? [] : try config.innerCrossValidation.splits(count: train).map {
                .init(train: $0.train.count, validation: $0.test.count)
            }
            let elements = a * test * train + inner.reduce(0) { $0 + a * $1.validation * $1.train }
            return ModelShape(train: train, test: test, inner: inner, candidates: a, operatorElements: elements)
        }
    }
}

extension SplitModel {
    /// Builds the models of several splits, `threads` at a time. The work per split is a
    /// few mid-sized BLAS calls plus single-threaded Swift loops, so splits in parallel
    /// (each with single-threaded BLAS) use the cores better than one split at a time.
    public static func build(features: Matrix<S>, splits: [Split], regression: Regression, threads: Int) throws -> [SplitModel<S>] {
        guard threads > 1, splits.count > 1 else {
            return try splits.map { try SplitModel(features: features, split: $0, regression: regression) }
        }
        return try BLASThreads.with(1) { try buildInParallel(features: features, splits: splits, regression: regression, threads: threads) }
    }

    private static func buildInParallel(features: Matrix<S>, splits: [Split], regression: Regression, threads: Int) throws -> [SplitModel<S>] {
        let results = ConcurrentSlots<Result<SplitModel<S>, Error>>(count: splits.count)
        let queue = DispatchQueue(label: "brainalign.models", attributes: .concurrent)
        let group = DispatchGroup()
        let gate = DispatchSemaphore(value: threads)
        for (index, split) in splits.enumerated() {
            gate.wait()
            queue.async(group: group) {
                defer { gate.signal() }
                results.set(index, Result { try SplitModel(features: features, split: split, regression: regression) })
            }
        }
        group.wait()
        return try results.values.map { try $0!.get() }
    }
}
