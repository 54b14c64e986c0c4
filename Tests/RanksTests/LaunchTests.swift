import Ranks
import Testing

/// Reading what a launcher set: rank counts from its environment, the cores a rank is
/// bound to from /proc/self/status.
@Suite struct LaunchTests {
    @Test func launcherVariablesGiveTheRankCount() {
        #expect(Launcher.requestedRanks([:]) == nil)
        #expect(Launcher.requestedRanks(["OMPI_COMM_WORLD_SIZE": "1"]) == nil)
        #expect(Launcher.requestedRanks(["OMPI_COMM_WORLD_SIZE": "3"])?.count == 3)
        #expect(Launcher.requestedRanks(["PMI_SIZE": "2"])?.variable == "PMI_SIZE")
        #expect(Launcher.requestedRanks(["SLURM_STEP_NUM_TASKS": "8"])?.count == 8)
        // sbatch's own environment (SLURM_NTASKS for the allocation) is not a launch of ranks.
        #expect(Launcher.requestedRanks(["SLURM_NTASKS": "8"]) == nil)
        #expect(Launcher.launchedRank(["OMPI_COMM_WORLD_RANK": "2"]) == 2)
        #expect(Launcher.launchedRank([:]) == 0)
    }

    @Test func allowedCoresAreCountedFromTheStatusList() {
        #expect(CoreBinding.allowedCPUs(status: "Name:\tx\nCpus_allowed_list:\t0-3,8,10-11\n") == 7)
        #expect(CoreBinding.allowedCPUs(status: "Cpus_allowed_list:\t1\n") == 1)
        #expect(CoreBinding.allowedCPUs(status: "Name:\tx\n") == nil)
        #expect(CoreBinding.allowedCPUs(status: "Cpus_allowed_list:\t3-1\n") == nil)
        #expect(CoreBinding.allowedCPUs() != nil, "this Linux reports the affinity")
    }

    @Test func boundToFewerCoresThanThreadsIsWarned() {
        #expect(CoreBinding.warning(threads: 2, allowed: 1)?.contains("--bind-to none") == true)
        #expect(CoreBinding.warning(threads: 2, allowed: 2) == nil)
        #expect(CoreBinding.warning(threads: 4, allowed: nil) == nil)
    }
}
