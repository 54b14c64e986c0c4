/// One compute slice's share of the shared-alpha choices: per split and candidate, the
/// inner losses summed over the slice's voxels (`SplitModel.pooledLosses`).
public struct PooledLossShare: Sendable, Equatable {
    public var columns: Range<Int>
    /// [split][alpha]
    public var losses: [[Double]]

    public init(columns: Range<Int>, losses: [[Double]]) {
        self.columns = columns
        self.losses = losses
    }
}

/// A split that shares one alpha across voxels must choose it from all of them. Streaming
/// sees the voxels a slice at a time, so the choice is made in two passes: every slice's
/// share of the summed losses (`StreamingScorer.pooledLosses`), then the lowest total
/// per split. The shares are added in column order, so the choice is the same whatever
/// order the slices finished in.
public enum SharedAlphaChoice {
    /// Per split, the winning alpha index; nil for splits that choose per voxel.
    /// `shares` must cover every column of the source exactly once.
    public static func choose<S>(_ shares: [PooledLossShare], models: [SplitModel<S>], columns: Int) throws -> GivenAlphas {
        let ordered = shares.sorted { $0.columns.lowerBound < $1.columns.lowerBound }
        var next = 0
        for share in ordered {
            guard share.columns.lowerBound == next, share.losses.count == models.count else {
                throw CrossValidationError(description: "shared alpha: the pooled losses do not cover the voxels once each (slice \(share.columns) after \(next))")
            }
            next = share.columns.upperBound
        }
        guard next == columns else {
            throw CrossValidationError(description: "shared alpha: the pooled losses cover \(next) of \(columns) voxels")
        }
        return GivenAlphas(splits: models.enumerated().map { s, model in
            guard model.choosesOneSharedAlpha else { return nil }
            var total = [Double](repeating: 0, count: model.alphas.count)
            for share in ordered {
                for (a, loss) in share.losses[s].enumerated() { total[a] += loss }
            }
            return .shared(SplitModel<S>.argmin(total))
        })
    }
}
