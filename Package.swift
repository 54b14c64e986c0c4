// swift-tools-version: 6.0
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
        .systemLibrary(
            name: "CLinearAlgebra",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // Signal handlers (temporary-file cleanup, libhdf5 crash report) and renameat2:
        // what must be written in C.
        .target(name: "CProcessGuard"),

        // Safe Swift over the C boundary.
        .target(name: "HDF5", dependencies: ["CHDF5", "CProcessGuard"]),
        .target(name: "LinearAlgebra", dependencies: ["CLinearAlgebra"]),
        .target(name: "Encoding", dependencies: ["LinearAlgebra", "HDF5", "CProcessGuard"]),
        .target(name: "Scoring", dependencies: ["Encoding", "HDF5", "LinearAlgebra"]),
        .target(name: "Benchmarks", dependencies: ["Scoring", "Encoding", "HDF5", "LinearAlgebra"]),
        .target(name: "Study", dependencies: ["Scoring", "HDF5", "Encoding"]),
        // `brainalign run`: a plan of models x benchmarks, extraction to summary.
        .target(name: "Run", dependencies: ["Study", "Benchmarks", "Scoring", "Encoding", "HDF5"]),

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
        .testTarget(name: "CommandLineTests", dependencies: ["brainalign", "HDF5", "TestSupport"], exclude: ["Fixtures"]),
    ]
)
