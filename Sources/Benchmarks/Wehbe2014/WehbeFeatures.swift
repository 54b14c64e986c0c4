import Encoding
import LinearAlgebra
import Scoring

/// Wehbe2014's feature transform, per split: the word vectors -> PCA fitted on the words
/// of the split's training TRs -> TR means -> delays within each run -> z-scored in train
/// and test separately (docs/protocols.md). The PCA runs in float64 whatever the run's
/// precision (it is feature preparation, not the voxel-wise engine); the features it
/// yields are then handed to the regression at the run's precision.
struct WehbeFeatures: FeatureTransform {
    let benchmark: WehbeBenchmark
    let activations: Activations
    let subject: WehbeSubject
    /// The activation row of each of the subject's words.
    let wordRows: [Int]
    /// The scored TRs (file rows), which the splits index.
    let kept: [Int]

    var layerNames: [String] { activations.layerNames }

    func heldBytes(scalarSize: Int) -> Int {
        let words = wordRows.count, p = activations.featureCount, trs = subject.trTimes.count
        let k = benchmark.components, columns = k * benchmark.delays.count
        // The layer as read (every stored row, at the run's precision) and in float64 for
        // the PCA, its projection and TR means, and one split's delayed features.
        return scalarSize * p * activations.stimulusIDs.count + 8 * p * words + 8 * k * (words + trs) + 8 * 2 * kept.count * columns
    }

    func models<S: EngineScalar>(layer: Int, splits: [Split], regression: Regression, threads: Int, as: S.Type) throws -> LayerModels<S> {
        let name = layerNames[layer]
        let read = try activations.layer(layer, rows: wordRows, as: S.self)
        if let reason = undefinedFeaturesReason(read, layer: name) { return .undefined(reason: reason) }
        let words = S.self == Double.self ? read as! Matrix<Double> : Matrix<Double>(rows: read.rows, columns: read.columns, columnMajor: read.elements.map { Double($0) })
        let models: [SplitModel<S>] = try splits.map { split in
            let (train, test) = try features(words: words, split: split)
            return try SplitModel(trainFeatures: Self.converted(train, to: S.self), testFeatures: Self.converted(test, to: S.self),
                                  split: split, regression: regression)
        }
        return .checked(models, layer: name)
    }

    static func converted<S: EngineScalar>(_ m: Matrix<Double>, to: S.Type) -> Matrix<S> {
        if let same = m as? Matrix<S> { return same }
        return Matrix(rows: m.rows, columns: m.columns, columnMajor: m.elements.map { S($0) })
    }

    /// One split's training and test features from the word vectors.
    func features(words: Matrix<Double>, split: Split) throws -> (train: Matrix<Double>, test: Matrix<Double>) {
        let trainingTRs = Set(split.train.map { kept[$0] })
        let trainingWords = subject.wordTR.indices.filter { trainingTRs.contains(subject.wordTR[$0]) }
        guard trainingWords.count > benchmark.components else {
            throw ScoringError("\(subject.path): subject \(subject.subject): only \(trainingWords.count) words fall in a fold's training TRs; PCA needs more than \(benchmark.components)")
        }
        let pca = try PrincipalComponents(fitting: words.rows(trainingWords), components: benchmark.components)
        let projected = pca.transform(words)  // words x k
        let k = projected.columns, trCount = subject.trTimes.count
        // TR means of the words' components.
        var perTR = Matrix<Double>(rows: trCount, columns: k)
        var counts = [Int](repeating: 0, count: trCount)
        for (word, tr) in subject.wordTR.enumerated() {
            counts[tr] += 1
            for c in 0..<k { perTR[tr, c] += projected[word, c] }
        }
        for tr in 0..<trCount where counts[tr] > 1 { for c in 0..<k { perTR[tr, c] /= Double(counts[tr]) } }
        // Delays within the run: TR t gets the features of t-1, t-2, ... (0 before the run).
        let delays = benchmark.delays
        func delayed(_ trs: [Int]) -> Matrix<Double> {
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
        var train = delayed(split.train.map { kept[$0] }), test = delayed(split.test.map { kept[$0] })
        zscoreColumns(&train)
        zscoreColumns(&test)
        return (train, test)
    }
}
