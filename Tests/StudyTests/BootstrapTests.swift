import Foundation
import Study
import TestSupport
import Testing

/// The mean changes' bootstrap intervals against numpy (tools/make_study_fixtures.py:
/// RandomState(seed).randint resamples, np.percentile).
@Suite struct BootstrapTests {
    let reference: [String: Any]
    init() throws {
        let study = try Fixture.json("StudyTests", "study.json")
        reference = try #require(study["bootstrap"] as? [String: Any])
    }

    func close(_ a: (low: Double, high: Double)?, _ b: [Double]) -> Bool {
        guard let a, b.count == 2 else { return false }
        return abs(a.low - b[0]) <= 1e-12 * max(1, abs(b[0])) && abs(a.high - b[1]) <= 1e-12 * max(1, abs(b[1]))
    }

    @Test func intervalsOfThePapersMeanChangesMatchNumpy() throws {
        let study = try StudyAnalysis(table: StudyTable(path: StudyTests.table, families: ["T5", "LLaMA"]),
                                      bootstrap: .init(resamples: 10_000, seed: 0))
        let percent = try #require(reference["percent"] as? [String: Any]), difference = try #require(reference["difference"] as? [String: Any])
        for benchmark in ["pereira2018", "blank2014", "wehbe2014"] {
            #expect(close(study.means[benchmark]!.percentInterval, doubles(percent[benchmark])), "\(benchmark)")
            #expect(close(study.means[benchmark]!.differenceInterval, doubles(difference[benchmark])), "\(benchmark)")
        }
        #expect(close(study.meanAverage.percentInterval, doubles(percent["average"])))
        #expect(close(study.meanAverage.differenceInterval, doubles(difference["average"])))
        // The interval holds the mean it is around.
        let mean = study.meanAverage
        #expect(mean.percentInterval!.low < mean.percent && mean.percent < mean.percentInterval!.high)
    }

    @Test func smallCasesAndSeedsMatchNumpy() throws {
        let cases = try #require(reference["cases"] as? [[String: Any]])
        #expect(cases.count == 3)
        for item in cases {
            let values = doubles(item["values"]), resamples = try #require(item["resamples"] as? Int), seed = try #require(item["seed"] as? Int)
            let interval = Statistics.bootstrapMeanInterval(values, resamples: resamples, seed: UInt32(seed))
            #expect(close(interval, doubles(item["interval"])), "\(values.count) values, seed \(seed)")
        }
        #expect(Statistics.bootstrapMeanInterval([0.3], resamples: 100, seed: 0) == nil)
    }
}
