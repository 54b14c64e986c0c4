import Encoding
import HDF5

/// Reads any BrainAlign result file (the one schema, docs/formats.md). Study, plot and
/// `score --ceiling` read results only through this type, so a file of another layout
/// is refused in one place, with one message.
public struct ResultFile: Sendable {
    public let path: String
    public let kind: ResultSchema.Kind
    public let benchmark: String
    /// The part this file scores (a benchmark component or subject), if any.
    public let part: String?
    /// The model, as copied from the activations file (nil if it named none).
    public let model: String?
    public let layers: [String]
    /// Per layer (empty for ceiling files).
    public let scores: [Double]
    public let normalizedScores: [Double]?
    public let ceiling: Double?
    public let bestLayer: String?
    /// The neural file(s) the result was computed from.
    public let neuralFiles: [String]
    let file: NetCDFFile

    public init(path: String) throws {
        let file = try NetCDFFile.open(path)
        self.file = file
        self.path = path
        func text(_ name: String) -> String? { file.attributes.first { $0.name == name }?.stringValue }
        guard let version = file.attributes.first(where: { $0.name == "result_schema_version" })?.values?.integers?.first else {
            let looksOld = file.variables.contains { $0.name == "score" } || text("brainalign_version") != nil
            throw ScoringError(looksOld
                ? "\(path) was written by an older BrainAlign (no result_schema_version attribute); score it again with this version"
                : "\(path) is not a BrainAlign result file (no result_schema_version attribute)")
        }
        guard version == ResultSchema.version else {
            throw ScoringError("\(path) uses result schema version \(version); this BrainAlign reads version \(ResultSchema.version)")
        }
        guard let kindText = text("result_kind"), let kind = ResultSchema.Kind(rawValue: kindText) else {
            throw ScoringError("\(path): unknown result_kind '\(text("result_kind") ?? "")' (expected \(ResultSchema.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.kind = kind
        benchmark = text("benchmark") ?? "custom"
        part = text("part")
        model = text("model")
        bestLayer = text("best_layer")
        neuralFiles = (text("neural_file") ?? "").split(separator: " ").map(String.init)
        ceiling = file.attributes.first { $0.name == "ceiling" }?.values?.doubles?.first
        if kind == .ceiling {
            layers = []
            scores = []
            normalizedScores = nil
        } else {
            layers = try file.strings(ResultSchema.layer)
            scores = try file.doubles("score")
            normalizedScores = file.variables.contains { $0.name == "normalized_score" } ? try file.doubles("normalized_score") : nil
            guard scores.count == layers.count else {
                throw ScoringError("\(path): 'score' has \(scores.count) values for \(layers.count) layers")
            }
        }
    }

    /// The index of the best layer (the file's `best_layer`, else the best-layer rule).
    public var bestLayerIndex: Int? {
        if let bestLayer, let index = layers.firstIndex(of: bestLayer) { return index }
        return Scoring.bestLayerIndex(scores)
    }

    /// Per-neuroid r of one layer, as [split][neuroid] (neural results only).
    public func r(layer: Int) throws -> [[Double]] {
        guard kind == .neural else { throw ScoringError("\(path): a \(kind.rawValue) result has no per-neuroid r") }
        let variable = try file.variable("r")
        let (splits, neuroids) = (variable.shape[1], variable.shape[2])
        let values: [Double] = try file.dataset("r").read(start: [layer, 0, 0], count: [1, splits, neuroids])
        return (0..<splits).map { Array(values[($0 * neuroids)..<(($0 + 1) * neuroids)]) }
    }

    /// Each subject's score per layer ([layer][subject]), when the file has them.
    public func subjectScores() throws -> (subjects: [String], scores: [[Double]])? {
        guard file.variables.contains(where: { $0.name == "subject_score" }) else { return nil }
        let subjects = try file.strings(ResultSchema.perSubject)
        let values = try file.doubles("subject_score")
        return (subjects, layers.indices.map { l in Array(values[(l * subjects.count)..<((l + 1) * subjects.count)]) })
    }

    /// Refuses the file unless it was made for `benchmark` (a part of it counts).
    public func require(benchmark expected: String) throws {
        guard benchmark == expected || part == expected else {
            throw ScoringError("\(path) holds a \(benchmark) result, not \(expected)")
        }
    }
}
