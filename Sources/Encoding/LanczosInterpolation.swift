import Foundation
import LinearAlgebra

/// Resampling of word-level features onto TR times with a Lanczos (windowed sinc)
/// kernel, as the Huth lab's story-listening pipeline downsamples word vectors
/// (docs/protocols.md, LeBel2023).
///
/// Each new sample at time `t` is `sum_w L((t - time_w) * cutoff) * x_w` over the words,
/// with `L(u) = window * sin(pi u) * sin(pi u / window) / (pi u)^2`, `L(0) = 1` and
/// `L(u) = 0` for `|u| > window`. The cutoff is the sampling rate of the new times
/// (1 / their mean spacing): the kernel's first zero falls one TR away, a low-pass at the
/// TR's Nyquist frequency. The kernel is not normalised (the published pipeline does not
/// normalise it either: a TR with more words gets a larger sum).
public enum LanczosInterpolation {
    /// `L(u)` for a scaled time difference `u`.
    public static func kernel(_ u: Double, window: Int) -> Double {
        let w = Double(window)
        if u == 0 { return 1 }
        if abs(u) > w { return 0 }
        return w * sin(Double.pi * u) * sin(Double.pi * u / w) / (Double.pi * Double.pi * u * u)
    }

    /// Rows of `data` (one per old time, ascending) resampled at `newTimes`, in float64.
    /// `newTimes` need at least two entries (their spacing sets the cutoff); both time
    /// lists must ascend (the caller checks, naming the file).
    public static func resample(_ data: Matrix<Double>, oldTimes: [Double], newTimes: [Double], window: Int = 3) -> Matrix<Double> {
        precondition(data.rows == oldTimes.count, "one old time per data row")
        precondition(newTimes.count >= 2, "the cutoff needs at least two new times")
        let cutoff = Double(newTimes.count - 1) / (newTimes.last! - newTimes.first!)
        let reach = Double(window) / cutoff
        // The kernel's taps per new row (old times ascend: only those within `reach`
        // weigh), found once; then each column is one contiguous pass (column-major).
        var taps: [(first: Int, weights: [Double])] = []
        var first = 0
        for t in newTimes {
            while first < oldTimes.count && oldTimes[first] < t - reach { first += 1 }
            var weights: [Double] = []
            var k = first
            while k < oldTimes.count && oldTimes[k] <= t + reach {
                weights.append(kernel((t - oldTimes[k]) * cutoff, window: window))
                k += 1
            }
            taps.append((first, weights))
        }
        let n = newTimes.count, m = data.rows
        return Matrix(rows: n, columns: data.columns) { out in
            data.elements.withUnsafeBufferPointer { x in
                for c in 0..<data.columns {
                    for (row, tap) in taps.enumerated() {
                        var sum = 0.0
                        for (offset, weight) in tap.weights.enumerated() { sum += weight * x[c * m + tap.first + offset] }
                        out[c * n + row] = sum
                    }
                }
            }
        }
    }
}
