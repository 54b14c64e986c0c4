import Foundation
import HDF5
import Scoring

/// One subject's story-listening responses in BrainAlign's story layout (docs/formats.md;
/// tools/convert_lebel.py writes it from the ds003020 derivatives):
///
///     data (tr, voxel)   BOLD per TR, float32, chunked in column slabs
///     story (tr)         the story each TR belongs to; a story's TRs are consecutive
///     tr_time (tr)       seconds on the story's clock (the clock of its word times),
///                        ascending within a story
///     attribute subject
///
/// Only the coordinates are read here; the responses stay on disk.
public struct StoryResponses: Sendable {
    public let path: String
    public let file: NetCDFFile
    public let subject: String
    public let trCount: Int
    public let voxelCount: Int
    /// Stories in file order, each with its rows (a contiguous range).
    public let stories: [(name: String, rows: Range<Int>)]
    public let trTimes: [Double]

    public init(path: String) throws {
        self.path = path
        file = try NetCDFFile.open(path)
        for name in ["data", "story", "tr_time"] where !file.variables.contains(where: { $0.name == name }) {
            throw ScoringError("\(path): no '\(name)' variable; a story-listening response file needs data (tr, voxel), story (tr) and tr_time (tr) (docs/formats.md; tools/convert_lebel.py makes one)")
        }
        let data = try file.variable("data")
        guard data.shape.count == 2 else { throw ScoringError("\(path): 'data' has shape \(data.shape); expected (tr, voxel)") }
        trCount = data.shape[0]
        voxelCount = data.shape[1]
        subject = file.attributes.first { $0.name == "subject" }?.stringValue ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let labels = try NeuralData.identifiers(file: file, name: "story")
        trTimes = try file.doubles("tr_time")
        guard labels.count == trCount, trTimes.count == trCount else {
            throw ScoringError("\(path): story (\(labels.count)) and tr_time (\(trTimes.count)) must have one entry per TR of data (\(trCount))")
        }
        var stories: [(name: String, rows: Range<Int>)] = []
        var start = 0
        while start < trCount {
            var end = start
            while end < trCount && labels[end] == labels[start] { end += 1 }
            if stories.contains(where: { $0.name == labels[start] }) {
                throw ScoringError("\(path): the TRs of story '\(labels[start])' are not consecutive (rows \(start)..<\(end) and earlier ones); each story must be one block of rows")
            }
            stories.append((labels[start], start..<end))
            start = end
        }
        for story in stories {
            let times = Array(trTimes[story.rows])
            if let missing = times.firstIndex(where: { !$0.isFinite }) {
                throw ScoringError("\(path): tr_time is missing (\(times[missing])) for TR \(missing) of story '\(story.name)'; every TR needs its time")
            }
            guard times.count >= 2 else {
                throw ScoringError("\(path): story '\(story.name)' has \(times.count) TR; at least 2 are needed (their spacing sets the interpolation cutoff)")
            }
            if let bad = times.indices.dropFirst().first(where: { times[$0] <= times[$0 - 1] }) {
                throw ScoringError("\(path): tr_time does not increase within story '\(story.name)' (TR \(bad - 1): \(times[bad - 1]) s, TR \(bad): \(times[bad]) s)")
            }
        }
        self.stories = stories
    }

    public var storyNames: [String] { stories.map(\.name) }
}
