// swift-tools-version: 6.1
// BrainAlign: brain-alignment scoring of language models (see README.md).
import PackageDescription

let package = Package(
    name: "BrainAlign",
    products: [
        .executable(name: "brainalign", targets: ["brainalign"]),
        .library(name: "HDF5", targets: ["HDF5"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "Encoding", targets: ["Encoding"]),
    ],
    // The serial build (default) and the MPI build of the same binary:
    // `swift build -c release --traits MPI` (docs/scale-out.md). Naming a trait turns the
    // defaults off, so exactly one of the two HDF5 builds is linked.
    traits: [
        .trait(name: "Serial", description: "one process; serial libhdf5 (pkg-config hdf5-serial)"),
        .trait(name: "MPI", description: "MPI ranks (mpirun/srun) writing one result file through parallel HDF5 (hdf5-openmpi)"),
        .default(enabledTraits: ["Serial"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C boundary: system libraries found with pkg-config. `hdf5-serial`, not `hdf5`:
        // Debian repoints the `hdf5` alias at the MPI build once libhdf5-openmpi-dev is installed.
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5-serial",
            providers: [.apt(["libhdf5-dev"])]
        ),
        // The MPI build's libhdf5 (MPI-IO driver) and MPI itself; only in `--traits MPI`.
        // Both shims re-expose C macros (H5P_DEFAULT, MPI_COMM_WORLD, ...) as functions.
        .systemLibrary(
            name: "CHDF5MPI",
            pkgConfig: "hdf5-openmpi",
            providers: [.apt(["libhdf5-openmpi-dev"])]
        ),
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
        ),
        .systemLibrary(
            name: "CLinearAlgebra",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // Signal handlers (temporary-file cleanup, libhdf5 crash report) and renameat2:
        // what must be written in C.
        .target(name: "CProcessGuard"),

        // Safe Swift over the C boundary.
        .target(name: "HDF5", dependencies: [
            .target(name: "CHDF5", condition: .when(traits: ["Serial"])),
            .target(name: "CHDF5MPI", condition: .when(traits: ["MPI"])),
            .target(name: "CMPI", condition: .when(traits: ["MPI"])),
            "CProcessGuard",
        ]),
        .target(name: "LinearAlgebra", dependencies: ["CLinearAlgebra"]),
        .target(name: "Encoding", dependencies: ["LinearAlgebra", "HDF5", "CProcessGuard"]),
        .target(name: "Scoring", dependencies: ["Encoding", "HDF5", "LinearAlgebra"]),
        .target(name: "Benchmarks", dependencies: ["Scoring", "Encoding", "HDF5", "LinearAlgebra"]),
        .target(name: "Study", dependencies: ["Scoring", "HDF5", "Encoding"]),
        // `brainalign run`: a plan of models x benchmarks, extraction to summary.
        .target(name: "Run", dependencies: ["Study", "Benchmarks", "Scoring", "Encoding", "HDF5"]),
        // The ranks of an MPI job as the engine's `RankGroup` (thin Swift over CMPI); in the
        // serial build it only detects a launcher and explains how to build for MPI.
        .target(name: "Ranks", dependencies: [
            "Scoring", "HDF5",
            .target(name: "CMPI", condition: .when(traits: ["MPI"])),
        ]),

        // The command line.
        .executableTarget(
            name: "brainalign",
            dependencies: [
                "HDF5",
                "Scoring",
                "Encoding",
                "Benchmarks",
                "Study",
                "Run",
                "Ranks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Fixture paths and JSON helpers shared by the test targets (no test framework inside).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "CProcessGuard", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "EncodingTests", dependencies: ["Encoding", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring", "Encoding", "HDF5", "TestSupport"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "Scoring", "HDF5", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "Scoring", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "RanksTests", dependencies: ["Ranks"]),
        .testTarget(name: "CommandLineTests", dependencies: ["brainalign", "HDF5", "TestSupport"], exclude: ["Fixtures"]),
    ]
)
