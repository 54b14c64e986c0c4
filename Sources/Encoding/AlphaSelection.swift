import LinearAlgebra

/// Per-voxel (or shared) penalty selection by inner cross-validation: each inner split's
/// operator predicts its validation rows for every candidate, and a loss per candidate and
/// voxel accumulates over the splits (in Double). The lowest loss wins; ties go to the
/// earlier alpha; voxels whose losses are all NaN get index 0 (their r is NaN anyway).
extension SplitModel {
    /// True when this model picks one alpha for all voxels by inner cross-validation.
    /// Streamed, such a choice must see every voxel, not one chunk's: a first pass adds
    /// every voxel's losses to an `InnerLossStore`, which pools them in column order
    /// (however the voxels were sliced), then the scoring pass predicts with the alpha
    /// that wins (`predict(targets:given:)`).
    public var choosesOneSharedAlpha: Bool { !alphaPerTarget && alphas.count > 1 && !innerFolds.isEmpty }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func chooseAlphas(trainTargets: Matrix<S>) -> [Int] {
        let voxels = trainTargets.columns
        guard alphas.count > 1, !innerFolds.isEmpty else { return [Int](repeating: 0, count: voxels) }
        return choose(finishedLosses: innerLosses(trainTargets: trainTargets), voxels: voxels)
    }

    /// Each candidate's loss per voxel, [alpha][voxel], accumulated over the inner splits
    /// in order (the correlation criterion as the negated mean r).
    func innerLosses(trainTargets: Matrix<S>) -> [Double] {
        var loss = [Double](repeating: 0, count: alphas.count * trainTargets.columns)
        addInnerLosses(trainTargets: trainTargets, into: &loss)
        return finishedLosses(loss, innerSplits: innerFolds.count)
    }

    /// A pass's share of the inner losses (`ModelPart.innerFolds`): this model's folds'
    /// losses added, in fold order, to `sums` ([alpha][voxel] of `targets`' voxels: all
    /// rows x a chunk). After the last pass, `finishedLosses` gives what the choice
    /// compares.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func addInnerLosses(targets: Matrix<S>, into sums: inout [Double]) {
        addInnerLosses(trainTargets: preparedTrainTargets(targets), into: &sums)
    }

    func addInnerLosses(trainTargets: Matrix<S>, into loss: inout [Double]) {
        let voxels = trainTargets.columns
        precondition(loss.count == alphas.count * voxels, "one loss per candidate and voxel")
        for fold in innerFolds {
            let validation = trainTargets.rows(fold.validation)
            let statistics = ValidationStatistics(validation, criterion: innerCriterion)
            fold.predictions.forEachCandidate(trainTargets: trainTargets.rows(fold.train)) { a, predicted, stride in
                loss.withUnsafeMutableBufferPointer { l in
                    validation.elements.withUnsafeBufferPointer { y in
                        statistics.accumulate(predicted, stride: stride, observed: y, into: UnsafeMutableBufferPointer(rebasing: l[(a * voxels)..<((a + 1) * voxels)]))
                    }
                }
            }
        }
    }

    /// The summed losses of all `innerSplits` inner splits as the choice compares them:
    /// unchanged, or for the correlation criterion the mean r, negated so the highest mean
    /// r is the lowest loss.
    public func finishedLosses(_ sums: [Double], innerSplits: Int) -> [Double] {
        guard innerCriterion == .correlation else { return sums }
        let splits = Double(innerSplits)
        return sums.map { -($0 / splits) }
    }

    /// Each voxel's alpha index from finished losses ([alpha][voxel]): its own lowest, or
    /// for a shared alpha the lowest summed over the voxels in column order (NaN skipped).
    public func choose(finishedLosses loss: [Double], voxels: Int) -> [Int] {
        precondition(loss.count == alphas.count * voxels, "one loss per candidate and voxel")
        if alphaPerTarget {
            return (0..<voxels).map { v in Self.argmin((0..<alphas.count).map { loss[$0 * voxels + v] }) }
        }
        return [Int](repeating: Self.argmin(Self.pooled(loss, voxels: voxels)), count: voxels)
    }

    static func pooled(_ loss: [Double], voxels: Int) -> [Double] {
        let candidates = voxels == 0 ? 0 : loss.count / voxels
        return (0..<candidates).map { a in
            (0..<voxels).reduce(0.0) { sum, v in loss[a * voxels + v].isNaN ? sum : sum + loss[a * voxels + v] }
        }
    }

    /// The index of the lowest value; ties go to the earlier index, all-NaN to 0.
    static func argmin(_ values: [Double]) -> Int {
        var best = 0, bestValue = Double.infinity
        for (index, value) in values.enumerated() where value < bestValue {
            best = index
            bestValue = value
        }
        return best
    }
}

/// One inner split's validation targets and what each criterion needs of them per voxel
/// (computed once, reused for every candidate).
struct ValidationStatistics<S: LinearAlgebraScalar> {
    let rows: Int
    let voxels: Int
    let criterion: RidgeConfiguration.InnerCriterion
    /// Per voxel: the mean (correlation) and the centred sum of squares (1 - R², and
    /// correlation, where 0 marks an exactly constant voxel).
    var means: [Double] = []
    var spreads: [Double] = []

    init(_ y: Matrix<S>, criterion: RidgeConfiguration.InnerCriterion) {
        rows = y.rows
        voxels = y.columns
        self.criterion = criterion
        guard criterion != .squaredError else { return }
        means = [Double](repeating: 0, count: voxels)
        spreads = means
        y.elements.withUnsafeBufferPointer { e in
            for v in 0..<voxels {
                let column = UnsafeBufferPointer(rebasing: e[(v * rows)..<((v + 1) * rows)])
                var mean = 0.0
                for value in column { mean += Double(value) }
                mean /= Double(rows)
                var total = 0.0
                for value in column { let d = Double(value) - mean; total += d * d }
                // Exactly constant: the computed spread may be a rounding residue, not 0.
                if let first = column.first, column.allSatisfy({ $0 == first }) { total = 0 }
                means[v] = mean
                spreads[v] = total
            }
        }
    }

    /// Adds each voxel's loss for one candidate (predictions of voxel v at `v * stride`)
    /// into `loss[v]`: the squared error, the squared error over the total sum of squares
    /// (NaN for a constant voxel), or the Pearson r (0 when undefined), which the caller
    /// averages and negates.
    func accumulate(_ p: UnsafeBufferPointer<S>, stride: Int, observed y: UnsafeBufferPointer<S>, into loss: UnsafeMutableBufferPointer<Double>) {
        let n = rows
        switch criterion {
        case .squaredError, .oneMinusR2:
            for v in 0..<voxels {
                let base = v * stride, observed = v * n
                var sum = 0.0
                for k in 0..<n {
                    let d = Double(p[base + k]) - Double(y[observed + k])
                    sum += d * d
                }
                if criterion == .oneMinusR2 { sum *= spreads[v] > 0 ? 1 / spreads[v] : .nan }
                loss[v] += sum
            }
        case .correlation:
            for v in 0..<voxels where spreads[v] > 0 {
                let base = v * stride, observed = v * n
                var mean = 0.0, low = p[base], high = p[base]
                for k in 0..<n {
                    let value = p[base + k]
                    mean += Double(value)
                    low = min(low, value)
                    high = max(high, value)
                }
                guard low != high else { continue }  // constant predictions: r counts as 0
                mean /= Double(n)
                var sxy = 0.0, sxx = 0.0
                let meanY = means[v]
                for k in 0..<n {
                    let dx = Double(p[base + k]) - mean
                    sxy += dx * (Double(y[observed + k]) - meanY)
                    sxx += dx * dx
                }
                let r = sxy / (sxx * spreads[v]).squareRoot()
                if r.isFinite { loss[v] += r }
            }
        }
    }
}
