import Encoding
import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// The story-listening pieces against tools/reference_lebel.py --units (numpy, written from
/// the Huth lab's published lanczosinterp2D / bootstrap_ridge).
@Suite struct LanczosTests {
    static func units() throws -> [String: Any] { try Fixture.json("EncodingTests", "lebel_units.json") }

    /// A matrix from the fixture's list of columns.
    static func matrix(_ any: Any?) -> Matrix<Double> {
        let columns = (any as? [Any] ?? []).map { doubles($0) }
        return Matrix(rows: columns.first?.count ?? 0, columns: columns.count, columnMajor: columns.flatMap { $0 })
    }

    @Test func resamplingMatchesTheSincMatrixProduct() throws {
        let fixture = try #require(try Self.units()["lanczos"] as? [String: Any])
        let out = LanczosInterpolation.resample(Self.matrix(fixture["vectors"]), oldTimes: doubles(fixture["word_times"]),
                                                newTimes: doubles(fixture["tr_times"]), window: 3)
        let expected = Self.matrix(fixture["expected"])
        #expect(out.rows == expected.rows && out.columns == expected.columns)
        #expect(maxAbsDifference(out.elements, expected.elements) <= 1e-12)
    }

    @Test func kernelShape() {
        #expect(LanczosInterpolation.kernel(0, window: 3) == 1)
        #expect(LanczosInterpolation.kernel(3.5, window: 3) == 0)
        #expect(abs(LanczosInterpolation.kernel(1, window: 3)) < 1e-15)  // zero one TR away
        #expect(LanczosInterpolation.kernel(0.5, window: 3) == LanczosInterpolation.kernel(-0.5, window: 3))
    }

    /// Per-voxel alpha by the chunked bootstrap with the correlation criterion: the same
    /// choice as numpy's SVD ridge on the same seeded draws.
    @Test func bootstrapChoiceMatches() throws {
        let fixture = try #require(try Self.units()["bootstrap"] as? [String: Any])
        let x = Self.matrix(fixture["x"]), y = Self.matrix(fixture["y"])
        let bootstrap = ChunkedBootstrap(draws: integers([fixture["draws"] as Any])[0], chunkLength: integers([fixture["chunk"] as Any])[0],
                                         heldOutChunks: integers([fixture["chunks"] as Any])[0], seed: 1)
        let regression = Regression.ridge(RidgeConfiguration(alphas: doubles(fixture["alphas"]), innerCrossValidation: .chunkedBootstrap(bootstrap),
                                                             fitIntercept: false))
        for precisionIsDouble in [true, false] {
            let chosen: [Int]
            if precisionIsDouble {
                let model = try SplitModel(features: x, split: Split(train: Array(0..<x.rows), test: [0, 1]), regression: regression)
                chosen = model.predict(targets: y).chosen
            } else {
                let xs = Matrix<Float>(rows: x.rows, columns: x.columns, columnMajor: x.elements.map { Float($0) })
                let ys = Matrix<Float>(rows: y.rows, columns: y.columns, columnMajor: y.elements.map { Float($0) })
                let model = try SplitModel(features: xs, split: Split(train: Array(0..<x.rows), test: [0, 1]), regression: regression)
                chosen = model.predict(targets: ys).chosen
            }
            #expect(chosen == integers(fixture["chosen"]), "double: \(precisionIsDouble)")
        }
    }
}
