import Foundation

/// The saturating-curve fit exactly as Brain-Score 2.3.0's ceiling calls it:
/// `scipy.optimize.curve_fit(v0 (1 - exp(-n / tau)), n, means, bounds=([0, -inf], [1, inf]))`.
///
/// With bounds, curve_fit runs `least_squares(method='trf')` from the feasible start
/// (v0, tau) = (0.5, 1) with a forward-difference Jacobian, x_scale 1, ftol = xtol = gtol =
/// 1e-8 and at most 200 evaluations; a run that stops on the evaluation limit, or that raises
/// (a degenerate trust-region step), is a failed fit, which Brain-Score's caller records as NaN.
/// This is a step-for-step port of scipy's `trf_bounds` (scipy/optimize/_lsq/trf.py and
/// common.py) for two parameters, so that it stops where scipy stops: tau is unbounded, and
/// on flat or degenerate profiles (a constant voxel's all-zero means) the returned v0 is
/// wherever the iteration halts, not a unique minimum. The only difference is rounding (the
/// 2 x 2 SVD by one Jacobi rotation instead of LAPACK), checked against scipy's own output.
public enum TrustRegionCurveFit {
    /// v0 of the fit, or nil when scipy's curve_fit would raise.
    public static func v0(sizes: [Double], means: [Double]) -> Double? { fit(sizes: sizes, means: means)?.v0 }

    /// (v0, tau) of the fit, or nil when scipy's curve_fit would raise.
    public static func fit(sizes: [Double], means: [Double]) -> (v0: Double, tau: Double)? {
        Problem(k: sizes, y: means).solve()
    }

    struct Failure: Error {}

    struct Problem {
        let k: [Double], y: [Double]
        let m: Int
        /// The bounds of parameter j: v0 in [0, 1], tau unbounded.
        static func bounds(_ j: Int) -> (lower: Double, upper: Double) { j == 0 ? (0, 1) : (-.infinity, .infinity) }
        static let ftol = 1e-8, xtol = 1e-8, gtol = 1e-8
        static let relativeStep = Double.ulpOfOne.squareRoot()

        init(k: [Double], y: [Double]) { self.k = k; self.y = y; m = k.count }

        func residuals(_ x: Vec2) -> [Double] {
            (0..<m).map { i in x.a * (1 - exp(-k[i] / x.b)) - y[i] }
        }

        func solve() -> (v0: Double, tau: Double)? {
            do { return try run() } catch { return nil }
        }

        func run() throws -> (v0: Double, tau: Double)? {
            var x = Vec2(0.5, 1)
            var f = residuals(x)
            guard f.allSatisfy(\.isFinite) else { return nil }  // scipy raises ValueError
            var J = Jacobian(problem: self, x: x, f: f)
            var cost = 0.5 * dot(f, f)
            var g = J.transposeTimes(f)
            var nfev = 1
            let maxEvaluations = 200
            var (v, dv) = scalingVector(x, g)
            var Delta = Vec2(x.a / v.a.squareRoot(), x.b / v.b.squareRoot()).norm
            if Delta == 0 { Delta = 1 }
            var alpha = 0.0
            var status: Int? = nil
            while true {
                (v, dv) = scalingVector(x, g)
                let gNorm = max(abs(g.a * v.a), abs(g.b * v.b))
                if gNorm < Self.gtol { status = 1 }
                if status != nil || nfev == maxEvaluations { break }
                let d = Vec2(v.a.squareRoot(), v.b.squareRoot())
                let diagH = Vec2(g.a * dv.a, g.b * dv.b)
                let gH = Vec2(d.a * g.a, d.b * g.b)
                let jh = J.scaled(d)
                let svd = TwoColumnSVD(top: jh, bottom: Vec2(diagH.a.squareRoot(), diagH.b.squareRoot()))
                let uf = svd.uTransposeTimes(f)
                let theta = max(0.995, 1 - gNorm)
                var actualReduction = -1.0
                var xNew = x, fNew = f, costNew = cost
                while actualReduction <= 0 && nfev < maxEvaluations {
                    let (pH, newAlpha) = solveTrustRegion(m: m, uf: uf, svd: svd, Delta: Delta, initialAlpha: alpha)
                    alpha = newAlpha
                    let p = Vec2(d.a * pH.a, d.b * pH.b)
                    let (step, stepH, predicted) = try selectStep(x: x, jh: jh, diagH: diagH, gH: gH, p: p, pH: pH, d: d, Delta: Delta, theta: theta)
                    xNew = strictlyFeasible(Vec2(x.a + step.a, x.b + step.b))
                    fNew = residuals(xNew)
                    nfev += 1
                    let stepHNorm = stepH.norm
                    guard fNew.allSatisfy(\.isFinite) else { Delta = 0.25 * stepHNorm; continue }
                    costNew = 0.5 * dot(fNew, fNew)
                    actualReduction = cost - costNew
                    let (DeltaNew, ratio) = updateRadius(Delta, actualReduction, predicted, stepHNorm, stepHNorm > 0.95 * Delta)
                    status = termination(actualReduction, cost, step.norm, x.norm, ratio)
                    if status != nil { break }
                    alpha *= Delta / DeltaNew
                    Delta = DeltaNew
                }
                if actualReduction > 0 {
                    x = xNew; f = fNew; cost = costNew
                    J = Jacobian(problem: self, x: x, f: f)
                    g = J.transposeTimes(f)
                }
            }
            // status 0 (evaluation limit) is curve_fit's RuntimeError; its covariance step
            // (an SVD of the final Jacobian) raises on a non-finite Jacobian.
            guard let status, status > 0, J.isFinite else { return nil }
            return (x.a, x.b)
        }

        /// Coleman-Li scaling: the distance to the bound the gradient points to.
        func scalingVector(_ x: Vec2, _ g: Vec2) -> (v: Vec2, dv: Vec2) {
            var v = Vec2(1, 1), dv = Vec2(0, 0)
            for j in 0..<2 {
                let (lb, ub) = Self.bounds(j)
                if g[j] < 0 && ub.isFinite { v[j] = ub - x[j]; dv[j] = -1 }
                if g[j] > 0 && lb.isFinite { v[j] = x[j] - lb; dv[j] = 1 }
            }
            return (v, dv)
        }

        func inBounds(_ x: Vec2) -> Bool {
            (0..<2).allSatisfy { x[$0] >= Self.bounds($0).lower && x[$0] <= Self.bounds($0).upper }
        }

        /// make_strictly_feasible with rstep = 0: a coordinate on a bound moves one ulp inside.
        func strictlyFeasible(_ x: Vec2) -> Vec2 {
            var out = x
            for j in 0..<2 {
                let (lb, ub) = Self.bounds(j)
                if x[j] <= lb { out[j] = lb.nextUp } else if x[j] >= ub { out[j] = ub.nextDown }
                if out[j] < lb || out[j] > ub { out[j] = 0.5 * (lb + ub) }
            }
            return out
        }

        /// step_size_to_bound: the stride along s to the nearest bound, and which coordinates hit it.
        func stepToBound(_ x: Vec2, _ s: Vec2) -> (Double, Vec2) {
            var steps = Vec2(.infinity, .infinity)
            for j in 0..<2 where s[j] != 0 {
                let (lb, ub) = Self.bounds(j)
                steps[j] = max((lb - x[j]) / s[j], (ub - x[j]) / s[j])
            }
            let minimum = min(steps.a, steps.b)
            var hits = Vec2(0, 0)
            for j in 0..<2 where steps[j] == minimum { hits[j] = s[j] > 0 ? 1 : (s[j] < 0 ? -1 : 0) }
            return (minimum, hits)
        }

        func quadratic(_ jh: [Vec2], _ gH: Vec2, _ s: Vec2, _ diag: Vec2) -> Double {
            var q = 0.0
            for row in jh { let js = row.a * s.a + row.b * s.b; q += js * js }
            q += s.a * diag.a * s.a + s.b * diag.b * s.b
            return 0.5 * q + (s.a * gH.a + s.b * gH.b)
        }

        func quadratic1D(_ jh: [Vec2], _ gH: Vec2, _ s: Vec2, _ diag: Vec2, s0: Vec2?) -> (a: Double, b: Double, c: Double) {
            let v = jh.map { $0.a * s.a + $0.b * s.b }
            var a = dot(v, v)
            a += s.a * diag.a * s.a + s.b * diag.b * s.b
            a *= 0.5
            var b = gH.a * s.a + gH.b * s.b
            var c = 0.0
            if let s0 {
                let u = jh.map { $0.a * s0.a + $0.b * s0.b }
                b += dot(u, v)
                c = 0.5 * dot(u, u) + (gH.a * s0.a + gH.b * s0.b)
                b += s0.a * diag.a * s.a + s0.b * diag.b * s.b
                c += 0.5 * (s0.a * diag.a * s0.a + s0.b * diag.b * s0.b)
            }
            return (a, b, c)
        }

        /// minimize_quadratic_1d: the best of the interval ends and the interior extremum
        /// (numpy's argmin: the first minimum; a NaN wins).
        func minimize1D(_ a: Double, _ b: Double, _ lb: Double, _ ub: Double, c: Double = 0) -> (Double, Double) {
            var t = [lb, ub]
            if a != 0 {
                let extremum = -0.5 * b / a
                if lb < extremum && extremum < ub { t.append(extremum) }
            }
            var best = 0, bestValue = t[0] * (a * t[0] + b) + c
            if bestValue.isNaN { return (t[0], bestValue) }
            for i in 1..<t.count {
                let value = t[i] * (a * t[i] + b) + c
                if value.isNaN { return (t[i], value) }
                if value < bestValue { best = i; bestValue = value }
            }
            return (t[best], bestValue)
        }

        func intersectTrustRegion(_ x: Vec2, _ s: Vec2, _ Delta: Double) throws -> (Double, Double) {
            let a = s.a * s.a + s.b * s.b
            if a == 0 { throw Failure() }
            let b = x.a * s.a + x.b * s.b
            let c = (x.a * x.a + x.b * x.b) - Delta * Delta
            if c > 0 { throw Failure() }
            let d = (b * b - a * c).squareRoot()
            let q = -(b + (b.sign == .minus ? -d : d))
            let t1 = q / a, t2 = c / q
            return t1 < t2 ? (t1, t2) : (t2, t1)
        }

        /// select_step: the trust-region step if inside the bounds, else the best of the
        /// reflected step, the step stopped short of the bound, and the Cauchy step.
        func selectStep(x: Vec2, jh: [Vec2], diagH: Vec2, gH: Vec2, p: Vec2, pH: Vec2, d: Vec2, Delta: Double,
                        theta: Double) throws -> (Vec2, Vec2, Double) {
            if inBounds(Vec2(x.a + p.a, x.b + p.b)) {
                return (p, pH, -quadratic(jh, gH, pH, diagH))
            }
            var p = p, pH = pH
            let (pStride, hits) = stepToBound(x, p)
            var rH = pH
            for j in 0..<2 where hits[j] != 0 { rH[j] *= -1 }
            var r = Vec2(d.a * rH.a, d.b * rH.b)
            p = Vec2(p.a * pStride, p.b * pStride)
            pH = Vec2(pH.a * pStride, pH.b * pStride)
            let xOnBound = Vec2(x.a + p.a, x.b + p.b)
            let (_, toTrustRegion) = try intersectTrustRegion(pH, rH, Delta)
            let (toBound, _) = stepToBound(xOnBound, r)
            let rStride = min(toBound, toTrustRegion)
            var rLower = 0.0, rUpper = -1.0
            if rStride > 0 {
                rLower = (1 - theta) * pStride / rStride
                rUpper = rStride == toBound ? theta * toBound : toTrustRegion
            }
            var rValue = Double.infinity
            if rLower <= rUpper {
                let (a, b, c) = quadratic1D(jh, gH, rH, diagH, s0: pH)
                let (stride, value) = minimize1D(a, b, rLower, rUpper, c: c)
                rValue = value
                rH = Vec2(rH.a * stride + pH.a, rH.b * stride + pH.b)
                r = Vec2(rH.a * d.a, rH.b * d.b)
            }
            p = Vec2(p.a * theta, p.b * theta)
            pH = Vec2(pH.a * theta, pH.b * theta)
            let pValue = quadratic(jh, gH, pH, diagH)
            var agH = Vec2(-gH.a, -gH.b)
            var ag = Vec2(d.a * agH.a, d.b * agH.b)
            let agToTrustRegion = Delta / agH.norm
            let (agToBound, _) = stepToBound(x, ag)
            let agLimit = agToBound < agToTrustRegion ? theta * agToBound : agToTrustRegion
            let (a, b, _) = quadratic1D(jh, gH, agH, diagH, s0: nil)
            let (agStride, agValue) = minimize1D(a, b, 0, agLimit)
            agH = Vec2(agH.a * agStride, agH.b * agStride)
            ag = Vec2(ag.a * agStride, ag.b * agStride)
            if pValue < rValue && pValue < agValue { return (p, pH, -pValue) }
            if rValue < pValue && rValue < agValue { return (r, rH, -rValue) }
            return (ag, agH, -agValue)
        }

        /// solve_lsq_trust_region (Moré's method on the SVD): the regularised Gauss-Newton step
        /// of norm Delta, or the plain one when it fits.
        func solveTrustRegion(m: Int, uf: Vec2, svd: TwoColumnSVD, Delta: Double, initialAlpha: Double) -> (Vec2, Double) {
            let s = svd.s
            let suf = Vec2(s.a * uf.a, s.b * uf.b)
            let fullRank = m >= 2 ? s.b > Double.ulpOfOne * Double(m) * s.a : false
            func phi(_ alpha: Double) -> (Double, Double) {
                let denominator = Vec2(s.a * s.a + alpha, s.b * s.b + alpha)
                let pNorm = Vec2(suf.a / denominator.a, suf.b / denominator.b).norm
                let derivative = -((suf.a * suf.a) / (denominator.a * denominator.a * denominator.a)
                    + (suf.b * suf.b) / (denominator.b * denominator.b * denominator.b)) / pNorm
                return (pNorm - Delta, derivative)
            }
            if fullRank {
                let p = svd.vTimes(Vec2(-(uf.a / s.a), -(uf.b / s.b)))
                if p.norm <= Delta { return (p, 0) }
            }
            var alphaUpper = suf.norm / Delta
            var alphaLower = 0.0
            if fullRank {
                let (value, derivative) = phi(0)
                alphaLower = -value / derivative
            }
            var alpha = initialAlpha
            if !fullRank && initialAlpha == 0 { alpha = max(0.001 * alphaUpper, (alphaLower * alphaUpper).squareRoot()) }
            for _ in 0..<10 {
                if alpha < alphaLower || alpha > alphaUpper { alpha = max(0.001 * alphaUpper, (alphaLower * alphaUpper).squareRoot()) }
                let (value, derivative) = phi(alpha)
                if value < 0 { alphaUpper = alpha }
                let ratio = value / derivative
                alphaLower = max(alphaLower, alpha - ratio)
                alpha -= (value + Delta) * ratio / Delta
                if abs(value) < 0.01 * Delta { break }
            }
            var p = svd.vTimes(Vec2(-(suf.a / (s.a * s.a + alpha)), -(suf.b / (s.b * s.b + alpha))))
            let scale = Delta / p.norm
            p = Vec2(p.a * scale, p.b * scale)
            return (p, alpha)
        }

        func updateRadius(_ Delta: Double, _ actual: Double, _ predicted: Double, _ stepNorm: Double, _ boundHit: Bool) -> (Double, Double) {
            let ratio: Double
            if predicted > 0 { ratio = actual / predicted } else if predicted == actual && actual == 0 { ratio = 1 } else { ratio = 0 }
            if ratio < 0.25 { return (0.25 * stepNorm, ratio) }
            if ratio > 0.75 && boundHit { return (Delta * 2, ratio) }
            return (Delta, ratio)
        }

        func termination(_ dF: Double, _ F: Double, _ dxNorm: Double, _ xNorm: Double, _ ratio: Double) -> Int? {
            let ftolSatisfied = dF < Self.ftol * F && ratio > 0.25
            let xtolSatisfied = dxNorm < Self.xtol * (Self.xtol + xNorm)
            if ftolSatisfied && xtolSatisfied { return 4 }
            if ftolSatisfied { return 2 }
            if xtolSatisfied { return 3 }
            return nil
        }
    }
}

func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

/// Two parameters (v0, tau), or any pair.
struct Vec2 {
    var a: Double, b: Double
    init(_ a: Double, _ b: Double) { self.a = a; self.b = b }
    subscript(_ j: Int) -> Double {
        get { j == 0 ? a : b }
        set { if j == 0 { a = newValue } else { b = newValue } }
    }
    /// numpy's norm of a 2-vector: sqrt(a² + b²) (no hypot scaling).
    var norm: Double { (a * a + b * b).squareRoot() }
}

/// scipy's '2-point' Jacobian (m x 2) at x (approx_derivative with the bounds): step
/// sqrt(eps) max(1, |x|) with the sign of x, flipped or shortened to stay inside the bounds.
struct Jacobian {
    var rows: [Vec2]
    init(problem: TrustRegionCurveFit.Problem, x: Vec2, f: [Double]) {
        var rows = [Vec2](repeating: Vec2(0, 0), count: problem.m)
        for j in 0..<2 {
            let xj = x[j], (lb, ub) = TrustRegionCurveFit.Problem.bounds(j)
            var h = TrustRegionCurveFit.Problem.relativeStep * (xj >= 0 ? 1 : -1) * max(1, abs(xj))
            let lowerDistance = xj - lb, upperDistance = ub - xj
            let moved = xj + h
            let violated = moved < lb || moved > ub
            let fitting = abs(h) <= max(lowerDistance, upperDistance)
            if violated && fitting { h = -h }
            if !fitting { h = upperDistance >= lowerDistance ? upperDistance : -lowerDistance }
            var shifted = x
            shifted[j] = xj + h
            let dx = (xj + h) - xj
            let fh = problem.residuals(shifted)
            for i in 0..<problem.m { rows[i][j] = (fh[i] - f[i]) / dx }
        }
        self.rows = rows
    }
    func transposeTimes(_ f: [Double]) -> Vec2 {
        var g = Vec2(0, 0)
        for i in rows.indices { g.a += rows[i].a * f[i]; g.b += rows[i].b * f[i] }
        return g
    }
    func scaled(_ d: Vec2) -> [Vec2] { rows.map { Vec2($0.a * d.a, $0.b * d.b) } }
    var isFinite: Bool { rows.allSatisfy { $0.a.isFinite && $0.b.isFinite } }
}

/// Thin SVD of [top; diag(bottom)] ((m + 2) x 2) by one Jacobi rotation of its two columns:
/// the rotated columns are orthogonal, their norms the singular values (descending).
struct TwoColumnSVD {
    var s: Vec2
    /// Right singular vectors as columns: v1 = (c1, c2), v2 = (c3, c4).
    var v: (Vec2, Vec2)
    /// Left singular vectors, restricted to the first m rows (the residual rows; the
    /// augmented rows multiply zeros in uᵀ f).
    var u: ([Double], [Double])

    init(top: [Vec2], bottom: Vec2) {
        var x = top.map(\.a) + [bottom.a, 0], y = top.map(\.b) + [0, bottom.b]
        let alpha = dot(x, x), beta = dot(y, y), gamma = dot(x, y)
        var c = 1.0, sn = 0.0
        if gamma != 0 {
            let zeta = (beta - alpha) / (2 * gamma)
            let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
            c = 1 / (1 + t * t).squareRoot()
            sn = c * t
        }
        for i in x.indices {
            let xi = x[i], yi = y[i]
            x[i] = c * xi - sn * yi
            y[i] = sn * xi + c * yi
        }
        var s1 = dot(x, x).squareRoot(), s2 = dot(y, y).squareRoot()
        var v1 = Vec2(c, -sn), v2 = Vec2(sn, c)
        if s2 > s1 { swap(&s1, &s2); swap(&x, &y); swap(&v1, &v2) }
        s = Vec2(s1, s2)
        v = (v1, v2)
        let m = top.count
        u = (Array(x.prefix(m)).map { s1 > 0 ? $0 / s1 : 0 }, Array(y.prefix(m)).map { s2 > 0 ? $0 / s2 : 0 })
    }

    func uTransposeTimes(_ f: [Double]) -> Vec2 { Vec2(dot(u.0, f), dot(u.1, f)) }
    func vTimes(_ w: Vec2) -> Vec2 { Vec2(v.0.a * w.a + v.1.a * w.b, v.0.b * w.a + v.1.b * w.b) }
}
