import Encoding
import LinearAlgebra
import Scoring

/// Wehbe2014's feature transform, per split: the word vectors -> PCA fitted on the
/// split's training words -> TR means -> delays -> z-scored (docs/protocols.md; the two
/// readings differ in each step's details, `WehbeReading`). The PCA runs in float64
/// whatever the run's precision (it is feature preparation, not the voxel-wise engine);
/// the features it yields are then handed to the regression at the run's precision.
struct WehbeFeatures: FeatureTransform {
    let benchmark: WehbeBenchmark
    let activations: Activations
    let subject: WehbeSubject
    /// The subject's words the protocol uses (positions in the subject file).
    let usedWords: [Int]
    /// The activation row of each used word.
    let wordRows: [Int]
    /// The scored TRs (file rows), which the splits index.
    let kept: [Int]
    /// Each kept TR's outer fold before boundary TRs are dropped (the splits in fold order).
    let foldLabels: [Int]

    var layerNames: [String] { activations.layerNames }

    var featureCount: Int? { benchmark.components * benchmark.delays.count }

    func heldBytes(scalarSize: Int) -> Int {
        let words = wordRows.count, p = activations.featureCount, trs = subject.trTimes.count
        let k = benchmark.components, columns = k * benchmark.delays.count
        // The layer as read (every stored row, at the run's precision) and in float64 for
        // the PCA, its projection and TR means, the delayed features of every TR, and one
        // split's train and test features.
        return scalarSize * p * activations.stimulusIDs.count + 8 * p * words + 8 * k * (words + trs)
            + 8 * trs * columns + 8 * 2 * kept.count * columns
    }

    func models<S: EngineScalar>(layer: Int, splits: [Split], regression: Regression, threads: Int, as: S.Type) throws -> LayerModels<S> {
        let name = layerNames[layer]
        let read = try activations.layer(layer, rows: wordRows, as: S.self)
        if let reason = undefinedFeaturesReason(read, layer: name) { return .undefined(reason: reason) }
        let words = S.self == Double.self ? read as! Matrix<Double> : Matrix<Double>(rows: read.rows, columns: read.columns, columnMajor: read.elements.map { Double($0) })
        // Under the build's allocation policy, like the shared build (SplitModel.build).
        let models: [SplitModel<S>] = try MemoryPlan.whileBuildingOperators {
            try splits.enumerated().map { fold, split in
                let (train, test) = try features(words: words, split: split, fold: fold)
                return try SplitModel(trainFeatures: Self.converted(train, to: S.self), testFeatures: Self.converted(test, to: S.self),
                                      split: split, regression: regression)
            }
        }
        return .checked(models, layer: name)
    }

    static func converted<S: EngineScalar>(_ m: Matrix<Double>, to: S.Type) -> Matrix<S> {
        if let same = m as? Matrix<S> { return same }
        return Matrix(rows: m.rows, columns: m.columns, columnMajor: m.elements.map { S($0) })
    }

    /// One split's training and test features from the used words' vectors.
    func features(words: Matrix<Double>, split: Split, fold: Int) throws -> (train: Matrix<Double>, test: Matrix<Double>) {
        let trainingWords = try pcaWords(split: split, fold: fold)
        guard trainingWords.count > benchmark.components else {
            throw ScoringError("\(subject.path): subject \(subject.subject): only \(trainingWords.count) words are marked for fitting fold \(fold)'s PCA; it needs more than \(benchmark.components)")
        }
        let pca = try PrincipalComponents(fitting: words.rows(trainingWords), components: benchmark.components)
        let perTR = trMeans(pca.transform(words))
        var train: Matrix<Double>, test: Matrix<Double>
        switch benchmark.reading {
        case .paperCode:
            let all = perRunZScored(delayedOverTimeline(perTR))
            (train, test) = (all.rows(split.train), all.rows(split.test))
        case .clean:
            (train, test) = (delayedWithinRuns(perTR, trs: split.train.map { kept[$0] }), delayedWithinRuns(perTR, trs: split.test.map { kept[$0] }))
        }
        zscoreColumns(&train)
        zscoreColumns(&test)
        return (train, test)
    }

    /// The used words (positions into `usedWords`) the fold's PCA is fitted on.
    func pcaWords(split: Split, fold: Int) throws -> [Int] {
        let wordTR = usedWords.map { subject.wordTR[$0] }
        switch benchmark.reading {
        case .clean:
            let trainingTRs = Set(split.train.map { kept[$0] })
            return wordTR.indices.filter { trainingTRs.contains(wordTR[$0]) }
        case .paperCode:
            // The paper's code turns a word's TR into a kept-TR position by subtracting each
            // earlier run's trimmed TRs and this run's head (20 r + 15 (r - 1) for run r),
            // then one more: it reads the training status of the kept TR before the word's,
            // from the fold's labels before boundary TRs are dropped. A negative position
            // counts from the end (Python indexing); words in the last `trimTail` TRs of
            // the timeline are never training words.
            let n = foldLabels.count, head = benchmark.trimHead, tail = benchmark.trimTail
            var chosen: [Int] = []
            for (w, tr) in wordTR.enumerated() where tr <= subject.trTimes.count - tail {
                let run = subject.runs[tr]
                var position = tr - (run * head + (run - 1) * tail) - 1
                if position < 0 { position += n }
                guard position >= 0, position < n else {
                    throw ScoringError("\(subject.path): subject \(subject.subject): word '\(subject.wordIDs[usedWords[w]])' (TR \(tr), run \(run)) maps to kept-TR position \(position) outside 0..<\(n); the runs are not the layout the paper's code assumes")
                }
                if foldLabels[position] != fold { chosen.append(w) }
            }
            return chosen
        }
    }

    /// Per TR of the timeline, the mean of its words' components: NaN for a TR without
    /// words in the paper's reading (a mean over nothing), 0 in the clean one.
    func trMeans(_ projected: Matrix<Double>) -> Matrix<Double> {
        let k = projected.columns, trCount = subject.trTimes.count
        var perTR = Matrix<Double>(rows: trCount, columns: k)
        var counts = [Int](repeating: 0, count: trCount)
        for (w, word) in usedWords.enumerated() {
            let tr = subject.wordTR[word]
            counts[tr] += 1
            for c in 0..<k { perTR[tr, c] += projected[w, c] }
        }
        let empty = benchmark.reading == .paperCode ? Double.nan : 0
        for tr in 0..<trCount {
            for c in 0..<k { perTR[tr, c] = counts[tr] == 0 ? empty : perTR[tr, c] / Double(counts[tr]) }
        }
        return perTR
    }

    /// The paper's delays: every TR of the timeline gets the features of the TRs 1..4
    /// before it, over the runs concatenated (zeros before the first TR).
    func delayedOverTimeline(_ perTR: Matrix<Double>) -> Matrix<Double> {
        let k = perTR.columns, delays = benchmark.delays
        var m = Matrix<Double>(rows: perTR.rows, columns: k * delays.count)
        for tr in 0..<perTR.rows {
            for (d, delay) in delays.enumerated() where tr - delay >= 0 {
                for c in 0..<k { m[tr, d * k + c] = perTR[tr - delay, c] }
            }
        }
        return m
    }

    /// The kept TRs' rows, each run's block z-scored on its own (population SD) with NaN
    /// propagating to the whole column, then NaN -> 0: a word-less TR among the delay
    /// sources zeroes that delay's columns for the whole run, as in the paper's code.
    func perRunZScored(_ delayed: Matrix<Double>) -> Matrix<Double> {
        var out = Matrix<Double>(rows: kept.count, columns: delayed.columns)
        var start = 0
        while start < kept.count {
            var end = start
            while end < kept.count && subject.runs[kept[end]] == subject.runs[kept[start]] { end += 1 }
            for c in 0..<delayed.columns {
                let column = (start..<end).map { delayed[kept[$0], c] }
                let mean = column.reduce(0, +) / Double(column.count)
                let sd = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)).squareRoot()
                for (i, value) in column.enumerated() {
                    let z = (value - mean) / sd
                    out[start + i, c] = z.isFinite ? z : 0
                }
            }
            start = end
        }
        return out
    }

    /// The clean reading's delays: TR t gets the features of t-1, t-2, ... within its run
    /// (0 before the run's start).
    func delayedWithinRuns(_ perTR: Matrix<Double>, trs: [Int]) -> Matrix<Double> {
        let k = perTR.columns, delays = benchmark.delays
        var m = Matrix<Double>(rows: trs.count, columns: k * delays.count)
        for (row, tr) in trs.enumerated() {
            for (d, delay) in delays.enumerated() {
                let source = tr - delay
                guard source >= 0, subject.runs[source] == subject.runs[tr] else { continue }
                for c in 0..<k { m[row, d * k + c] = perTR[source, c] }
            }
        }
        return m
    }
}
