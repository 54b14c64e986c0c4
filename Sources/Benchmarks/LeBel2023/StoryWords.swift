import Foundation
import HDF5
import Scoring

/// The words of each story in a word-level activations file (the extractor's story
/// readout, docs/formats.md): `activations (layer, word, feature)` with `story (word)`
/// and `word_time (word)` (seconds on the story's clock) beside `stimulus_id`.
struct StoryWords: Sendable {
    /// Per story: its activation rows and their word times, in time order.
    let stories: [String: (rows: [Int], times: [Double])]
    /// Story names in the order they first appear in the file.
    let order: [String]

    init(activations: Activations) throws {
        let path = activations.file.path
        for name in ["story", "word_time"] where !activations.file.variables.contains(where: { $0.name == name }) {
            throw ScoringError("\(path): no '\(name)' coordinate; story-listening benchmarks need word-level activations with story and word_time along the word dimension (tools/extract_activations.py --benchmark lebel writes them)")
        }
        let labels = try NeuralData.identifiers(file: activations.file, name: "story")
        let times = try activations.file.doubles("word_time")
        let rows = activations.stimulusIDs.count
        guard labels.count == rows, times.count == rows else {
            throw ScoringError("\(path): story (\(labels.count)) and word_time (\(times.count)) must have one entry per word of the activations (\(rows))")
        }
        var stories: [String: (rows: [Int], times: [Double])] = [:]
        var order: [String] = []
        for row in 0..<rows {
            guard times[row].isFinite else {
                throw ScoringError("\(path): word_time of word \(row) ('\(activations.stimulusIDs[row])', story '\(labels[row])') is \(times[row]); every word needs a time")
            }
            if stories[labels[row]] == nil { order.append(labels[row]) }
            if let last = stories[labels[row]]?.times.last, times[row] < last {
                throw ScoringError("\(path): word times are not increasing within story '\(labels[row])': word '\(activations.stimulusIDs[row])' at \(times[row]) s follows one at \(last) s")
            }
            stories[labels[row], default: ([], [])].rows.append(row)
            stories[labels[row]]!.times.append(times[row])
        }
        self.stories = stories
        self.order = order
    }

    /// Refuses stories present on one side only, naming them.
    func checkMatches(_ responses: StoryResponses, activationsFile: String) throws {
        let responseStories = Set(responses.storyNames)
        let extra = order.filter { !responseStories.contains($0) }
        if !extra.isEmpty {
            throw ScoringError("\(activationsFile): \(extra.count) stor\(extra.count == 1 ? "y is" : "ies are") in the features but not in the responses \(responses.path): \(extra.map { "'\($0)'" }.joined(separator: ", "))")
        }
        let missing = responses.storyNames.filter { stories[$0] == nil }
        if !missing.isEmpty {
            throw ScoringError("\(activationsFile) has no words for \(missing.count) stor\(missing.count == 1 ? "y" : "ies") of \(responses.path): \(missing.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }
}
