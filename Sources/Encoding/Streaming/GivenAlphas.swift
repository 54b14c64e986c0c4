import Foundation
import LinearAlgebra

/// Alphas chosen before the scoring pass, per split: the scoring pass then predicts with
/// them instead of choosing as the voxels stream. `InnerLossStore` makes them, for a shared
/// alpha chosen over all voxels and for alphas selected in passes of inner folds.
public struct GivenAlphas: Sendable {
    public enum Choice: Sendable, Equatable {
        /// One index for every voxel of the split.
        case shared(Int)
        /// One index per voxel, by column of the source.
        case perNeuroid([Int])
    }

    /// [split]; nil: that split's model chooses as the voxels stream.
    public var splits: [Choice?]

    public init(splits: [Choice?]) {
        self.splits = splits
    }

    /// The indices of `columns` for split `s`, or nil when the model chooses them.
    public func indices(split s: Int, columns: Range<Int>) -> [Int]? {
        switch splits[s] {
        case nil: nil
        case .shared(let index): [Int](repeating: index, count: columns.count)
        case .perNeuroid(let all): Array(all[columns])
        }
    }
}

/// The inner-fold losses of every split and voxel, added up over one choosing pass (a
/// shared alpha) or several (passes of inner folds, `ModelPart.innerFolds`): per split,
/// [alpha][column] in Double. A shared alpha pools them in column order, so its choice
/// does not depend on how the voxels were sliced (`--threads`, `--memory`). Each pass's worker
/// takes a slice's running sums, adds its folds' losses in fold order and puts them back,
/// so every voxel's sums see the folds in the same order as in one pass, and the choice
/// is the same. Slices of one pass cover disjoint columns; the lock only guards the
/// storage itself.
public final class InnerLossStore: @unchecked Sendable {
    public let columns: Int
    private let lock = NSLock()
    private var sums: [[Double]]
    /// Inner folds added per split so far (the correlation criterion's mean needs them).
    private var foldsAdded: [Int]

    /// `alphas[s]`: split s's candidate count.
    public init(alphas: [Int], columns: Int) {
        self.columns = columns
        sums = alphas.map { [Double](repeating: 0, count: $0 * columns) }
        foldsAdded = alphas.map { _ in 0 }
    }

    /// Bytes the store holds for `splits` splits of `alphas` candidates over `columns`
    /// voxels, with the choices made from it (for memory planning).
    public static func bytes(splits: Int, alphas: Int, columns: Int) -> Int {
        8 * splits * columns * (alphas + 1)
    }

    /// Adds the losses of `models` (one pass's inner folds, one model per split) for the
    /// voxels `columns` of `targets` (all rows x those voxels).
    public func add<S>(_ models: [SplitModel<S>], targets: Matrix<S>, columns range: Range<Int>) {
        precondition(models.count == sums.count && range.count == targets.columns && range.upperBound <= columns, "one model per split, one column per voxel")
        for (s, model) in models.enumerated() where model.innerFoldCount > 0 {
            let candidates = model.alphas.count
            precondition(sums[s].count == candidates * columns, "the store holds split \(s)'s \(candidates) candidates")
            var local = lock.withLock { (0..<candidates).flatMap { a in sums[s][(a * columns + range.lowerBound)..<(a * columns + range.upperBound)] } }
            model.addInnerLosses(targets: targets, into: &local)
            lock.withLock {
                for a in 0..<candidates {
                    sums[s].replaceSubrange((a * columns + range.lowerBound)..<(a * columns + range.upperBound),
                                            with: local[(a * range.count)..<((a + 1) * range.count)])
                }
            }
        }
    }

    /// Marks one pass done: `models`' inner folds count towards each split's total.
    public func passDone<S>(_ models: [SplitModel<S>]) {
        lock.withLock { for (s, model) in models.enumerated() { foldsAdded[s] += model.innerFoldCount } }
    }

    /// The choices once every pass is done, by the test rows' models (`ModelPart.test`,
    /// which know each split's criterion and whether its alpha is shared). `innerFolds[s]`:
    /// split s's inner folds in all, which the passes must have added exactly.
    public func choices<S>(_ models: [SplitModel<S>], innerFolds: [Int]) throws -> GivenAlphas {
        try lock.withLock {
            guard foldsAdded == innerFolds else {
                throw CrossValidationError(description: "alpha selection in passes added \(foldsAdded) inner folds per split, expected \(innerFolds)")
            }
            return GivenAlphas(splits: models.enumerated().map { s, model in
                let chosen = model.choose(finishedLosses: model.finishedLosses(sums[s], innerSplits: innerFolds[s]), voxels: columns)
                return model.alphaPerTarget ? .perNeuroid(chosen) : .shared(chosen.first ?? 0)
            })
        }
    }
}
