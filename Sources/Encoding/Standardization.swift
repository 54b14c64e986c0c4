import LinearAlgebra

/// The one z-score of the engine (features, targets, transformed features alike).
///
/// Statistics are per column with numpy's conventions: the mean, and the population
/// standard deviation (ddof 0), both accumulated in Double. A constant column has
/// standard deviation 0; it is divided by 1 instead (scikit-learn's StandardScaler rule),
/// so after centring it is exactly 0 — never NaN, never a huge rounding-noise value.
public struct ColumnStatistics: Sendable, Equatable {
    public var means: [Double]
    /// The standard deviation, or 1 for a constant column.
    public var scales: [Double]

    /// Statistics of every column of `m`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public init<S: LinearAlgebraScalar>(of m: Matrix<S>) {
        let n = m.rows
        var means = [Double](repeating: 0, count: m.columns), scales = means
        m.elements.withUnsafeBufferPointer { e in
            for j in 0..<m.columns {
                let column = UnsafeBufferPointer(rebasing: e[(j * n)..<((j + 1) * n)])
                var sum = 0.0
                for value in column { sum += Double(value) }
                let mean = n > 0 ? sum / Double(n) : 0
                var squares = 0.0
                for value in column { let d = Double(value) - mean; squares += d * d }
                let sd = n > 0 ? (squares / Double(n)).squareRoot() : 0
                means[j] = mean
                scales[j] = sd > 0 ? sd : 1
            }
        }
        self.means = means
        self.scales = scales
    }

    /// Applies these statistics to `m` in place: subtract the mean if `center`, divide by
    /// the scale if `scale`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func apply<S: LinearAlgebraScalar>(to m: inout Matrix<S>, center: Bool = true, scale: Bool = true) {
        precondition(m.columns == means.count, "statistics are for \(means.count) columns, the matrix has \(m.columns)")
        guard center || scale else { return }
        let n = m.rows
        m.elements.withUnsafeMutableBufferPointer { e in
            for j in 0..<means.count {
                let shift = center ? means[j] : 0, divisor = scale ? scales[j] : 1
                for i in (j * n)..<((j + 1) * n) { e[i] = S((Double(e[i]) - shift) / divisor) }
            }
        }
    }
}

/// z-scores every column of `m` with its own statistics.
public func zscoreColumns<S: LinearAlgebraScalar>(_ m: inout Matrix<S>) {
    ColumnStatistics(of: m).apply(to: &m)
}
