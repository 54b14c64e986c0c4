import Foundation
import TestSupport
import Testing

/// The serial build started by an MPI launcher (mpirun, srun) as several ranks: it refuses
/// before reading anything, says so once (on the first rank), and writes nothing. The MPI
/// build itself is tested by tools/test_mpi.sh (it needs mpirun).
@Suite struct LauncherTests {
    let temporary: TemporaryDirectory
    init() throws { temporary = try TemporaryDirectory() }

    func score(environment extra: [String: String], arguments: [String] = []) throws -> (ProcessResult, String) {
        let output = temporary.path("launched.nc")
        var environment = ProcessInfo.processInfo.environment
        for key in ["OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMI_SIZE", "PMI_RANK", "PMIX_SIZE", "PMIX_RANK",
                    "SLURM_STEP_NUM_TASKS", "SLURM_PROCID"] { environment[key] = nil }
        environment.merge(extra) { _, new in new }
        let result = try runProcess(CLI.executable, ["score", "--neural", ScoreCommandTests.neural, "--activations", ScoreCommandTests.activations,
                                                    "--output", output, "--quiet"] + arguments, environment: environment)
        return (result, output)
    }

    @Test(arguments: [["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0"], ["PMI_SIZE": "4", "PMI_RANK": "0"],
                      ["SLURM_STEP_NUM_TASKS": "3", "SLURM_PROCID": "0"]])
    func firstRankRefusesWithOneLine(environment: [String: String]) throws {
        let (result, output) = try score(environment: environment)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("serial build") && result.stderr.contains("--traits MPI") && result.stderr.contains(environment.keys.first { $0.hasSuffix("SIZE") || $0.hasSuffix("TASKS") }!))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func otherRanksRefuseQuietly() throws {
        let (result, output) = try score(environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1"])
        #expect(result.status == 2)
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// A usage error is the same on every rank: the first says it, the others exit with
    /// the same code in silence (mpirun would otherwise print it once per rank).
    @Test func aUsageErrorIsSaidOnceAcrossRanks() throws {
        let (first, _) = try score(environment: ["OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "0"], arguments: ["--inner-folds-per-pass", "0"])
        #expect(first.status == 64)
        #expect(first.stderr.contains("--inner-folds-per-pass must be at least 1"), "\(first.stderr)")
        let (other, output) = try score(environment: ["OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "2"], arguments: ["--inner-folds-per-pass", "0"])
        #expect(other.status == 64)
        #expect(other.stderr.isEmpty && other.stdout.isEmpty, "\(other.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        // --help likewise: printed by rank 0 only.
        let (help, _) = try score(environment: ["OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "1"], arguments: ["--help"])
        #expect(help.status == 0 && help.stdout.isEmpty && help.stderr.isEmpty, "\(help.stdout)")
        let (leadHelp, _) = try score(environment: ["OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "0"], arguments: ["--help"])
        #expect(leadHelp.status == 0 && leadHelp.stdout.contains("--inner-folds-per-pass"))
    }

    @Test func oneRankIsAnOrdinaryRun() throws {
        let (result, output) = try score(environment: ["OMPI_COMM_WORLD_SIZE": "1", "OMPI_COMM_WORLD_RANK": "0"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: output))
    }
}
