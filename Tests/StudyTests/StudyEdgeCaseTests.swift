import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Study
import TestSupport
import Testing

/// Tables whose numbers a percent change or a test cannot stand behind: base scores <= 0,
/// empty cells, duplicated models, cells that are neither scores nor files, too few pairs.
/// Expected values from tools/make_study_fixtures.py (numpy/scipy).
@Suite struct StudyEdgeCaseTests {
    let tables: [String: Any]
    let temporary: TemporaryDirectory
    init() throws {
        tables = try #require(Fixture.json("StudyTests", "study.json")["tables"] as? [String: Any])
        temporary = try TemporaryDirectory()
    }

    func write(_ text: String, _ name: String = "table.csv") throws -> String {
        let path = temporary.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func fixture(_ name: String) throws -> (csv: String, columns: [String: [String: Any]]) {
        let table = try #require(tables[name] as? [String: Any])
        return (try #require(table["csv"] as? String), try #require(table["columns"] as? [String: [String: Any]]))
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    /// Every pair of the fixture against numpy/scipy: differences, percents (NaN where numpy
    /// has none), means with their pair counts, and the Wilcoxon test or its refusal.
    func check(_ study: StudyAnalysis, _ columns: [String: [String: Any]]) throws {
        for (column, expected) in columns {
            let isAverage = column == "average"
            let differences = study.pairs.map { isAverage ? $0.averageDifference : $0.differences[column] ?? .nan }
            let percents = study.pairs.map { isAverage ? $0.averageChange : $0.changes[column] ?? .nan }
            #expect(maxAbsDifference(differences, doubles(expected["difference"])) < 1e-12, "\(column) differences \(differences)")
            #expect(maxAbsDifference(percents, doubles(expected["percent"])) < 1e-9, "\(column) percents \(percents)")
            let mean = isAverage ? study.meanAverage : try #require(study.means[column])
            #expect(maxAbsDifference([mean.difference, mean.percent], doubles([expected["mean_difference"] as Any, expected["mean_percent"] as Any])) < 1e-9,
                    "\(column) means")
            #expect(mean.differencePairs == expected["difference_pairs"] as? Int && mean.percentPairs == expected["percent_pairs"] as? Int, "\(column) counts")
            let test = isAverage ? study.wilcoxon : try #require(study.wilcoxonPerBenchmark[column])
            #expect(test.nonZero == expected["wilcoxon_non_zero"] as? Int)
            if let scipy = expected["wilcoxon"] as? [String: Any] {
                #expect(test.note == nil && test.statistic == doubles([scipy["statistic"] as Any])[0], "\(column): \(test)")
                #expect(abs(test.p - doubles([scipy["p"] as Any])[0]) < 1e-12, "\(column): \(test)")
            } else {
                #expect(test.p.isNaN && test.note?.hasPrefix("not enough pairs (n = \(test.nonZero)") == true, "\(column): \(test)")
            }
        }
    }

    @Test func percentOverANonPositiveBaseIsFlaggedAndTheDifferenceKept() throws {
        let (csv, columns) = try fixture("non_positive_base")
        let study = try StudyAnalysis(table: StudyTable(path: write(csv)))
        try check(study, columns)
        // Pair a improved everywhere; its base average is negative. No negative percent.
        let a = try #require(study.pairs.first { $0.model == "a-it" })
        #expect(a.averageChange.isNaN && a.averageDifference > 0)
        #expect(a.notes.contains { $0.hasPrefix("pereira2018: no percent change, the base score -0.05 is not positive") })
        #expect(a.notes.contains { $0.hasPrefix("average: no percent change") })
        let b = try #require(study.pairs.first { $0.model == "b-it" })
        #expect(b.notes == ["pereira2018: no percent change, the base score 0.0 is not positive"])
        // The bar chart draws no bar for it, and no NaN coordinates at all.
        let svg = Figures.changes(study)
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        #expect(!svg.lowercased().contains("nan") && svg.contains("n/a"))
        #expect(svg.contains("over 6 pairs"))
    }

    @Test func emptyCellsAreAnErrorUnlessAllowed() throws {
        let (csv, columns) = try fixture("missing_cells")
        let path = try write(csv)
        #expect(message { _ = try StudyTable(path: path) }.hasPrefix("\(path): line 3, column 'blank2014': empty cell"))
        let study = try StudyAnalysis(table: StudyTable(path: path, allowMissing: true))
        try check(study, columns)
        #expect(study.pairs[0].notes.contains("blank2014 is missing for the tuned model"))
        #expect(study.pairs[1].notes.contains("pereira2018 is missing for the base model"))
        #expect(study.wilcoxon.note == "not enough pairs (n = 5; the test needs at least 6 that differ)")
    }

    @Test func duplicatedModelsAreAnErrorNamingBothLines() throws {
        let path = try write("model,base_model,instruction_tuned,pereira2018\nb,b,false,0.1\nt,b,true,0.2\nb,b,false,0.1\n")
        #expect(message { _ = try StudyTable(path: path) } == "\(path): model 'b' is on line 2 and again on line 4")
    }

    @Test func linesAreCountedThroughQuotedNewlines() throws {
        let path = try write("model,base_model,instruction_tuned,pereira2018\n\"b,\nthe base\",\"b,\nthe base\",false,0.1\nt,\"b,\nthe base\",true,\n")
        #expect(message { _ = try StudyTable(path: path) }.hasPrefix("\(path): line 5, column 'pereira2018': empty cell"))
    }

    @Test func cellsThatAreNeitherScoresNorFiles() throws {
        try "not netCDF".write(toFile: temporary.path("notes.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: temporary.path("folder"), withIntermediateDirectories: true)
        let cases: [(String, String)] = [
            ("abc", "line 2, column 'pereira2018': 'abc' is not a number, and no result file \(temporary.path("abc")) exists"),
            ("gone.nc;notes.txt", "line 2, column 'pereira2018': 'gone.nc' (in 'gone.nc;notes.txt') is not a number, and no result file \(temporary.path("gone.nc")) exists"),
            ("folder", "line 2, column 'pereira2018': 'folder' is a directory, not a result file"),
            ("notes.txt;", "line 2, column 'pereira2018': an empty path in 'notes.txt;'"),
            ("nan", "line 2, column 'pereira2018': 'nan' is not a finite score"),
            ("notes.txt", "line 2, column 'pereira2018': cannot open file"),
        ]
        for (cell, expected) in cases {
            let path = try write("model,base_model,instruction_tuned,pereira2018\nb,b,false,\(cell)\n")
            let text = message { _ = try StudyTable(path: path) }
            #expect(text.hasPrefix("\(path): \(expected)"), "\(text)")
            #expect(!text.contains("\n"))
        }
        let parameters = try write("model,base_model,instruction_tuned,parameters,pereira2018\nb,b,false,0,0.1\n")
        #expect(message { _ = try StudyTable(path: parameters) }.contains("line 2, column 'parameters': '0' is not a positive parameter count"))
    }

    @Test func tooFewPairsOrModelsGiveNoStatistic() throws {
        let path = try write("""
            model,base_model,instruction_tuned,mmlu,pereira2018
            b,b,false,,0.10
            t,b,true,0.4,0.30
            u,b,true,0.5,0.35

            """)
        let study = try StudyAnalysis(table: StudyTable(path: path))
        #expect(study.wilcoxon.p.isNaN && study.wilcoxon.statistic.isNaN)
        #expect(study.wilcoxon.note == "not enough pairs (n = 2; the test needs at least 6 that differ)")
        let mmlu = try #require(study.associations.first { $0.property == "MMLU" })
        #expect(mmlu.pearson.p.isNaN && mmlu.pearsonPAdjusted.isNaN)
        #expect(mmlu.note == "not enough models (n = 2; a correlation needs at least 3)")
        #expect(study.meanAverage.percentPairs == 2 && study.meanAverage.differencePairs == 2)
    }
}
