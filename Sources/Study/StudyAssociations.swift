import Foundation

extension StudyAnalysis {
    /// Correlations of average alignment with model properties: over instruction-tuned
    /// models (as the paper), and size over all models too. A property no model has is left
    /// out; one with too few models (or constant values) is listed with a note and NaN r
    /// and p, and takes no part in the Benjamini-Hochberg adjustment.
    static func associations(_ models: [StudyModel], tuned: [StudyModel]) -> [Association] {
        var raw: [(property: String, population: String, points: [(model: String, family: String, tuned: Bool, x: Double, y: Double)])] = []
        func collect(_ property: String, _ population: String, _ models: [StudyModel], _ value: (StudyModel) -> Double?) {
            let points = models.compactMap { m in value(m).map { (model: m.name, family: m.family, tuned: m.instructionTuned, x: $0, y: m.average) } }
                .filter { $0.x.isFinite && $0.y.isFinite }
            if !points.isEmpty { raw.append((property, population, points)) }
        }
        collect("MMLU", "instruction-tuned", tuned) { $0.mmlu }
        collect("BBH", "instruction-tuned", tuned) { $0.bbh }
        collect("log10 parameters", "instruction-tuned", tuned) { $0.parameters.map { log10($0) } }
        collect("next-word loss", "instruction-tuned", tuned) { $0.loss }
        collect("log10 parameters", "all models", models) { $0.parameters.map { log10($0) } }

        let pearsons = raw.map { Statistics.pearson($0.points.map(\.x), $0.points.map(\.y)) }
        let spearmans = raw.map { Statistics.spearman($0.points.map(\.x), $0.points.map(\.y)) }
        let notes: [String?] = raw.indices.map { i in
            let n = raw[i].points.count
            if n < minimumCorrelationPoints { return "not enough models (n = \(n); a correlation needs at least \(minimumCorrelationPoints))" }
            if pearsons[i].r.isNaN { return "r is undefined: \(raw[i].property) or the alignment is the same for every model" }
            return nil
        }
        let computed = raw.indices.filter { notes[$0] == nil }
        var adjustedPearson = [Double](repeating: .nan, count: raw.count), adjustedSpearman = adjustedPearson
        for (i, p) in zip(computed, Statistics.benjaminiHochberg(computed.map { pearsons[$0].p })) { adjustedPearson[i] = p }
        for (i, p) in zip(computed, Statistics.benjaminiHochberg(computed.map { spearmans[$0].p })) { adjustedSpearman[i] = p }
        return raw.indices.map { i in
            Association(property: raw[i].property, population: raw[i].population, pearson: pearsons[i], spearman: spearmans[i],
                        pearsonPAdjusted: adjustedPearson[i], spearmanPAdjusted: adjustedSpearman[i], points: raw[i].points, note: notes[i])
        }
    }
}
