import Encoding
import Foundation
import HDF5
import LinearAlgebra
import Scoring

/// Wehbe2014 (Harry Potter chapter 9) as the paper scored it (docs/protocols.md), per
/// subject and layer:
///
/// 1. word vectors (the activations, one row per word) -> PCA to 10 components fitted on
///    the fold's training words;
/// 2. each TR's features = the mean of its words' components;
/// 3. delays: a TR's features are those of the 4 previous TRs, concatenated (40);
/// 4. each run trimmed [20 : -15] -> the scored TRs;
/// 5. 4 contiguous folds of the scored TRs, boundary TRs between train and test dropped;
///    features z-scored in train and test separately, responses with the training
///    statistics; ridge without intercept with one lambda per voxel from 10^-6 .. 10^9,
///    chosen by an inner contiguous 10-fold CV minimising summed (1 - R²);
/// 6. score per voxel and fold = Pearson r (= mean(zscore(y) * zscore(ŷ))); mean over folds,
///    then over voxels -> subject score; mean over subjects -> layer score.
///
/// `reading` says how each step's details are read: as the paper's code computes them
/// (`Wehbe2014`, the default) or without its quirks (`Wehbe2014-clean`); `WehbeReading`
/// lists the differences. Steps 1-3 are a feature transform (`WehbeFeatures`); the rest
/// runs on the shared layer loop, so `--memory` and `--precision` hold as for every
/// benchmark.
public struct WehbeBenchmark: Benchmark {
    public var reading: WehbeReading
    public var name: String
    public var summary: String
    public var ceiling = 0.104
    public var components = 10
    public var delays = [1, 2, 3, 4]
    public var trimHead = 20, trimTail = 15
    /// The paper's code uses words [skipWords : endWords] of the chapter's 5,176.
    public var skipWords = 20, endWords = 5176
    public var folds = 4
    public var boundary = 5
    public var alphas: [Double] = (-6...9).map { pow(10, Double($0)) }
    public var innerFolds = 10

    public init(reading: WehbeReading = .paperCode) {
        self.reading = reading
        name = reading.benchmarkName
        switch reading {
        case .paperCode:
            summary = "Wehbe2014 Harry Potter fMRI as the paper's code scores it: words [20:5176] -> PCA(10) -> TR means ((t, t+2] words) -> delays 1..4 -> runs trimmed [20:-15] and z-scored -> 4 folds (302/302/302/305, its boundary rule), per-voxel ridge (10^-6..10^9, inner 10-fold 1-R²), mean r; ceiling 0.104"
        case .clean:
            summary = "Wehbe2014 without the paper code's quirks (a deviation): word PCA(10) -> TR means ([t, t+2) words) -> delays 1..4 within runs -> trimmed runs -> KFold(4) with 5 training TRs dropped at each side, per-voxel ridge (10^-6..10^9, inner 10-fold 1-R²), mean r; ceiling 0.104"
        }
    }

    /// The paper's Wehbe2014 and the quirk-free reading.
    public static let paperCode = WehbeBenchmark(reading: .paperCode)
    public static let clean = WehbeBenchmark(reading: .clean)

    public var inputs: BenchmarkInputs {
        BenchmarkInputs(neuralFilesPerSubject: true, activations: "word activations (layer, word, feature)", acceptsCeilingFile: false)
    }

    public var regression: Regression {
        .ridge(RidgeConfiguration(alphas: alphas, alphaPerTarget: true, innerCrossValidation: .kFold(innerFolds),
                                  fitIntercept: false, standardizeTargets: true, innerCriterion: .oneMinusR2))
    }

    /// Each voxel's r averaged over folds, then over voxels.
    public var aggregation: Aggregation { Aggregation(neuroids: .mean, splits: .mean, order: .splitsThenNeuroids) }

    /// Each scored TR's fold (positions into the kept TRs), before boundary TRs are dropped.
    public func foldLabels(count: Int) throws -> [Int] { try reading.foldLabels(count: count, folds: folds) }

    /// The outer folds over the scored TRs (positions into `kept`), boundary TRs removed.
    public func outerSplits(count: Int) throws -> [Split] {
        reading.splits(labels: try foldLabels(count: count), folds: folds, boundary: boundary)
    }

    /// The subject's words the protocol uses (positions in its file).
    public func usedWords(count: Int) -> [Int] {
        reading == .paperCode ? Array(min(skipWords, count)..<min(endWords, count)) : Array(0..<count)
    }

    public func parts(settings: RunSettings) throws -> [any BenchmarkPart] {
        if settings.ceilingOverride != nil {
            throw ScoringError("--ceiling does not apply to Wehbe2014 (its published ceiling is used)")
        }
        let activations = try Activations(path: try settings.requireActivations())
        let layers = try LayerSelection.indices(settings.layers, available: activations.layerNames, file: activations.file.path)
        let subjects = try settings.neuralPaths.map { try WehbeSubject(path: $0, rule: reading.wordToTR) }  // validate every file first
        var names = Set<String>()
        if let repeated = subjects.first(where: { !names.insert($0.subject).inserted }) {
            throw ScoringError("subject '\(repeated.subject)' is given twice (\(subjects.filter { $0.subject == repeated.subject }.map(\.path).joined(separator: ", ")))")
        }
        return try subjects.map { subject in
            try part(subject: subject, activations: activations, layers: layers, settings: settings,
                     outputPath: subjects.count > 1 ? BenchmarkRunner.partPath(subject.subject, base: settings.outputPath) : settings.outputPath)
        }
    }

    func part(subject: WehbeSubject, activations: Activations, layers: [Int], settings: RunSettings, outputPath: String) throws -> WehbePart {
        if reading == .paperCode { try checkPaperLayout(subject) }
        let usedWords = usedWords(count: subject.wordIDs.count)
        let wordRows = try StimulusAlignment.activationRows(neural: usedWords.map { subject.wordIDs[$0] }, activations: activations.stimulusIDs,
                                                            neuralFile: subject.path, activationsFile: activations.file.path)
        let kept = subject.keptTRs(head: trimHead, tail: trimTail)
        guard kept.count >= folds * (2 * boundary + innerFolds + 2) else {
            throw ScoringError("\(subject.path): subject \(subject.subject) has \(kept.count) TRs after trimming each run [\(trimHead):-\(trimTail)]; too few for \(folds) folds")
        }
        let labels = try foldLabels(count: kept.count)
        let splits = reading.splits(labels: labels, folds: folds, boundary: boundary)
        let dataset = try subject.file.dataset("data", chunkCache: .disabled)
        let source = try HDF5Targets(dataset: dataset, rows: kept, columns: subject.voxels.count == subject.voxelCount ? nil : subject.voxels)
        let features = WehbeFeatures(benchmark: self, activations: activations, subject: subject, usedWords: usedWords, wordRows: wordRows,
                                     kept: kept, foldLabels: labels)
        let design = ScoringDesign(part: subject.subject, source: source, splits: splits, features: features, layers: layers,
                                   regression: regression, aggregation: aggregation, subjects: nil)
        let layout = NeuralResultWriter.Layout(
            layers: design.layerNames, splits: splits, presentationIDs: kept.map { "TR \($0)" }, neuroidCount: source.columnCount,
            presentationCoordinates: [("tr_index", .int64(kept.map { Int64($0) }))],
            extraNeuroidCoordinates: [("voxel_index", .int64(subject.voxels.map { Int64($0) }))],
            protocolAttributes: [("subject", .strings([subject.subject])), ("protocol", .strings([summary])),
                                 ("regression", .strings([regression.description])),
                                 ("precision", .strings([settings.precision.rawValue])),
                                 ("aggregation", .strings([aggregation.description]))],
            alphas: alphas)
        var provenance = Provenance(benchmark: name, settings: settings)
        provenance.neuralFiles = [subject.path]
        let part = NeuralPart(name: subject.subject, outputPath: outputPath, design: design, layout: layout, ceiling: ceiling,
                              provenance: provenance, inputFiles: settings.neuralPaths + [activations.file.path])
        return WehbePart(part: part, warnings: emptyDelaySources(subject: subject, usedWords: usedWords, kept: kept))
    }

    /// Subjects' scores averaged per layer, normalised by the published ceiling. With one
    /// subject the combination is that subject (normalised), written to the same file.
    public func combine(_ parts: [PartResult], outputPath: String) -> PartResult? {
        guard parts.count > 1 else { return nil }
        return PartResult.meanOverParts(parts, name: name, outputPath: outputPath, ceiling: ceiling, partsAreSubjects: true)
    }

    public var combination: String { "mean over subjects of each layer's score, normalised by the published ceiling \(ceiling)" }
}
