import Encoding
import LinearAlgebra
import TestSupport
import Testing

/// Rows outnumbering features (naturalistic data): the factored operators against
/// scikit-learn per alpha, per-voxel alpha by inner k-fold against brute force, and the
/// Huth lab's chunked bootstrap against a float64 port of the published `bootstrap_ridge`
/// (tools/make_naturalistic_fixtures.py).
@Suite struct NaturalisticTests {
    let reference: [String: Any]
    init() throws { reference = try Fixture.json("EncodingTests", "naturalistic.json") }

    var tall: [String: Any] { reference["tall"] as! [String: Any] }

    func tallData<S: LinearAlgebraScalar>(_: S.Type) -> (x: Matrix<S>, y: Matrix<S>, outer: [Split]) {
        let t = tall
        let n = t["n"] as! Int, p = t["p"] as! Int, voxels = t["voxels"] as! Int
        let outer = (t["outer"] as! [[String: Any]]).map { Split(train: integers($0["train"]), test: integers($0["test"])) }
        return (Matrix(rows: n, columns: p, rowMajor: doubles(t["X"]).map { S($0) }),
                Matrix(rows: n, columns: voxels, rowMajor: doubles(t["Y"]).map { S($0) }), outer)
    }

    func scores<S: LinearAlgebraScalar>(_ x: Matrix<S>, _ y: Matrix<S>, _ outer: [Split], _ regression: Regression) throws -> [(r: [Double], chosen: [Int], model: SplitModel<S>)] {
        try outer.map { split in
            let model = try SplitModel(features: x, split: split, regression: regression)
            let (predictions, chosen) = model.predict(targets: y)
            return (pearsonPerColumn(predictions, y.rows(split.test)), chosen, model)
        }
    }

    // MARK: Operators

    @Test(arguments: ["primal", "kernel"], [true, false])
    func bothFormsMatchSklearnRidgePerAlpha(name: String, intercept: Bool) throws {
        let c = try #require((reference["predictions"] as? [String: Any])?[name] as? [String: Any])
        let n = c["n"] as! Int, m = c["m"] as! Int, p = c["p"] as! Int, voxels = c["voxels"] as! Int
        let alphas = doubles(c["alphas"])
        let xTrain = Matrix<Double>(rows: n, columns: p, rowMajor: doubles(c["x_train"]))
        let xTest = Matrix<Double>(rows: m, columns: p, rowMajor: doubles(c["x_test"]))
        let yTrain = Matrix<Double>(rows: n, columns: voxels, rowMajor: doubles(c["y_train"]))
        let expected = (c[intercept ? "intercept" : "no_intercept"] as! [Any]).map { Matrix<Double>(rows: m, columns: voxels, rowMajor: doubles($0)) }
        for form in [OperatorFormChoice.factored, .stacked] {
            let op = try PredictionOperators.ridge(train: xTrain, evaluate: xTest, alphas: alphas, preparation: .init(center: intercept),
                                                   form: form, allCandidates: true)
            #expect(op.shape.form.rawValue == form.rawValue)
            #expect(op.heldElements == op.shape.elements)
            var visited = 0
            op.forEachCandidate(trainTargets: yTrain) { a, predicted, stride in
                visited += 1
                for v in 0..<voxels {
                    for i in 0..<m {
                        #expect(abs(Double(predicted[v * stride + i]) - expected[a][i, v]) <= 1e-9, "\(form) alpha \(alphas[a]) voxel \(v) row \(i)")
                    }
                }
            }
            #expect(visited == alphas.count)
            // Each voxel with its own alpha.
            let chosen = (0..<voxels).map { $0 % alphas.count }
            let selected = op.predict(trainTargets: yTrain, chosen: chosen)
            for v in 0..<voxels {
                for i in 0..<m { #expect(abs(selected[i, v] - expected[chosen[v]][i, v]) <= 1e-9, "\(form) chosen, voxel \(v)") }
            }
        }
    }

    /// The same problem through forced stacked and factored operators: the same choices
    /// and predictions equal to float64 rounding, for k-fold and bootstrap inner CV, with
    /// and without an intercept, rows outnumbering features and the other way round.
    @Test func factoredAndStackedFormsAgreeToRounding() throws {
        let (tallX, y, outer) = tallData(Double.self)
        let wideX = Matrix<Double>(rows: tallX.rows, columns: 400, rowMajor: (0..<(tallX.rows * 400)).map { Double(($0 * 7919) % 1013) / 1013 - 0.5 })
        let alphas = doubles(tall["alphas"])
        let inner: [CrossValidation] = [.kFold(5), .chunkedBootstrap(.init(draws: 3, chunkLength: 10, heldOutChunks: 4, seed: 2))]
        for x in [tallX, wideX] {
            for cv in inner {
                for intercept in [true, false] {
                    func run(_ form: OperatorFormChoice) throws -> [(predictions: Matrix<Double>, chosen: [Int])] {
                        let config = RidgeConfiguration(alphas: alphas, innerCrossValidation: cv, fitIntercept: intercept, operatorForm: form)
                        return try outer.map { try SplitModel(features: x, split: $0, regression: .ridge(config)).predict(targets: y) }
                    }
                    for (stacked, factored) in zip(try run(.stacked), try run(.factored)) {
                        // The constant voxel's losses are all rounding noise (its predictions
                        // are zero but for the last bits), so its choice is arbitrary: left out.
                        var stackedChosen = stacked.chosen, factoredChosen = factored.chosen
                        stackedChosen[2] = 0; factoredChosen[2] = 0
                        #expect(stackedChosen == factoredChosen, "\(cv), intercept \(intercept), p = \(x.columns)")
                        let scale = stacked.predictions.elements.map(abs).max()!
                        // The two forms sum in different orders; with the smallest alphas the
                        // problem's conditioning amplifies that to ~1e-11 here.
                        #expect(maxAbsDifference(stacked.predictions.elements, factored.predictions.elements) <= 1e-9 * max(scale, 1))
                    }
                }
            }
        }
    }

    // MARK: Per-voxel alpha on n >> p

    @Test func perVoxelAlphaByInnerKFoldMatchesBruteForce() throws {
        let alphas = doubles(tall["alphas"])
        let expectedR = (tall["kfold_r"] as! [Any]).map(doubles), expectedAlpha = (tall["kfold_alpha_index"] as! [Any]).map(integers)
        let regression = Regression.ridge(RidgeConfiguration(alphas: alphas, innerCrossValidation: .kFold(5)))
        let (x, y, outer) = tallData(Double.self)
        for (index, ours) in try scores(x, y, outer, regression).enumerated() {
            #expect(ours.model.shape.inner.allSatisfy { $0.operator.form == .factored }, "rows outnumber features: factored")
            #expect(maxAbsDifference(ours.r, expectedR[index]) <= 1e-9, "split \(index): \(ours.r) vs \(expectedR[index])")
            var chosen = ours.chosen, expected = expectedAlpha[index]
            chosen[2] = 0; expected[2] = 0  // the constant voxel ties across alphas
            #expect(chosen == expected, "split \(index)")
        }
        let (x32, y32, _) = tallData(Float.self)
        for (index, ours) in try scores(x32, y32, outer, regression).enumerated() {
            #expect(maxAbsDifference(ours.r, expectedR[index]) <= 1e-3, "float32 split \(index)")
        }
    }

    // MARK: Chunked bootstrap

    @Test func bootstrapDrawsMatchNumpy() throws {
        let expected = (reference["draws_203"] as! [Any]).map(integers)
        let splits = try ChunkedBootstrap(draws: 5, chunkLength: 10, heldOutChunks: 6, seed: 11).splits(count: 203)
        #expect(splits.map(\.test) == expected)
        for split in splits {
            #expect(split.train == (0..<203).filter { !split.test.contains($0) }, "the rest, ascending")
            #expect(split.train.suffix(3) == [200, 201, 202], "the rows past the last whole chunk are never held out")
        }
    }

    var bootstrap: ChunkedBootstrap {
        let b = tall["bootstrap"] as! [String: Any]
        return ChunkedBootstrap(draws: b["draws"] as! Int, chunkLength: b["chunk_length"] as! Int,
                                heldOutChunks: b["held_out_chunks"] as! Int, seed: UInt32(b["seed"] as! Int))
    }

    /// The published algorithm has no intercept and expects z-scored data; its alpha `a`
    /// penalises the weights by a², so our alphas are its alphas squared.
    @Test(arguments: [true, false])
    func bootstrapSelectionMatchesThePublishedAlgorithm(perVoxel: Bool) throws {
        let huth = tall["huth"] as! [[String: Any]]
        let alphas = doubles(tall["huth_alphas"]).map { $0 * $0 }
        var (x, y, outer) = tallData(Double.self)
        zscoreColumns(&x)
        zscoreColumns(&y)
        let config = RidgeConfiguration(alphas: alphas, alphaPerTarget: perVoxel, innerCrossValidation: .chunkedBootstrap(bootstrap), fitIntercept: false)
        #expect(config.innerCriterion == .correlation, "the bootstrap's own criterion by default")
        let heldOut = (tall["bootstrap_held_out"] as! [Any]).map { ($0 as! [Any]).map(integers) }
        for (index, ours) in try scores(x, y, outer, .ridge(config)).enumerated() {
            #expect(try bootstrap.splits(count: outer[index].train.count).map(\.test) == heldOut[index], "the same draws")
            #expect(ours.model.innerFoldSizes.count == bootstrap.draws)
            if perVoxel {
                #expect(ours.chosen == integers(huth[index]["alpha_index"]), "split \(index)")
                #expect(maxAbsDifference(ours.r, doubles(huth[index]["r"])) <= 1e-9, "split \(index)")
            } else {
                #expect(Set(ours.chosen) == [huth[index]["shared_alpha_index"] as! Int])
                #expect(maxAbsDifference(ours.r, doubles(huth[index]["shared_r"])) <= 1e-9)
            }
        }
    }

    @Test func bootstrapSelectionWithAnInterceptMatchesBruteForce() throws {
        let expected = tall["bootstrap_intercept"] as! [[String: Any]]
        let alphas = doubles(tall["alphas"])
        let regression = Regression.ridge(RidgeConfiguration(alphas: alphas, innerCrossValidation: .chunkedBootstrap(bootstrap)))
        let (x, y, outer) = tallData(Double.self)
        for (index, ours) in try scores(x, y, outer, regression).enumerated() {
            #expect(ours.chosen == integers(expected[index]["alpha_index"]), "split \(index)")
            #expect(maxAbsDifference(ours.r, doubles(expected[index]["r"])) <= 1e-9, "split \(index)")
        }
        let (x32, y32, _) = tallData(Float.self)
        for (index, ours) in try scores(x32, y32, outer, regression).enumerated() {
            #expect(maxAbsDifference(ours.r, doubles(expected[index]["r"])) <= 1e-3, "float32 split \(index)")
        }
    }

    @Test func bootstrapChunksLongerThanTheTrainingDataAreRefused() throws {
        let tooMany = ChunkedBootstrap(draws: 50, chunkLength: 40, heldOutChunks: 125)
        #expect(throws: CrossValidationError.self) { try tooMany.splits(count: 5000) }
        do { _ = try tooMany.splits(count: 4000) } catch let error as CrossValidationError {
            #expect(error.description.contains("holds out 125 chunks of 40 rows (5000 rows)") && error.description.contains("4000 rows"))
            #expect(!error.description.contains("\n"))
        }
        #expect(try tooMany.splits(count: 5001).count == 50)
        #expect(throws: CrossValidationError.self) { try ChunkedBootstrap(draws: 2, chunkLength: 1, heldOutChunks: 1).splits(count: 10) }
        let regression = Regression.ridge(RidgeConfiguration(alphas: [1, 10], innerCrossValidation: .chunkedBootstrap(tooMany)))
        #expect(throws: CrossValidationError.self) { try regression.modelShape(split: Split(train: Array(0..<4000), test: [4000, 4001]), features: 10) }
    }
}
