import Encoding
import LinearAlgebra
import TestSupport
import Testing

/// Held-out Pearson r per voxel against brute-force sklearn/scipy in float64
/// (tools/make_encoding_fixtures.py): LinearRegression per split, and Ridge refitted for
/// every inner fold and alpha to choose per-voxel and shared alphas.
@Suite struct RegressionTests {
    let reference: [String: Any]
    init() throws { reference = try Fixture.json("EncodingTests", "regression.json") }

    struct Case {
        var n: Int, p: Int, voxels: Int
        var x: [Double], y: [Double]
        var splits: [Split]
        var alphas: [Double]
        var olsR: [[Double]], ridgeR: [[Double]], ridgeAlpha: [[Int]], sharedR: [[Double]], sharedAlpha: [Int]
        var zscoredR: [[Double]], zscoredAlpha: [Int]
        var looR: [[Double]], noInterceptR: [[Double]], olsNoInterceptR: [[Double]], standardizedFeaturesR: [[Double]]
    }

    func load(_ name: String) throws -> Case {
        let c = try #require(reference[name] as? [String: Any])
        return Case(
            n: c["n"] as! Int, p: c["p"] as! Int, voxels: c["voxels"] as! Int,
            x: doubles(c["X"]), y: doubles(c["Y"]),
            splits: (c["splits"] as! [[String: Any]]).map { Split(train: integers($0["train"]), test: integers($0["test"])) },
            alphas: doubles(c["alphas"]),
            olsR: (c["ols_r"] as! [Any]).map(doubles), ridgeR: (c["ridge_r"] as! [Any]).map(doubles),
            ridgeAlpha: (c["ridge_alpha_index"] as! [Any]).map(integers),
            sharedR: (c["shared_r"] as! [Any]).map(doubles), sharedAlpha: integers(c["shared_alpha_index"]),
            zscoredR: (c["shared_zscored_r"] as! [Any]).map(doubles), zscoredAlpha: integers(c["shared_zscored_alpha_index"]),
            looR: (c["loo_r"] as! [Any]).map(doubles), noInterceptR: (c["no_intercept_r"] as! [Any]).map(doubles),
            olsNoInterceptR: (c["ols_no_intercept_r"] as! [Any]).map(doubles),
            standardizedFeaturesR: (c["standardized_features_r"] as! [Any]).map(doubles))
    }

    func scores<S: LinearAlgebraScalar>(_ c: Case, _ regression: Regression, as: S.Type) throws -> [(r: [Double], chosen: [Int])] {
        let x = Matrix<S>(rows: c.n, columns: c.p, rowMajor: c.x.map { S($0) })
        let y = Matrix<S>(rows: c.n, columns: c.voxels, rowMajor: c.y.map { S($0) })
        return try c.splits.map { split in
            let model = try SplitModel(features: x, split: split, regression: regression)
            let (predictions, chosen) = model.predict(targets: y)
            return (pearsonPerColumn(predictions, y.rows(split.test)), chosen)
        }
    }

    static let cases = ["primal", "kernel", "rank_deficient", "heteroscedastic", "very_wide"]

    @Test(arguments: cases)
    func ordinaryLeastSquares(name: String) throws {
        let c = try load(name)
        for (ours, expected) in zip(try scores(c, .ordinaryLeastSquares(fitIntercept: true), as: Double.self), c.olsR) {
            #expect(maxAbsDifference(ours.r, expected) <= 1e-5, "\(ours.r) vs \(expected)")
            #expect(ours.r[3].isNaN, "the constant voxel gives NaN")
        }
        for (ours, expected) in zip(try scores(c, .ordinaryLeastSquares(fitIntercept: true), as: Float.self), c.olsR) {
            #expect(maxAbsDifference(ours.r, expected) <= 1e-3, "\(ours.r) vs \(expected)")
        }
    }

    @Test(arguments: cases)
    func ridgeWithOneAlphaPerVoxel(name: String) throws {
        let c = try load(name)
        let config = RidgeConfiguration(alphas: c.alphas, alphaPerTarget: true, innerCrossValidation: .kFold(5))
        for (index, ours) in try scores(c, .ridge(config), as: Double.self).enumerated() {
            #expect(maxAbsDifference(ours.r, c.ridgeR[index]) <= 1e-5, "split \(index): \(ours.r) vs \(c.ridgeR[index])")
            // The constant voxel's errors tie across alphas; skip it when comparing choices.
            var chosen = ours.chosen, expected = c.ridgeAlpha[index]
            chosen[3] = 0; expected[3] = 0
            #expect(chosen == expected)
        }
        for (index, ours) in try scores(c, .ridge(config), as: Float.self).enumerated() {
            #expect(maxAbsDifference(ours.r, c.ridgeR[index]) <= 1e-3, "split \(index): \(ours.r) vs \(c.ridgeR[index])")
        }
    }

    /// Features so small that every alpha shrinks the centred predictions to ~1e-8 beside
    /// responses of mean 1 (sklearn reference, `tiny_features`). Adding the training mean to
    /// them rounded them to a constant in float32: r was NaN, the voxel dropped from the
    /// median. Predictions that only feed r carry no mean term, so float32 agrees too.
    /// (The inner choice is left out: at that scale the losses tie to rounding.)
    @Test(arguments: [false, true])
    func tinyFeaturesKeepTheirCorrelation(single: Bool) throws {
        let c = try load("tiny_features")
        let config = RidgeConfiguration(alphas: c.alphas, alphaPerTarget: true, innerCrossValidation: .kFold(5))
        let ours = single ? try scores(c, .ridge(config), as: Float.self) : try scores(c, .ridge(config), as: Double.self)
        for (index, split) in ours.enumerated() {
            #expect(maxAbsDifference(split.r, c.ridgeR[index]) <= (single ? 1e-3 : 1e-5), "split \(index): \(split.r) vs \(c.ridgeR[index])")
            #expect(split.r.enumerated().allSatisfy { $0.element.isNaN == ($0.offset == 3) }, "only the constant voxel is NaN: \(split.r)")
        }
    }

    @Test(arguments: cases)
    func ridgeWithOneSharedAlpha(name: String) throws {
        let c = try load(name)
        let config = RidgeConfiguration(alphas: c.alphas, alphaPerTarget: false, innerCrossValidation: .kFold(5))
        for (index, ours) in try scores(c, .ridge(config), as: Double.self).enumerated() {
            #expect(maxAbsDifference(ours.r, c.sharedR[index]) <= 1e-5)
            #expect(Set(ours.chosen) == [c.sharedAlpha[index]])
        }
    }

    @Test(arguments: cases)
    func sharedAlphaWithStandardizedTargets(name: String) throws {
        let c = try load(name)
        let config = RidgeConfiguration(alphas: c.alphas, alphaPerTarget: false, innerCrossValidation: .kFold(5), standardizeTargets: true)
        for (index, ours) in try scores(c, .ridge(config), as: Double.self).enumerated() {
            #expect(maxAbsDifference(ours.r, c.zscoredR[index]) <= 1e-5)
            #expect(Set(ours.chosen) == [c.zscoredAlpha[index]])
        }
    }

    /// Leave-one-out inner CV, no intercept (ridge and OLS), z-scored features.
    @Test(arguments: cases)
    func variants(name: String) throws {
        let c = try load(name)
        let variants: [(Regression, [[Double]], String)] = [
            (.ridge(RidgeConfiguration(alphas: c.alphas, innerCrossValidation: .leaveOneOut)), c.looR, "leave-one-out"),
            (.ridge(RidgeConfiguration(alphas: c.alphas, fitIntercept: false)), c.noInterceptR, "no intercept"),
            (.ordinaryLeastSquares(fitIntercept: false), c.olsNoInterceptR, "OLS without intercept"),
            (.ridge(RidgeConfiguration(alphas: c.alphas, standardizeFeatures: true)), c.standardizedFeaturesR, "z-scored features"),
        ]
        for (regression, expected, label) in variants {
            for (index, ours) in try scores(c, regression, as: Double.self).enumerated() {
                #expect(maxAbsDifference(ours.r, expected[index]) <= 1e-5, "\(label), split \(index)")
            }
        }
    }

    @Test func standardizingTargetsChangesASharedAlphaOnlyWhenScalesDiffer() throws {
        let c = try load("heteroscedastic")
        #expect(c.zscoredAlpha != c.sharedAlpha, "the fixture must exercise the difference")
    }

    @Test func logspaceMatchesNumpy() {
        let alphas = RidgeConfiguration.logspace(-3, 5, count: 9)
        let expected = doubles(reference["primal"].flatMap { ($0 as? [String: Any])?["alphas"] })
        #expect(maxAbsDifference(alphas, expected) <= 1e-12 * 1e5)
    }

    @Test func pearsonHandlesConstantAndNaNColumns() {
        let predictions = Matrix<Double>(rows: 3, columns: 3, rowMajor: [1, 2, 1, 2, 2, 2, 3, 2, .nan])
        let observed = Matrix<Double>(rows: 3, columns: 3, rowMajor: [2, 5, 1, 4, 5, 2, 6, 5, 3])
        let r = pearsonPerColumn(predictions, observed)
        #expect(abs(r[0] - 1) < 1e-15)
        #expect(r[1].isNaN && r[2].isNaN)
    }
}
