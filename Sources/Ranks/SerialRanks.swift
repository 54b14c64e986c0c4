#if !MPI
import Scoring

/// The ranks of this run in the serial build: always one process. Started by an MPI
/// launcher as several ranks, it refuses (on the first rank, with one line; the others
/// exit quietly) rather than let every rank write the same result.
public enum Ranks {
    public static let isMPIBuild = false

    /// The group to score with, or the reason this build cannot run as launched.
    public static func world() throws -> any RankGroup {
        if let (count, variable) = Launcher.requestedRanks() {
            throw LaunchError(message: Launcher.serialBuildMessage(count: count, variable: variable), quiet: Launcher.launchedRank() != 0)
        }
        return SingleRank()
    }
}
#endif
