import Foundation

/// What can be said about an input path before libhdf5 sees it: that it is a readable,
/// non-empty regular file, and not one of the formats people mistake for netCDF-4.
/// A FIFO must be refused here: opening it to look inside would wait for a writer.
enum InputFile {
    static func check(_ path: String) throws {
        func refuse(_ reason: String) -> HDF5Error { HDF5Error(operation: "open file", file: path, reason: reason) }
        let status: FileStatus?
        do { status = try FileStatus.of(path) } catch { throw refuse("\(error)") }
        guard let status else { throw refuse("no such file") }
        switch status.kind {
        case .regular: break
        case .directory: throw refuse("it is a directory")
        default: throw refuse("it is \(status.kind.phrase), not a file")
        }
        guard access(path, R_OK) == 0 else { throw refuse("permission denied") }
        guard status.size > 0 else { throw refuse("the file is empty (0 bytes)") }
        let head = [UInt8]((try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 4)) ?? Data())
        if let kind = netCDF3Kind(head) {
            throw refuse("it is a netCDF-3 (\(kind)) file; BrainAlign reads netCDF-4/HDF5: convert it with "
                + "`nccopy -k nc4 \(shellQuoted(path)) \(shellQuoted(converted(path)))` (or xarray: ds.to_netcdf(..., engine='h5netcdf'))")
        }
        if head == [0x0E, 0x03, 0x13, 0x01] {
            throw refuse("it is an HDF4 file; BrainAlign reads HDF5 (HDF5 tools' h4toh5 converts it)")
        }
    }

    /// netCDF-3's magic number: "CDF" and a version byte.
    static func netCDF3Kind(_ head: [UInt8]) -> String? {
        guard head.count == 4, head[0] == 0x43, head[1] == 0x44, head[2] == 0x46 else { return nil }
        switch head[3] {
        case 1: return "classic"
        case 2: return "classic, 64-bit offset"
        case 5: return "classic, 64-bit data"
        default: return nil
        }
    }

    /// `dir/assy.nc` -> `dir/assy-nc4.nc`: where the suggested conversion writes.
    private static func converted(_ path: String) -> String {
        path.hasSuffix(".nc") ? String(path.dropLast(3)) + "-nc4.nc" : path + "-nc4.nc"
    }

    /// The path as one shell word, quoted only when it needs to be.
    private static func shellQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._/-+=:,@%".contains($0)) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
