import CProcessGuard

/// libhdf5 1.10 trusts lengths and addresses it reads from a file, and some damaged files
/// make it read wild memory inside H5Dread/H5Aread. That cannot be caught or recovered
/// from; what we can do is end with one line that names the file, instead of a backtrace
/// that points into libhdf5. Before each read the HDF5 layer tells the C crash handler
/// (`CProcessGuard`) which file and object libhdf5 is reading (two stored pointers: cheap);
/// a crash on that thread then prints
/// "brainalign: libhdf5 crashed while reading FILE (dataset /D): the file is damaged or
/// not a valid HDF5 file", removes unfinished result files and exits with status 70.
/// Crashes anywhere else go to Swift's crash reporter as before.
extension HDF5Library {
    /// Exit status after a reported libhdf5 crash (EX_SOFTWARE).
    static let crashExitStatus: Int32 = 70

    private static let crashHandlerInstalled: Int32 = pg_install_crash_handler()

    /// Runs `body` with the library lock held and the crash handler told that libhdf5 is
    /// reading `file` (and `object`, e.g. "dataset /data").
    static func locked<T>(reading file: String, _ object: String?, _ body: () throws -> T) rethrows -> T {
        _ = crashHandlerInstalled  // a failure to install leaves Swift's reporter in place
        return try locked {
            try file.withCString { file in
                func announced(_ object: UnsafePointer<CChar>?) throws -> T {
                    pg_reading_begin(file, object)
                    defer { pg_reading_end() }
                    return try body()
                }
                guard let object else { return try announced(nil) }
                return try object.withCString { try announced($0) }
            }
        }
    }
}

extension HDF5Object {
    /// Runs `body` locked, announcing a read of this object to the crash reporter.
    func lockedReading<T>(_ body: () throws -> T) rethrows -> T {
        try HDF5Library.locked(reading: location.file, (self is HDF5Dataset ? "dataset " : "group ") + location.path, body)
    }
}
