import LinearAlgebra

/// Pearson correlation per column between predictions and observations (same shape,
/// rows = samples). Accumulates in Double whatever the storage type. A column with zero
/// variance on either side, or any NaN, gives NaN (as scipy.stats.pearsonr would warn
/// and return NaN), so constant voxels are reported, never silently scored.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func pearsonPerColumn<S: LinearAlgebraScalar>(_ predictions: Matrix<S>, _ observations: Matrix<S>) -> [Double] {
    precondition(predictions.rows == observations.rows && predictions.columns == observations.columns,
                 "predictions \(predictions.rows)x\(predictions.columns) vs observations \(observations.rows)x\(observations.columns)")
    let n = predictions.rows
    return (0..<predictions.columns).map { column in
        let p = predictions.column(column), o = observations.column(column)
        // Exactly constant columns are caught here: their computed variance may be a
        // rounding residue rather than 0.
        if let first = o.first, o.allSatisfy({ $0 == first }) { return .nan }
        if let first = p.first, p.allSatisfy({ $0 == first }) { return .nan }
        var meanP = 0.0, meanO = 0.0
        for (a, b) in zip(p, o) { meanP += Double(a); meanO += Double(b) }
        meanP /= Double(n); meanO /= Double(n)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(p, o) {
            let dx = Double(a) - meanP, dy = Double(b) - meanO
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return .nan }
        return sxy / (sxx * syy).squareRoot()
    }
}

/// Brain-Score language 2.3.0's batched Pearson r per column (its `pearsonr`): the sum of
/// (x - x̄) / (‖x - x̄‖ + 1e-8) · (y - ȳ) / (‖y - ȳ‖ + 1e-8). The 1e-8 keeps a constant
/// column finite: it scores r = 0 (and counts in medians), where `pearsonPerColumn` (the
/// paper-era scipy per-neuroid convention) gives NaN. Double only: it exists for parity.
public func batchedPearsonPerColumn(_ predictions: Matrix<Double>, _ observations: Matrix<Double>) -> [Double] {
    precondition(predictions.rows == observations.rows && predictions.columns == observations.columns,
                 "predictions \(predictions.rows)x\(predictions.columns) vs observations \(observations.rows)x\(observations.columns)")
    let n = predictions.rows
    return (0..<predictions.columns).map { column in
        let p = predictions.column(column), o = observations.column(column)
        let meanP = p.reduce(0, +) / Double(n), meanO = o.reduce(0, +) / Double(n)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(p, o) {
            let dx = a - meanP, dy = b - meanO
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        return sxy / ((sxx.squareRoot() + 1e-8) * (syy.squareRoot() + 1e-8))
    }
}
