import Encoding
import Foundation
import HDF5

/// Writes a neural part's result file (schema in docs/formats.md), opened by
/// `xarray.open_dataset` with named dimensions:
///
///     dims:   layer (names), split (0..k-1), presentation, neuroid [, per_subject]
///     r            (layer, split, neuroid)  held-out Pearson r per neuroid, NaN until written
///     alpha        (layer, split, neuroid)  chosen ridge penalty (ridge only)
///     test_mask    (split, presentation)    1 where the row was held out in that split
///     train_mask   (split, presentation)    1 where the row trained that split's model
///     split_score  (layer, split), score (layer), undefined_neuroids (layer),
///     subject_score (layer, per_subject), normalized_score[_unclipped] (layer)
///     + stimulus_id (and the design's own coordinates) along presentation, the neural
///       file's coordinates along neuroid, the protocol and provenance as attributes.
///
/// Per-neuroid results are written slice by slice as they arrive; the file appears under
/// its real name only when the whole result is published (see `StagedFile`).
///
/// Over several MPI ranks (`ranks.size > 1`) it is still one file: the lead creates it
/// (everything but the per-neuroid values, with `r` and `alpha` stored contiguous and
/// allocated up front, since parallel HDF5 cannot compress or allocate while ranks write
/// independently), closes it, and every rank opens it through MPI-IO and writes its own
/// voxels. `endStreaming` closes it on every rank; the lead then reopens it alone for the
/// summaries and stages it. The variables, dimensions, attributes and values are those of
/// a one-process run.
public final class NeuralResultWriter {
    public let path: String
    /// The lead's writer of everything but per-neuroid values (nil on other ranks).
    private let writer: NetCDFWriter?
    private var r: HDF5Dataset?
    private var alpha: HDF5Dataset?
    /// The file as every rank has it open while streaming (more than one rank only).
    private var shared: HDF5File?
    private let ranks: any RankGroup
    /// Seconds this rank spent in its independent writes and in the shared file's
    /// collective steps (open, agreements, close); per rank after `endStreaming`, written
    /// as `mpi_write_seconds` / `mpi_collective_seconds` (what `tools/bench.sh --mpi` reads).
    private var writeSeconds = 0.0, collectiveSeconds = 0.0
    private var rankTimings: [[Double]] = []
    private let hasAlpha: Bool
    private let splitCount: Int
    private let neuroidCount: Int

    /// Everything about the file's layout that is known before scoring.
    public struct Layout: Sendable {
        public var layers: [String]
        public var splits: [Split]
        /// One label per scored row (stimulus_id).
        public var presentationIDs: [String]
        /// Further coordinates along presentation (e.g. Wehbe's `tr_index`).
        public var presentationCoordinates: [(name: String, values: HDF5Values)]
        public var neuroidCount: Int
        /// The neural file's coordinates to copy along neuroid, with the selected columns.
        public var neuroidCoordinates: (file: NetCDFFile, variables: [NetCDFVariable], columns: [Int]?)?
        /// Further coordinates along neuroid (e.g. Wehbe's `voxel_index`).
        public var extraNeuroidCoordinates: [(name: String, values: HDF5Values)]
        /// The protocol, as attributes (regression, cross_validation, aggregation, ...).
        public var protocolAttributes: [(name: String, value: HDF5Values)]
        /// Ridge penalties tried (an `alpha` variable is written when non-nil).
        public var alphas: [Double]?
        /// MPI ranks writing the file (recorded as `mpi_ranks` when more than one).
        public var ranks = 1

        public init(layers: [String], splits: [Split], presentationIDs: [String], neuroidCount: Int,
                    presentationCoordinates: [(name: String, values: HDF5Values)] = [],
                    neuroidCoordinates: (file: NetCDFFile, variables: [NetCDFVariable], columns: [Int]?)? = nil,
                    extraNeuroidCoordinates: [(name: String, values: HDF5Values)] = [],
                    protocolAttributes: [(name: String, value: HDF5Values)] = [], alphas: [Double]? = nil) {
            self.layers = layers
            self.splits = splits
            self.presentationIDs = presentationIDs
            self.neuroidCount = neuroidCount
            self.presentationCoordinates = presentationCoordinates
            self.neuroidCoordinates = neuroidCoordinates
            self.extraNeuroidCoordinates = extraNeuroidCoordinates
            self.protocolAttributes = protocolAttributes
            self.alphas = alphas
        }
    }

    public init(path: String, overwrite: Bool, layout: Layout, part: String, provenance: Provenance,
                ranks: any RankGroup = SingleRank()) throws {
        self.path = path
        self.ranks = ranks
        splitCount = layout.splits.count
        neuroidCount = layout.neuroidCount
        hasAlpha = layout.alphas != nil
        let spread = ranks.size > 1
        var layout = layout
        layout.ranks = ranks.size
        var made = try ranks.onLead {
            try Self.create(path: path, overwrite: overwrite, layout: layout, part: part, provenance: provenance, spread: spread)
        }
        writer = made?.writer
        guard spread else {
            (r, alpha) = (made?.r, made?.alpha)
            return
        }
        // Every rank opens the lead's staged file. The lead drops every handle of its own
        // first: libhdf5 would otherwise reuse that (serial) open file instead of MPI-IO.
        made = nil
        let started = Date()
        defer { collectiveSeconds += Date().timeIntervalSince(started) }
        let temporary = try ranks.broadcast(try ranks.onLead { try writer!.suspend(); return writer!.temporaryPath } ?? "")
        try ranks.agreeing {
            let file = try ranks.openShared(temporary)
            (shared, r) = (file, try file.root.openDataset("r"))
            alpha = hasAlpha ? try file.root.openDataset("alpha") : nil
        }
    }

    /// The file with everything known before scoring; `spread`: laid out for parallel writes.
    private static func create(path: String, overwrite: Bool, layout: Layout, part: String, provenance: Provenance,
                               spread: Bool) throws -> (writer: NetCDFWriter, r: HDF5Dataset, alpha: HDF5Dataset?) {
        let writer = try NetCDFWriter(path: path, overwrite: overwrite)
        let r: HDF5Dataset, alpha: HDF5Dataset?
        let splitCount = layout.splits.count, neuroidCount = layout.neuroidCount
        let rows = layout.presentationIDs.count
        do {
            try ResultSchema.stamp(writer, kind: .neural, title: "BrainAlign scoring result")
            try writer.defineDimension(ResultSchema.layer, values: .strings(layout.layers))
            try writer.defineDimension(ResultSchema.split, values: .int64(layout.splits.indices.map { Int64($0) }))
            try writer.defineDimension(ResultSchema.presentation, length: rows)
            try writer.defineDimension(ResultSchema.neuroid, length: neuroidCount)
            try writer.addCoordinate("stimulus_id", dimensions: [ResultSchema.presentation], values: .strings(layout.presentationIDs))
            for (name, values) in layout.presentationCoordinates {
                try writer.addCoordinate(name, dimensions: [ResultSchema.presentation], values: values)
            }
            if let source = layout.neuroidCoordinates {
                for coordinate in source.variables {
                    try CoordinateCopy.copy(coordinate, from: source.file, columns: source.columns, into: writer, dimension: ResultSchema.neuroid)
                }
            }
            for (name, values) in layout.extraNeuroidCoordinates {
                try writer.addCoordinate(name, dimensions: [ResultSchema.neuroid], values: values)
            }
            var test = [UInt8](repeating: 0, count: splitCount * rows), train = test
            for (s, split) in layout.splits.enumerated() {
                for row in split.test { test[s * rows + row] = 1 }
                for row in split.train { train[s * rows + row] = 1 }
            }
            try writer.addVariable("test_mask", dimensions: [ResultSchema.split, ResultSchema.presentation], values: .uint8(test),
                                   attributes: ["description": .strings(["1 where the presentation was held out (test) in that split"])])
            try writer.addVariable("train_mask", dimensions: [ResultSchema.split, ResultSchema.presentation], values: .uint8(train),
                                   attributes: ["description": .strings(["1 where the presentation trained that split's model"])])
            let chunk = [1, 1, max(1, min(neuroidCount, 8192))]
            let options = spread
                ? HDF5DatasetOptions(fillValue: .float64([.nan]), allocateEarly: true)
                : HDF5DatasetOptions(chunkShape: chunk, deflateLevel: 1, shuffle: true, fillValue: .float64([.nan]))
            let dims = [ResultSchema.layer, ResultSchema.split, ResultSchema.neuroid]
            r = try writer.createVariable("r", dimensions: dims, elementType: .float64, options: options,
                                          attributes: ["long_name": .strings(["held-out Pearson r between predicted and measured responses"])])
            if let alphas = layout.alphas {
                alpha = try writer.createVariable("alpha", dimensions: dims, elementType: .float64, options: options,
                                                  attributes: ["long_name": .strings(["ridge penalty chosen by inner cross-validation"])])
                try writer.setAttribute("alphas", .float64(alphas))
            } else {
                alpha = nil
            }
            try writer.setAttribute("part", .strings([part]))
            if spread { try writer.setAttribute("mpi_ranks", .int64([Int64(layout.ranks)])) }
            for (name, value) in layout.protocolAttributes { try writer.setAttribute(name, value) }
            try provenance.write(to: writer)
        } catch {
            writer.discard()
            throw error
        }
        return (writer, r, alpha)
    }

    /// Writes one finished slice of neuroids for a layer.
    public func write(chunk: ChunkResult, layer: Int, alphas: [[Double]]) throws {
        guard let r else { throw ScoringError("\(path): per-neuroid results written after streaming ended") }
        let width = chunk.columns.count
        let started = Date()
        defer { writeSeconds += Date().timeIntervalSince(started) }
        for s in 0..<splitCount {
            try r.write(chunk.r[s], start: [layer, s, chunk.columns.lowerBound], count: [1, 1, width])
            if let alpha {
                // A neuroid without a defined r (NaN responses, constant responses) has no
                // penalty worth reporting: its losses were NaN or rounding noise, and the
                // index the choice fell back to would read as a plausible alpha.
                let values = zip(chunk.alphaIndex[s], chunk.r[s]).map { index, r in r.isNaN ? Double.nan : alphas[s][index] }
                try alpha.write(values, start: [layer, s, chunk.columns.lowerBound], count: [1, 1, width])
            }
        }
    }

    /// Reads back one split's r for a layer (written slice by slice during the run).
    public func r(layer: Int, split: Int) throws -> [Double] {
        guard let r else { throw ScoringError("\(path): r read back before the file was reopened") }
        return try r.read(start: [layer, split, 0], count: [1, 1, neuroidCount])
    }

    /// Collective: every rank says how its streaming went; with several ranks the shared
    /// file is closed on all of them (even when one failed, so no rank waits forever),
    /// and only then does anyone go on. Throws on every rank if any rank failed.
    public func endStreaming(_ failure: Error?) throws {
        guard ranks.size > 1 else {
            if let failure { throw failure }
            return
        }
        let started = Date()
        let outcome = Result { try ranks.agree(failure) }
        // Datasets before the file: closing an MPI-IO file is collective and the last
        // handle closes it.
        r = nil
        alpha = nil
        shared = nil
        try ranks.agree(nil)  // every rank has closed: the lead may reopen it alone
        try outcome.get()
        collectiveSeconds += Date().timeIntervalSince(started)
        rankTimings = try ranks.allGather([writeSeconds, collectiveSeconds])
    }

    /// The lead reopens the file after `endStreaming` to summarise and stage it.
    public func resumeForSummaries() throws {
        guard r == nil, let writer else { return }
        let file = try writer.resume()
        r = try file.root.openDataset("r")
        alpha = hasAlpha ? try file.root.openDataset("alpha") : nil
    }

    /// Writes the summaries and closes the file, still under its temporary name: the
    /// runner publishes every part of a result together (`StagedFile.publishAll`).
    public func stage(_ result: PartResult) throws -> StagedFile {
        guard let writer else { throw ScoringError("\(path): only the lead rank stages the result") }
        r = nil
        alpha = nil
        do {
            try ResultSummary.write(result, into: writer, splitScores: true)
            if rankTimings.count > 1 {
                try writer.setAttribute("mpi_write_seconds", .float64(rankTimings.map { $0[0] }))
                try writer.setAttribute("mpi_collective_seconds", .float64(rankTimings.map { $0[1] }))
            }
        } catch {
            writer.discard()
            throw error
        }
        return try writer.close()
    }

    public func discard() {
        r = nil
        alpha = nil
        writer?.discard()
    }
}

/// The per-layer summary variables every kind of result file shares.
enum ResultSummary {
    static func write(_ result: PartResult, into writer: NetCDFWriter, splitScores: Bool) throws {
        let layers = result.layers
        if let ceiling = result.ceiling {
            let normalized = layers.map { result.normalized($0) }
            try writer.addVariable("normalized_score", dimensions: [ResultSchema.layer], values: .float64(normalized.map { $0?.clipped ?? .nan }),
                                   attributes: ["long_name": .strings(["score / ceiling, clipped to [0, 1]"])])
            try writer.addVariable("normalized_score_unclipped", dimensions: [ResultSchema.layer], values: .float64(normalized.map { $0?.unclipped ?? .nan }),
                                   attributes: ["long_name": .strings(["score / ceiling"])])
            try writer.setAttribute("ceiling", .float64([ceiling]))
        }
        if let subjects = layers.first?.subjectScores.map(\.subject), !subjects.isEmpty {
            // Not "subject": that is usually a coordinate along neuroid already.
            try writer.defineDimension(ResultSchema.perSubject, values: .strings(subjects))
            try writer.addVariable("subject_score", dimensions: [ResultSchema.layer, ResultSchema.perSubject],
                                   values: .float64(layers.flatMap { $0.subjectScores.map(\.score) }),
                                   attributes: ["long_name": .strings(["per subject: the layer's score over that subject's neuroids"])])
        }
        if splitScores {
            try writer.addVariable("split_score", dimensions: [ResultSchema.layer, ResultSchema.split], values: .float64(layers.flatMap(\.splitScores)),
                                   attributes: ["long_name": .strings(["r aggregated over neuroids, per split (see the aggregation attribute)"])])
            try writer.addVariable("undefined_neuroids", dimensions: [ResultSchema.layer], values: .int64(layers.map { Int64($0.undefinedNeuroids) }),
                                   attributes: ["long_name": .strings(["neuroids with undefined r (constant or NaN responses) in some split"])])
        }
        try writer.addVariable("score", dimensions: [ResultSchema.layer], values: .float64(layers.map(\.score)),
                               attributes: ["long_name": .strings(["the layer's score (see the aggregation attribute)"])])
        let undefined = layers.compactMap(\.undefinedReason)
        if !undefined.isEmpty { try writer.setAttribute("undefined_layers", .strings([undefined.joined(separator: "; ")])) }
        if let best = result.bestLayer { try writer.setAttribute("best_layer", .strings([layers[best].name])) }
        for (name, values) in result.details { try writer.setAttribute(name, .float64(values)) }
        try writer.setAttribute("seconds", .float64([result.seconds]))
    }
}
