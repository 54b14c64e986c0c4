/// Aggregates over voxels and splits, with numpy's conventions.

/// Median of the non-NaN values (numpy.nanmedian; the mean of the two middle values for
/// an even count). NaN when there are none.
public func nanMedian(_ values: [Double]) -> Double {
    let finite = values.filter { !$0.isNaN }.sorted()
    guard !finite.isEmpty else { return .nan }
    let middle = finite.count / 2
    return finite.count % 2 == 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2
}

/// Mean of the non-NaN values (numpy.nanmean). NaN when there are none.
public func nanMean(_ values: [Double]) -> Double {
    let finite = values.filter { !$0.isNaN }
    guard !finite.isEmpty else { return .nan }
    return finite.reduce(0, +) / Double(finite.count)
}

/// Median absolute deviation from the median (unscaled), NaN skipped: the paper's error bars.
public func nanMedianAbsoluteDeviation(_ values: [Double]) -> Double {
    let median = nanMedian(values)
    return nanMedian(values.map { abs($0 - median) })
}

/// The q-th percentile (0...100) of the non-NaN values, numpy.nanpercentile's default
/// (linear interpolation between the two nearest ranks). NaN when there are none.
public func nanPercentile(_ values: [Double], _ q: Double) -> Double {
    let sorted = values.filter { !$0.isNaN }.sorted()
    guard !sorted.isEmpty else { return .nan }
    let position = q / 100 * Double(sorted.count - 1)
    let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
    return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
}

/// How per-voxel r values become one number per split, and splits one score.
public enum Aggregate: String, Sendable, CaseIterable {
    case median, mean

    public func callAsFunction(_ values: [Double]) -> Double {
        switch self {
        case .median: nanMedian(values)
        case .mean: nanMean(values)
        }
    }
}
