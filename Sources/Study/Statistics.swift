import Encoding
import Foundation

/// The statistics the study needs, each checked against scipy in Tests/StudyTests.

/// A correlation and its two-sided p-value.
public struct Correlation: Sendable, Equatable {
    public var r: Double
    public var p: Double
    public var n: Int
}

public enum Statistics {
    /// Pearson r with scipy.stats.pearsonr's two-sided p-value (Student t, n - 2 df).
    public static func pearson(_ x: [Double], _ y: [Double]) -> Correlation {
        precondition(x.count == y.count)
        let n = x.count
        guard n > 2 else { return Correlation(r: .nan, p: .nan, n: n) }
        let mx = x.reduce(0, +) / Double(n), my = y.reduce(0, +) / Double(n)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        guard sxx > 0, syy > 0 else { return Correlation(r: .nan, p: .nan, n: n) }
        let r = max(-1, min(1, sxy / (sxx * syy).squareRoot()))
        return Correlation(r: r, p: correlationPValue(r, n: n), n: n)
    }

    /// Spearman's rho (Pearson on average ranks) with scipy.stats.spearmanr's p-value.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Correlation {
        let result = pearson(ranks(x), ranks(y))
        return Correlation(r: result.r, p: result.p, n: result.n)
    }

    /// Two-sided p of a correlation under the t distribution with n - 2 degrees of freedom.
    static func correlationPValue(_ r: Double, n: Int) -> Double {
        let df = Double(n - 2)
        if abs(r) >= 1 { return 0 }
        let t2 = r * r * df / (1 - r * r)
        return regularizedIncompleteBeta(df / (df + t2), a: df / 2, b: 0.5)
    }

    /// Average ranks (1-based), ties sharing the mean rank (scipy.stats.rankdata).
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        return ranks
    }

    /// The Wilcoxon signed-rank test of paired differences `a - b`, two-sided, as
    /// scipy.stats.wilcoxon(method="auto") decides: zero differences dropped; the exact null
    /// distribution when there are no ties or zeros (n <= 50); with ties and n <= 13, the
    /// exact permutation distribution of the signs; otherwise the normal approximation with
    /// tie correction (no continuity correction).
    public static func wilcoxon(_ a: [Double], _ b: [Double]) -> (statistic: Double, p: Double, method: String) {
        precondition(a.count == b.count)
        let all = zip(a, b).map { $0 - $1 }
        let zeros = all.filter { $0 == 0 }.count
        let d = all.filter { $0 != 0 }
        let n = d.count
        guard n > 0 else { return (.nan, .nan, "none") }
        let r = ranks(d.map { abs($0) })
        let rPlus = zip(d, r).filter { $0.0 > 0 }.map(\.1).reduce(0, +)
        let rMinus = zip(d, r).filter { $0.0 < 0 }.map(\.1).reduce(0, +)
        let statistic = min(rPlus, rMinus)
        var tieGroups: [Double: Int] = [:]
        for rank in r { tieGroups[rank, default: 0] += 1 }
        let hasTies = tieGroups.values.contains { $0 > 1 }
        if !hasTies && zeros == 0 && all.count <= 50 {
            // Exact: the number of sign patterns giving each rank sum.
            let distribution = signedRankDistribution(n: n)
            let total = distribution.reduce(0, +)
            let k = Int(rPlus.rounded())
            let cdf = distribution[0...k].reduce(0, +) / total
            let sf = distribution[k...].reduce(0, +) / total
            return (statistic, min(1, 2 * min(cdf, sf)), "exact")
        }
        if all.count <= 13 {
            // Every assignment of signs to the (tied) ranks, scipy's permutation_test.
            var less = 0.0, greater = 0.0
            let patterns = 1 << n
            let tolerance = 1e-14 * max(1, abs(rPlus))
            for pattern in 0..<patterns {
                var sum = 0.0
                for i in 0..<n where pattern & (1 << i) != 0 { sum += r[i] }
                if sum <= rPlus + tolerance { less += 1 }
                if sum >= rPlus - tolerance { greater += 1 }
            }
            return (statistic, min(1, 2 * min(less, greater) / Double(patterns)), "permutation")
        }
        let count = Double(n)
        let mean = count * (count + 1) / 4
        let tieCorrection = tieGroups.values.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
        let se = ((count * (count + 1) * (2 * count + 1) - tieCorrection / 2) / 24).squareRoot()
        let z = (rPlus - mean) / se
        return (statistic, erfc(abs(z) / 2.0.squareRoot()), "normal approximation")
    }

    /// Counts of each signed-rank sum 0...n(n+1)/2 over the 2^n sign patterns.
    static func signedRankDistribution(n: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: n * (n + 1) / 2 + 1)
        counts[0] = 1
        for k in 1...max(n, 1) where n > 0 {
            for s in stride(from: counts.count - 1, through: k, by: -1) { counts[s] += counts[s - k] }
        }
        return counts
    }

    /// Benjamini-Hochberg adjusted p-values (scipy.stats.false_discovery_control, "bh").
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let m = Double(p.count)
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 0, count: p.count)
        var running = 1.0
        for (position, index) in order.enumerated().reversed() {
            running = min(running, p[index] * m / Double(position + 1))
            adjusted[index] = min(running, 1)
        }
        return adjusted
    }

    /// A percentile bootstrap interval of the mean: `resamples` resamples of the values with
    /// replacement, each drawn as numpy's `RandomState(seed).randint(0, n, size=(resamples, n))`
    /// row by row (legacy masked rejection, `LegacyRandomState.interval`), the mean of each,
    /// and the (100 - level) / 2 and (100 + level) / 2 percentiles of those means (numpy's
    /// linear interpolation). nil with fewer than 2 values: nothing to resample.
    public static func bootstrapMeanInterval(_ values: [Double], resamples: Int, seed: UInt32, level: Double = 95) -> (low: Double, high: Double)? {
        guard values.count >= 2, resamples >= 1 else { return nil }
        var random = LegacyRandomState(seed: seed)
        let n = values.count, top = UInt64(n - 1)
        var means = [Double](repeating: 0, count: resamples)
        for b in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += values[Int(random.interval(top))] }
            means[b] = sum / Double(n)
        }
        return (nanPercentile(means, (100 - level) / 2), nanPercentile(means, (100 + level) / 2))
    }

    /// Least-squares line y = slope x + intercept.
    public static func line(_ x: [Double], _ y: [Double]) -> (slope: Double, intercept: Double) {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx) }
        let slope = sxx > 0 ? sxy / sxx : 0
        return (slope, my - slope * mx)
    }

    /// The regularized incomplete beta function I_x(a, b), by Lentz's continued fraction.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logFront: Double = logBeta + a * log(x) + b * log(1 - x)
        // Use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where the fraction converges fast.
        if x > (a + 1) / (a + b + 2) {
            return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
        }
        return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
    }

    static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...10_000 {
            let m = Double(m)
            let even: Double = (a + 2 * m - 1) * (a + 2 * m)
            var numerator: Double = m * (b - m) * x / even
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            let odd: Double = (a + 2 * m) * (a + 2 * m + 1)
            numerator = -(a + m) * (a + b + m) * x / odd
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            result *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return result
    }
}
