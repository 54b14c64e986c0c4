#if MPI
import CMPI
import Foundation
import HDF5
import Scoring

/// The ranks of this run in the MPI build: MPI_COMM_WORLD once a launcher (mpirun,
/// srun) started the process, else one process (no MPI at all).
public enum Ranks {
    public static let isMPIBuild = true

    public static func world() throws -> any RankGroup {
        let environment = ProcessInfo.processInfo.environment
        guard Launcher.sizeVariables.contains(where: { environment[$0] != nil }) else { return SingleRank() }
        return try MPIWorld.shared()
    }
}

/// MPI_COMM_WORLD as a `RankGroup`. MPI is initialised once, MPI_THREAD_SERIALIZED:
/// the engine's reader thread and writing thread both reach MPI (through libhdf5's
/// MPI-IO driver), never at once, because `HDF5Library` serialises every libhdf5 call
/// of the process; MPI itself is only called here and by libhdf5.
final class MPIWorld: RankGroup, @unchecked Sendable {
    let rank: Int
    let size: Int

    private static let lock = NSLock()
    nonisolated(unsafe) private static var world: MPIWorld?

    static func shared() throws -> MPIWorld {
        try lock.withLock {
            if let world { return world }
            var provided: Int32 = 0
            guard MPI_Init_thread(nil, nil, shim_MPI_THREAD_SERIALIZED(), &provided) == shim_MPI_SUCCESS() else {
                throw ScoringError("MPI_Init_thread failed: check the MPI installation (mpirun --version) and the launcher")
            }
            guard provided >= shim_MPI_THREAD_SERIALIZED() else {
                throw ScoringError("this MPI library gives thread level \(provided), below MPI_THREAD_SERIALIZED, which the engine's I/O thread needs")
            }
            // Finalised at exit, after libhdf5 has closed everything (shut down here
            // too, in case libhdf5 was first used after this point: a no-op otherwise).
            atexit {
                HDF5.shutDownForExit()
                _ = MPI_Finalize()
            }
            var rank: Int32 = 0, size: Int32 = 0
            MPI_Comm_rank(shim_MPI_COMM_WORLD(), &rank)
            MPI_Comm_size(shim_MPI_COMM_WORLD(), &size)
            let made = MPIWorld(rank: Int(rank), size: Int(size))
            world = made
            return made
        }
    }

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    func agree(_ failure: Error?) throws {
        var mine: Int32 = failure == nil ? Int32.max : Int32(rank)
        var lowest: Int32 = 0
        try check(MPI_Allreduce(&mine, &lowest, 1, shim_MPI_INT(), shim_MPI_MIN(), shim_MPI_COMM_WORLD()), "MPI_Allreduce")
        guard lowest != Int32.max else { return }
        let message = try broadcast(failure.map { "\($0)" } ?? "", from: lowest)
        if let failure { throw failure }
        throw ScoringError("rank \(lowest) of \(size) failed, so every rank stopped and no result was written: \(message)")
    }

    func broadcast(_ text: String) throws -> String { try broadcast(text, from: 0) }

    private func broadcast(_ text: String, from root: Int32) throws -> String {
        var bytes = Array(text.utf8).map { CChar(bitPattern: $0) }
        var count = Int32(bytes.count)
        try check(MPI_Bcast(&count, 1, shim_MPI_INT(), root, shim_MPI_COMM_WORLD()), "MPI_Bcast")
        if rank != Int(root) { bytes = [CChar](repeating: 0, count: Int(count)) }
        if count > 0 { try check(MPI_Bcast(&bytes, count, shim_MPI_CHAR(), root, shim_MPI_COMM_WORLD()), "MPI_Bcast") }
        return String(decoding: bytes.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func allGather(_ values: [Double]) throws -> [[Double]] { try gathered(values, shim_MPI_DOUBLE(), zero: 0) }

    func allGather(_ text: String) throws -> [String] {
        try gathered(Array(text.utf8).map { CChar(bitPattern: $0) }, shim_MPI_CHAR(), zero: 0)
            .map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// Every rank's `values` (any length) on every rank: the lengths, then the values.
    private func gathered<T>(_ values: [T], _ type: MPI_Datatype, zero: T) throws -> [[T]] {
        var mine = values
        var count = Int32(values.count)
        var counts = [Int32](repeating: 0, count: size)
        try check(MPI_Allgather(&count, 1, shim_MPI_INT(), &counts, 1, shim_MPI_INT(), shim_MPI_COMM_WORLD()), "MPI_Allgather")
        var offsets = [Int32](repeating: 0, count: size)
        for r in 1..<max(1, size) { offsets[r] = offsets[r - 1] + counts[r - 1] }
        var all = [T](repeating: zero, count: Int(counts.reduce(0, +)))
        try check(MPI_Allgatherv(&mine, count, type, &all, &counts, &offsets, type, shim_MPI_COMM_WORLD()), "MPI_Allgatherv")
        return (0..<size).map { Array(all[Int(offsets[$0])..<Int(offsets[$0] + counts[$0])]) }
    }

    func openShared(_ path: String) throws -> HDF5File { try HDF5File.openShared(path) }

    private func check(_ status: Int32, _ call: String) throws {
        guard status == shim_MPI_SUCCESS() else { throw ScoringError("\(call) failed on rank \(rank) (MPI error \(status))") }
    }
}
#endif
