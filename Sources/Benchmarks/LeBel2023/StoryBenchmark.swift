import Encoding
import Foundation
import HDF5
import Scoring

/// A story-listening benchmark (`StoryProtocol`) over one response file per subject in
/// the story layout and one word-level activations file: LeBel2023 with the published
/// protocol, or any such dataset with the protocol from the command line. Each subject is
/// a part (its own result file when there are several); the combination is the mean
/// over subjects of each layer's score (the mean r over voxels; the median is in each
/// part's file as `r`). There is no published ceiling.
public struct StoryBenchmark: Benchmark {
    public var name: String
    public var summary: String
    public var spec: StoryProtocol

    public init(name: String, summary: String, spec: StoryProtocol) {
        self.name = name
        self.summary = summary
        self.spec = spec
    }

    public static let lebel2023 = StoryBenchmark(
        name: "LeBel2023",
        summary: "LeBel2023 story-listening fMRI (ds003020): word activations -> Lanczos to TRs -> trim [10:-5] -> z-score per story -> delays 1..4 -> ridge, per-voxel alpha from (10^1..10^3)^2 by bootstrap 50:40:125 -> mean r on wheretheressmoke",
        spec: .lebel2023)

    /// A custom story-listening run (flags of `brainalign score`).
    public static func custom(_ spec: StoryProtocol) -> StoryBenchmark {
        StoryBenchmark(name: "story", summary: spec.description, spec: spec)
    }

    public var inputs: BenchmarkInputs {
        BenchmarkInputs(neuralFilesPerSubject: true, activations: "word activations (layer, word, feature) with story and word_time", acceptsCeilingFile: false)
    }

    public var aggregation: Aggregation { Aggregation(neuroids: .mean, splits: .mean) }

    public func parts(settings: RunSettings) throws -> [any BenchmarkPart] {
        try spec.validate()
        if settings.ceilingOverride != nil { throw ScoringError("--ceiling does not apply to \(name) (it has no ceiling)") }
        let activations = try Activations(path: try settings.requireActivations())
        let layers = try LayerSelection.indices(settings.layers, available: activations.layerNames, file: activations.file.path)
        let words = try StoryWords(activations: activations)
        let subjects = try settings.neuralPaths.map { try StoryResponses(path: $0) }
        var seen = Set<String>()
        if let repeated = subjects.first(where: { !seen.insert($0.subject).inserted }) {
            throw ScoringError("subject '\(repeated.subject)' is given twice (\(subjects.filter { $0.subject == repeated.subject }.map(\.path).joined(separator: ", ")))")
        }
        for subject in subjects { try words.checkMatches(subject, activationsFile: activations.file.path) }
        return try subjects.map { subject in
            try part(subject: subject, words: words, activations: activations, layers: layers, settings: settings,
                     outputPath: subjects.count > 1 ? BenchmarkRunner.partPath(subject.subject, base: settings.outputPath) : settings.outputPath)
        }
    }

    func part(subject: StoryResponses, words: StoryWords, activations: Activations, layers: [Int], settings: RunSettings,
              outputPath: String) throws -> NeuralPart {
        var kept: [Int] = [], keptStories: [String] = []
        for story in subject.stories {
            let rows = story.rows.dropFirst(spec.trimHead).dropLast(spec.trimTail)
            let longest = spec.delays.max()!
            guard rows.count > longest else {
                throw ScoringError("\(subject.path): story '\(story.name)' keeps \(rows.count) TRs after trimming [\(spec.trimHead):-\(spec.trimTail)] of \(story.rows.count); delays up to \(longest) TRs need more (every row would be zero-padded)")
            }
            kept += rows
            keptStories += [String](repeating: story.name, count: rows.count)
        }
        let splits = try outerSplits(subject: subject, keptStories: keptStories)
        let features = StoryFeatures(spec: spec, activations: activations, words: words, responses: subject, kept: kept, keptStories: keptStories)
        let dataset = try subject.file.dataset("data", chunkCache: .disabled)
        let source = try HDF5Targets(dataset: dataset, rows: kept)
        try refuseNaNRows(subject: subject, source: source, kept: kept, memoryBudget: settings.memoryBudget)
        let regression = spec.regression(trainStories: splits[0].train.map { keptStories[$0] })
        let design = ScoringDesign(part: subject.subject, source: source, splits: splits, features: features, layers: layers,
                                   regression: regression, aggregation: aggregation, subjects: nil)
        let trIndex = kept.map { row in Int64(row - subject.stories.first { $0.rows.contains(row) }!.rows.lowerBound) }
        let layout = NeuralResultWriter.Layout(
            layers: design.layerNames, splits: splits, presentationIDs: zip(keptStories, trIndex).map { "\($0).\($1)" },
            neuroidCount: source.columnCount,
            presentationCoordinates: [("story", .strings(keptStories)), ("tr_time", .float64(kept.map { subject.trTimes[$0] })),
                                      ("tr_index", .int64(trIndex))],
            neuroidCoordinates: (subject.file, subject.file.coordinates(along: try subject.file.variable("data").dimensions[1]), nil),
            protocolAttributes: [("subject", .strings([subject.subject])), ("protocol", .strings([spec.description])),
                                 ("regression", .strings([spec.regressionDescription])),
                                 ("precision", .strings([settings.precision.rawValue])),
                                 ("aggregation", .strings([aggregation.description]))],
            alphas: spec.alphas)
        var provenance = Provenance(benchmark: name, settings: settings)
        provenance.neuralFiles = [subject.path]
        return NeuralPart(name: subject.subject, outputPath: outputPath, design: design, layout: layout, ceiling: nil, provenance: provenance,
                          inputFiles: settings.neuralPaths + [activations.file.path])
    }

    /// The outer splits over the scored rows (positions into `keptStories`).
    func outerSplits(subject: StoryResponses, keptStories: [String]) throws -> [Split] {
        let names = subject.storyNames
        func unknown(_ stories: [String], _ role: String) throws {
            let absent = stories.filter { !names.contains($0) }
            if !absent.isEmpty {
                throw ScoringError("\(subject.path): \(role) stor\(absent.count == 1 ? "y" : "ies") \(absent.map { "'\($0)'" }.joined(separator: ", ")) not in the responses (stories: \(names.joined(separator: ", ")))")
            }
        }
        switch spec.outer {
        case .testStories(let test, let train):
            try unknown(test, "test")
            let training = train ?? names.filter { !test.contains($0) }
            try unknown(training, "training")
            guard !training.isEmpty else { throw ScoringError("\(subject.path): every story is a test story; none is left to train on") }
            let positions = keptStories.indices
            return [Split(train: positions.filter { training.contains(keptStories[$0]) }, test: positions.filter { test.contains(keptStories[$0]) })]
        case .storyFolds(let k):
            guard k >= 2, k <= names.count else {
                throw ScoringError("\(subject.path): \(k) story folds need 2 <= k <= the \(names.count) stories")
            }
            return try CrossValidation.kFold(k).splits(count: names.count).map { fold in
                let held = Set(fold.test.map { names[$0] })
                return Split(train: keptStories.indices.filter { !held.contains(keptStories[$0]) }, test: keptStories.indices.filter { held.contains(keptStories[$0]) })
            }
        }
    }

    public func combine(_ parts: [PartResult], outputPath: String) -> PartResult? {
        guard parts.count > 1 else { return nil }
        return PartResult.meanOverParts(parts, name: name, outputPath: outputPath, ceiling: nil, partsAreSubjects: true)
    }

    public var combination: String { "mean over subjects of each layer's score (mean r over voxels)" }
}
