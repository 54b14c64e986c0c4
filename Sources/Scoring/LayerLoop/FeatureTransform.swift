import Foundation
import Encoding
import LinearAlgebra

/// How one layer's activations become each split's regression model. Every benchmark's
/// feature preparation is one of these: the identity (`AlignedActivations`: rows paired
/// by stimulus_id), or a protocol's own (Wehbe2014's PCA, TR means and delays). The layer
/// loop never needs to know which.
public protocol FeatureTransform: Sendable {
    /// The layers the activations hold, in file order.
    var layerNames: [String] { get }
    /// Bytes this transform holds while one layer is scored, for the memory plan.
    func heldBytes(scalarSize: Int) -> Int
    /// The split models of one layer (an index into `layerNames`).
    func models<S: EngineScalar>(layer: Int, splits: [Split], regression: Regression, threads: Int, as: S.Type) throws -> LayerModels<S>
    /// Features per row the models will be fitted on, when known before any layer is read
    /// (the memory plan needs it to predict the operators' forms exactly); nil: unknown,
    /// and the plan uses a bound.
    var featureCount: Int? { get }
    /// The regression of one split, when a transform varies it per split (story-listening
    /// inner folds over that split's training stories); the memory plan predicts each
    /// split's shape from it. Default: `base` for every split.
    func regression(for split: Split, base: Regression) -> Regression
}

extension FeatureTransform {
    public var featureCount: Int? { nil }
    public func regression(for split: Split, base: Regression) -> Regression { base }
}

/// A layer's models, or why it cannot be scored as asked.
public enum LayerModels<S: EngineScalar> {
    case models([SplitModel<S>])
    /// The layer carries no information (no features, or the same values for every
    /// stimulus): any r would be rounding noise, so its scores are NaN.
    case undefined(reason: String)
    /// The operators overflowed at this precision (e.g. float32 activations near 1e38):
    /// the layer is retried in float64.
    case overflow(reason: String)

    /// Classifies built models: all operators finite, or overflow.
    public static func checked(_ models: [SplitModel<S>], layer: String) -> LayerModels<S> {
        if models.allSatisfy(\.hasFiniteOperators) { return .models(models) }
        return .overflow(reason: "layer '\(layer)': the \(S.self) regression operators overflowed (activations beyond \(S.self)'s range: too large, or so small they are subnormal)")
    }
}

/// Why a layer's features cannot carry signal, or nil when they can.
public func undefinedFeaturesReason<S: EngineScalar>(_ features: Matrix<S>, layer: String) -> String? {
    if features.columns == 0 { return "layer '\(layer)' has no features" }
    guard features.rows > 1 else { return nil }
    let n = features.rows
    let constant = features.elements.withUnsafeBufferPointer { e -> Bool in
        for j in 0..<features.columns {
            let first = e[j * n]
            for i in 1..<n where e[j * n + i] != first { return false }
        }
        return true
    }
    return constant ? "layer '\(layer)' has the same activations for every stimulus (constant or all zero); its r would be rounding noise" : nil
}

/// Whether products of these features (Gram matrices, SVDs: sums of n·p squares) could
/// overflow the scalar type. Activations are O(1)-O(1e3) in practice; values near 1e19
/// and beyond overflow float32 (max ~3.4e38) once squared and summed, and LAPACK then
/// fails or returns singular values of infinity, which would silently zero the fit.
public func featuresMayOverflow<S: EngineScalar>(_ features: Matrix<S>) -> Bool {
    var largest = 0.0
    for value in features.elements { largest = max(largest, abs(Double(value))) }
    let sums = largest * largest * Double(max(features.rows, 1)) * Double(max(features.columns, 1))
    return sums > Double(S.greatestFiniteMagnitude) * 1e-4
}

/// The identity transform: each neural row's features are the activations of the same
/// stimulus_id.
public struct AlignedActivations: FeatureTransform {
    public let activations: Activations
    /// For each row the engine uses, its row in the activations file.
    public let rows: [Int]

    public init(activations: Activations, stimulusIDs: [String], neuralFile: String) throws {
        self.activations = activations
        rows = try StimulusAlignment.activationRows(neural: stimulusIDs, activations: activations.stimulusIDs,
                                                    neuralFile: neuralFile, activationsFile: activations.file.path)
    }

    public var layerNames: [String] { activations.layerNames }

    public var featureCount: Int? { activations.featureCount }

    public func heldBytes(scalarSize: Int) -> Int {
        // The layer as read (every stored row) and the aligned copy.
        scalarSize * activations.featureCount * (activations.stimulusIDs.count + rows.count)
    }

    public func models<S: EngineScalar>(layer: Int, splits: [Split], regression: Regression, threads: Int, as: S.Type) throws -> LayerModels<S> {
        let features = try activations.layer(layer, rows: rows, as: S.self)
        if let reason = undefinedFeaturesReason(features, layer: layerNames[layer]) { return .undefined(reason: reason) }
        if featuresMayOverflow(features) {
            return .overflow(reason: "layer '\(layerNames[layer])': activations up to \(String(format: "%.3g", Double(features.elements.map { abs($0) }.max() ?? 0))) overflow \(S.self) products")
        }
        let models = try SplitModel.build(features: features, splits: splits, regression: regression, threads: threads)
        return .checked(models, layer: layerNames[layer])
    }
}
