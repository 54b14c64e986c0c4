import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Study
import TestSupport
import Testing

/// `brainalign study` against scipy on the paper's table (tools/make_study_fixtures.py).
@Suite struct StudyTests {
    let reference: [String: Any]
    init() throws { reference = try Fixture.json("StudyTests", "study.json") }

    static let table = Fixture.repositoryRoot.appendingPathComponent("datasets/aw2023_models.csv").path

    func analysis() throws -> StudyAnalysis {
        try StudyAnalysis(table: StudyTable(path: Self.table, families: ["T5", "LLaMA"]))
    }

    /// Equal to 3 significant digits (the acceptance criterion for p-values).
    func sameTo3(_ a: Double, _ b: Double) -> Bool {
        guard a != 0 || b != 0 else { return true }
        return abs(a - b) <= 0.0005 * max(abs(a), abs(b))
    }

    @Test func reproducesThePapersNumbers() throws {
        let study = try analysis()
        #expect(study.pairs.count == 17)
        let means = try #require(reference["mean_changes"] as? [String: Any])
        for benchmark in ["pereira2018", "blank2014", "wehbe2014"] {
            #expect(abs(study.means[benchmark]!.percent - doubles([means[benchmark] as Any])[0]) < 1e-9)
        }
        #expect(abs(study.meanAverage.percent - doubles([means["average"] as Any])[0]) < 1e-9)
        let meanDifferences = try #require(reference["mean_differences"] as? [String: Any])
        for benchmark in ["pereira2018", "blank2014", "wehbe2014"] {
            #expect(abs(study.means[benchmark]!.difference - doubles([meanDifferences[benchmark] as Any])[0]) < 1e-12)
            #expect(study.means[benchmark]!.percentPairs == 17 && study.means[benchmark]!.differencePairs == 17)
        }
        #expect(abs(study.meanAverage.difference - doubles([meanDifferences["average"] as Any])[0]) < 1e-12)
        let differences = try #require(reference["differences"] as? [String: Any])
        for benchmark in ["pereira2018", "blank2014", "wehbe2014"] {
            #expect(maxAbsDifference(study.pairs.map { $0.differences[benchmark]! }, doubles(differences[benchmark])) < 1e-12)
        }
        #expect(maxAbsDifference(study.pairs.map(\.averageDifference), doubles(differences["average"])) < 1e-12)
        #expect(study.pairs.allSatisfy { $0.notes.isEmpty })
        // The paper's rounded-table values.
        #expect(String(format: "%.2f %.2f %.2f", study.means["pereira2018"]!.percent, study.means["blank2014"]!.percent, study.means["wehbe2014"]!.percent) == "6.99 7.99 3.97")

        let associations = try #require(reference["associations"] as? [[String: Any]])
        #expect(study.associations.count == associations.count)
        for (ours, theirs) in zip(study.associations, associations) {
            #expect(ours.property == theirs["property"] as? String)
            #expect(ours.pearson.n == theirs["n"] as? Int)
            #expect(abs(ours.pearson.r - doubles([theirs["pearson_r"] as Any])[0]) < 1e-12)
            #expect(sameTo3(ours.pearson.p, doubles([theirs["pearson_p"] as Any])[0]), "\(ours.property) p \(ours.pearson.p)")
            #expect(abs(ours.spearman.r - doubles([theirs["spearman_r"] as Any])[0]) < 1e-12)
            #expect(sameTo3(ours.spearman.p, doubles([theirs["spearman_p"] as Any])[0]))
            #expect(sameTo3(ours.pearsonPAdjusted, doubles([theirs["pearson_p_bh"] as Any])[0]))
            #expect(sameTo3(ours.spearmanPAdjusted, doubles([theirs["spearman_p_bh"] as Any])[0]))
        }
        #expect(String(format: "%.3f", study.associations[0].pearson.r) == "0.805")  // MMLU
        #expect(String(format: "%.3f", study.associations[2].pearson.r) == "0.946")  // log10 size, tuned
        #expect(String(format: "%.3f", study.associations[4].pearson.r) == "0.920")  // log10 size, all 25

        let wilcoxon = try #require(reference["wilcoxon"] as? [String: Any])
        #expect(study.wilcoxon.statistic == doubles([wilcoxon["statistic"] as Any])[0])
        #expect(sameTo3(study.wilcoxon.p, doubles([wilcoxon["p"] as Any])[0]))
    }

    @Test func statisticsAgainstScipy() throws {
        let cases = try #require(reference["cases"] as? [String: Any])
        for name in ["wilcoxon_exact", "wilcoxon_ties_small", "wilcoxon_normal"] {
            let c = try #require(cases[name] as? [String: Any])
            let result = Statistics.wilcoxon(doubles(c["a"]), doubles(c["b"]))
            #expect(result.statistic == doubles([c["statistic"] as Any])[0], "\(name)")
            #expect(abs(result.p - doubles([c["p"] as Any])[0]) < 1e-12, "\(name): \(result.p) (\(result.method))")
        }
        let spearman = try #require(cases["spearman_ties"] as? [String: Any])
        let rho = Statistics.spearman(doubles(spearman["x"]), doubles(spearman["y"]))
        #expect(abs(rho.r - doubles([spearman["r"] as Any])[0]) < 1e-12)
        #expect(abs(rho.p - doubles([spearman["p"] as Any])[0]) < 1e-12)
        for entry in try #require(cases["betainc"] as? [[Any]]) {
            let v = doubles(entry)
            #expect(abs(Statistics.regularizedIncompleteBeta(v[0], a: v[1], b: v[2]) - v[3]) < 1e-13)
        }
        let bh = try #require(cases["bh"] as? [String: Any])
        #expect(maxAbsDifference(Statistics.benjaminiHochberg(doubles(bh["p"])), doubles(bh["adjusted"])) < 1e-15)
    }

    @Test func figuresAreValidSVG() throws {
        let study = try analysis()
        for svg in study.associations.map({ Figures.scatter($0) }) + [Figures.changes(study)] {
            let parser = XMLParser(data: Data(svg.utf8))
            let delegate = RootElement()
            parser.delegate = delegate
            #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
            #expect(delegate.root == "svg")
            #expect(delegate.circles + delegate.rects > 0)
        }
    }

    @Test func badTables() throws {
        let temporary = try TemporaryDirectory()
        let directory = temporary.url
        let missing = directory.appendingPathComponent("missing.csv").path
        try "model,family,base_model,instruction_tuned,pereira2018\nx,T5,nope,true,0.3\n".write(toFile: missing, atomically: true, encoding: .utf8)
        #expect(throws: StudyError.self) { try StudyAnalysis(table: StudyTable(path: missing)) }
        let text = directory.appendingPathComponent("text.csv").path
        try "model,base_model,instruction_tuned,mmlu\nx,x,false,high\n".write(toFile: text, atomically: true, encoding: .utf8)
        do { _ = try StudyTable(path: text); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("'high' is not a number"))
        }
        let quoted = directory.appendingPathComponent("quoted.csv").path
        try "model,base_model,instruction_tuned,\"score, raw\"\n\"a, the model\",\"a, the model\",false,0.25\n".write(toFile: quoted, atomically: true, encoding: .utf8)
        let table = try StudyTable(path: quoted)
        #expect(table.models.first?.name == "a, the model")
        #expect(table.benchmarks == ["score, raw"])
    }
}

final class RootElement: NSObject, XMLParserDelegate {
    var root: String?
    var circles = 0, rects = 0
    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if root == nil { root = element }
        if element == "circle" { circles += 1 }
        if element == "rect" { rects += 1 }
    }
}
