import Foundation
import TestSupport
import Testing

/// `brainalign bench` checks its files and the budget before generating anything.
@Suite struct BenchInputTests {
    @Test func refusalsComeBeforeAnyFileIsWritten() throws {
        let temporary = try TemporaryDirectory()
        let data = temporary.path("data.nc"), activations = temporary.path("activations.nc")
        let huge = try CLI.run(["bench", "--rows", "100000000", "--features", "100000", "--voxels", "1000000", "--data", data, "--activations", activations])
        #expect(huge.status == 1 && huge.stderr.contains("do not fit --memory"), "\(huge.stderr)")
        let same = try CLI.run(["bench", "--data", data, "--activations", data])
        #expect(same.status == 1 && same.stderr.contains("name the same file"), "\(same.stderr)")
        let sample = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample.nc").path
        let other = try CLI.run(["bench", "--rows", "50", "--features", "10", "--voxels", "20", "--data", sample, "--activations", activations])
        #expect(other.status == 1 && other.stderr.contains("of shape [80, 60], not the [50, 20] asked for"), "\(other.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.url.path).isEmpty, "nothing generated")
    }
}
