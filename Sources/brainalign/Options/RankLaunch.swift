import ArgumentParser
import Foundation
import Ranks
import Scoring

/// Runs a command as this process's rank of the run (one rank unless the MPI build was
/// started by mpirun/srun). Only the lead rank reports: the other ranks exit with the
/// same status and print nothing, so a job prints its result or its error once. The lead
/// warns when the launcher bound the ranks to fewer cores than `threads`.
func asRank<T>(threads: Int, _ body: (any RankGroup) throws -> T) throws -> T {
    let ranks: any RankGroup
    do { ranks = try Ranks.world() } catch let error as LaunchError {
        if !error.quiet { FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8)) }
        throw ExitCode(2)
    }
    if ranks.size > 1 && ranks.isLead, let warning = CoreBinding.warning(threads: threads) {
        FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
    }
    do { return try body(ranks) } catch where !ranks.isLead { throw ExitCode.failure }
}
