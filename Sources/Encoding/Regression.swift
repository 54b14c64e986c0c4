import Foundation
import LinearAlgebra

/// Which regression maps features to each voxel, and how its penalty is chosen.
public enum Regression: Equatable, Sendable {
    /// Ordinary least squares (minimum-norm when features outnumber rows), as sklearn's
    /// LinearRegression: Brain-Score's `linear_pearsonr`.
    case ordinaryLeastSquares(fitIntercept: Bool)
    /// Ridge with the penalty chosen from `alphas` by inner cross-validation on the
    /// training rows (by `RidgeConfiguration.innerCriterion`).
    case ridge(RidgeConfiguration)
}

public struct RidgeConfiguration: Equatable, Sendable {
    /// Penalties on the squared weight norm: the fit minimises ||Y - X W||² + alpha ||W||².
    /// (The Huth lab's `ridge`/`bootstrap_ridge` take the square root of this: their alpha
    /// `a` is our `a * a`.)
    public var alphas: [Double]
    /// One alpha per voxel (true) or one shared by all voxels of the split.
    public var alphaPerTarget: Bool
    /// Inner splits of the outer training rows, e.g. `.kFold(5)`, `.leaveOneOut`, or the
    /// Huth lab's `.chunkedBootstrap(...)`.
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
    /// What the inner cross-validation optimises.
    public var innerCriterion: InnerCriterion
    /// Stacked or factored operators (`OperatorForm`); automatic = the cheaper by the
    /// cost model, per operator. Both give the same predictions up to rounding.
    public var operatorForm: OperatorFormChoice

    public enum InnerCriterion: String, Equatable, Sendable {
        /// Summed squared error over all inner validation rows (sklearn's RidgeCV).
        case squaredError
        /// Summed over inner folds of 1 - R² (each fold's SSE over its own total sum of
        /// squares), as Wehbe et al.'s / Toneva's `cross_val_ridge` does.
        case oneMinusR2
        /// Highest mean over inner splits of the validation rows' Pearson r, an undefined
        /// r (constant predictions or targets) counting as 0: the Huth lab's
        /// `bootstrap_ridge` (`ridge_corr` with `use_corr=True`).
        case correlation
    }

    /// `innerCriterion` nil: the criterion that belongs to the inner cross-validation,
    /// `.correlation` for a chunked bootstrap (as the Huth lab's algorithm scores it),
    /// `.squaredError` otherwise.
    public init(alphas: [Double], alphaPerTarget: Bool = true, innerCrossValidation: CrossValidation = .kFold(5),
                fitIntercept: Bool = true, standardizeFeatures: Bool = false, standardizeTargets: Bool = false,
                innerCriterion: InnerCriterion? = nil, operatorForm: OperatorFormChoice = .automatic) {
        self.alphas = alphas
        self.alphaPerTarget = alphaPerTarget
        self.innerCrossValidation = innerCrossValidation
        self.fitIntercept = fitIntercept
        self.standardizeFeatures = standardizeFeatures
        self.standardizeTargets = standardizeTargets
        if let innerCriterion {
            self.innerCriterion = innerCriterion
        } else if case .chunkedBootstrap = innerCrossValidation {
            self.innerCriterion = .correlation
        } else {
            self.innerCriterion = .squaredError
        }
        self.operatorForm = operatorForm
    }

    /// `count` alphas evenly spaced in log10 from `low` to `high` (numpy.logspace).
    public static func logspace(_ low: Double, _ high: Double, count: Int) -> [Double] {
        guard count > 1 else { return [pow10(low)] }
        return (0..<count).map { pow10(low + (high - low) * Double($0) / Double(count - 1)) }
    }

    private static func pow10(_ x: Double) -> Double { exp(x * log(10.0)) }
}

extension Regression {
    /// The shape `SplitModel` will have for `split` with `features` features per row,
    /// predicted without building anything: the memory plan runs on it before any
    /// operator is built. It is exact (`SplitModel.shape` equals it). With `features` nil
    /// (a transform that cannot say before it runs) features are taken to outnumber rows,
    /// which gives the stacked form: a bound on the bytes of either form wherever the
    /// factored one would be chosen.
    public func modelShape(split: Split, features: Int?) throws -> ModelShape {
        let train = split.train.count, test = split.test.count, p = features ?? Int.max
        switch self {
        case .ordinaryLeastSquares(let intercept):
            let op = OperatorShape.choose(.automatic, evaluationRows: test, trainingRows: train, features: p,
                                          intercept: intercept, candidates: 1, allCandidates: false)
            return ModelShape(train: train, test: test, testOperator: op, inner: [])
        case .ridge(let config):
            let a = config.alphas.count
            let testOperator = OperatorShape.choose(config.operatorForm, evaluationRows: test, trainingRows: train, features: p,
                                                    intercept: config.fitIntercept, candidates: a, allCandidates: false)
            let inner: [ModelShape.InnerFold] = a <= 1 ? [] : try config.innerCrossValidation.splits(count: train).map {
                .init(train: $0.train.count, validation: $0.test.count,
                      operator: OperatorShape.choose(config.operatorForm, evaluationRows: $0.test.count, trainingRows: $0.train.count,
                                                     features: p, intercept: config.fitIntercept, candidates: a, allCandidates: true))
            }
            return ModelShape(train: train, test: test, testOperator: testOperator, inner: inner)
        }
    }
}
