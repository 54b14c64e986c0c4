import Foundation

/// Least-squares fit of v(n) = v0 (1 - exp(-n / tau)) with 0 <= v0 <= 1 and tau > 0: the
/// curve Brain-Score extrapolates noise ceilings with.
///
/// For a fixed tau the model is linear in v0, so the best v0 is closed-form (clamped to
/// [0, 1], exact for this one-dimensional convex problem); the remaining one-dimensional
/// profile over log tau is minimised by a grid scan then golden-section refinement, which
/// finds the global minimum of this smooth profile without starting-point trouble.
public struct SaturatingFit: Sendable, Equatable {
    public var v0: Double
    public var tau: Double
    public var sse: Double

    public static let logTauRange: ClosedRange<Double> = -3...6  // tau in [1e-3, 1e6] subject counts

    public static func fit(n: [Double], v: [Double]) -> SaturatingFit {
        precondition(n.count == v.count)
        guard !n.isEmpty else { return SaturatingFit(v0: .nan, tau: .nan, sse: .nan) }
        // The SSE only needs, per distinct n, the count and the sum of v (plus Σv², a
        // constant): with few distinct subject counts each evaluation is a handful of exps.
        var groups: [Double: (count: Double, sum: Double)] = [:]
        var squares = 0.0
        for (x, y) in zip(n, v) {
            groups[x, default: (0, 0)].count += 1
            groups[x, default: (0, 0)].sum += y
            squares += y * y
        }
        // Two parameters need two distinct subject counts: through one point every tau fits
        // exactly, with v0 anywhere from the point's value up to 1, so no value of v0 is
        // the curve's (Brain-Score's curve_fit would return whichever its start gave).
        guard groups.count >= 2 else { return SaturatingFit(v0: .nan, tau: .nan, sse: .nan) }
        // Sorted: a dictionary's order varies between instances, and sums must not.
        let xs = groups.keys.sorted(), counts = xs.map { groups[$0]!.count }, sums = xs.map { groups[$0]!.sum }
        func profile(_ logTau: Double) -> (v0: Double, sse: Double) {
            let tau = pow(10, logTau)
            var gy = 0.0, gg = 0.0
            for k in xs.indices { let g = 1 - exp(-xs[k] / tau); gy += g * sums[k]; gg += counts[k] * g * g }
            let v0 = gg > 0 ? min(max(gy / gg, 0), 1) : 0
            // Σ (y - v0 g)² = Σy² - 2 v0 Σ g y + v0² Σ g²
            return (v0, max(0, squares - 2 * v0 * gy + v0 * v0 * gg))
        }
        // Scan, then refine around the best grid point.
        let steps = 90
        let width = (logTauRange.upperBound - logTauRange.lowerBound) / Double(steps)
        var best = logTauRange.lowerBound, bestSSE = Double.infinity
        for i in 0...steps {
            let t = logTauRange.lowerBound + Double(i) * width
            let s = profile(t).sse
            if s < bestSSE { bestSSE = s; best = t }
        }
        var low = max(logTauRange.lowerBound, best - width), high = min(logTauRange.upperBound, best + width)
        let ratio = (5.0.squareRoot() - 1) / 2
        var a = high - ratio * (high - low), b = low + ratio * (high - low)
        var fa = profile(a).sse, fb = profile(b).sse
        for _ in 0..<200 where high - low > 1e-12 {
            if fa < fb { high = b; b = a; fb = fa; a = high - ratio * (high - low); fa = profile(a).sse }
            else { low = a; a = b; fa = fb; b = low + ratio * (high - low); fb = profile(b).sse }
        }
        let logTau = (low + high) / 2
        let result = profile(logTau)
        if result.sse <= bestSSE { return SaturatingFit(v0: result.v0, tau: pow(10, logTau), sse: result.sse) }
        let grid = profile(best)
        return SaturatingFit(v0: grid.v0, tau: pow(10, best), sse: grid.sse)
    }
}
