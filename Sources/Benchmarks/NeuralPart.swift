import Encoding
import Foundation
import HDF5
import Scoring

/// A neural part of a benchmark, scored by the shared layer loop into one result file.
public struct NeuralPart: BenchmarkPart {
    /// Spread over MPI ranks: each streams its share of the voxel slabs.
    public var spreadsOverRanks: Bool { true }
    public var name: String
    public var outputPath: String
    public var design: ScoringDesign
    public var layout: NeuralResultWriter.Layout
    public var ceiling: Double?
    public var provenance: Provenance
    public var inputFiles: [String]

    public init(name: String, outputPath: String, design: ScoringDesign, layout: NeuralResultWriter.Layout, ceiling: Double?,
                provenance: Provenance, inputFiles: [String]) {
        self.inputFiles = inputFiles
        self.name = name
        self.outputPath = outputPath
        self.design = design
        self.layout = layout
        self.ceiling = ceiling
        self.provenance = provenance
    }

    /// The memory plan of every layer, from the predicted model shapes: a budget too small
    /// for this part is refused before any part runs.
    public func preflight(settings: RunSettings) throws {
        _ = try LayerLoop.predictedPlan(design, settings: settings, precision: settings.precision)
    }

    public func score(settings: RunSettings, observer: RunObserver) throws -> ScoredPart {
        let start = Date()
        let writer = try NeuralResultWriter(path: outputPath, overwrite: settings.overwrite, layout: layout, part: name, provenance: provenance,
                                            ranks: settings.ranks)
        do {
            let (layers, plan, warnings) = try LayerLoop.run(design, settings: settings, writer: writer, observer: observer)
            let result = PartResult(name: name, outputPath: outputPath, layers: layers, ceiling: ceiling,
                                    stimuli: layout.presentationIDs.count, neuroids: layout.neuroidCount, plan: plan,
                                    seconds: Date().timeIntervalSince(start), warnings: warnings)
            // Over MPI ranks only the lead has the summaries and the file.
            return ScoredPart(result: result, file: try settings.ranks.onLead { try writer.stage(result) })
        } catch {
            writer.discard()
            throw error
        }
    }

    /// A part over a BrainIO-layout neural file (`data (presentation, neuroid)` with
    /// `stimulus_id`), scored on the activations of the same stimuli: Brain-Score's
    /// benchmarks and custom runs.
    public static func brainIO(name: String, benchmark: String, protocol spec: NeuralProtocol, ceiling: Double?,
                               settings: RunSettings, outputPath: String) throws -> NeuralPart {
        let neural = try NeuralData(path: settings.neuralPath, variableName: settings.neuralVariable)
        for coordinate in spec.requiredRowCoordinates { _ = try neural.rowLabels(coordinate) }
        let subjectLabels = try spec.subjectCoordinate.map { try neural.columnLabels($0) }
        let activations = try Activations(path: try settings.requireActivations())
        let layers = try LayerSelection.indices(settings.layers, available: activations.layerNames, file: activations.file.path)
        let selection = try NeuralSelection.make(neural: neural, rowFilter: spec.rowFilter, dropNaNNeuroids: spec.dropNaNNeuroids,
                                                 memoryBudget: settings.memoryBudget)
        let stimulusIDs = selection.rows.map { neural.stimulusIDs[$0] }
        let features = try AlignedActivations(activations: activations, stimulusIDs: stimulusIDs, neuralFile: neural.file.path)
        let splits = try spec.crossValidation.splits(neural: neural, rows: selection.rows)
        let dataset = try neural.file.dataset(neural.variable.name, chunkCache: .disabled)
        let source = try HDF5Targets(dataset: dataset, rows: selection.rows, columns: selection.columns)
        let design = ScoringDesign(part: name, source: source, splits: splits, features: features, layers: layers,
                                   regression: spec.regression, aggregation: spec.aggregation,
                                   subjects: subjectLabels.map { labels in selection.columnIndices.map { labels[$0] } })
        var attributes: [(name: String, value: HDF5Values)] = [
            ("neural_variable", .strings([neural.variable.name])),
            ("regression", .strings([spec.regression.description])),
            ("cross_validation", .strings([spec.crossValidation.description])),
            ("precision", .strings([settings.precision.rawValue])),
            ("aggregation", .strings([spec.aggregation.description])),
        ]
        if let filter = spec.rowFilter { attributes.append(("presentations", .strings(["\(filter.coordinate) == \(filter.value)"]))) }
        if spec.dropNaNNeuroids { attributes.append(("neuroids", .strings(["neuroids with NaN in any selected presentation dropped"]))) }
        if case .shuffleSplit(_, _, let seed) = spec.crossValidation { attributes.append(("seed", .int64([Int64(seed)]))) }
        if let override = settings.ceilingOverride { attributes.append(("ceiling_file", .strings([override.file]))) }
        let layout = NeuralResultWriter.Layout(
            layers: design.layerNames, splits: splits, presentationIDs: stimulusIDs, neuroidCount: selection.columnCount,
            neuroidCoordinates: (neural.file, neural.columnCoordinates, selection.columns),
            protocolAttributes: attributes, alphas: spec.regression.alphas)
        var inputs = settings.neuralPaths + [activations.file.path] + (settings.ceilingOverride.map { [$0.file] } ?? [])
        if case .file(let path) = spec.crossValidation { inputs.append(path) }
        return NeuralPart(name: name, outputPath: outputPath, design: design, layout: layout,
                          ceiling: settings.ceilingOverride?.value ?? ceiling, provenance: Provenance(benchmark: benchmark, settings: settings),
                          inputFiles: inputs)
    }
}
