import Foundation
import HDF5
import TestSupport
import Testing

/// Files that are not netCDF-4/HDF5, or not files at all, are refused with one line that
/// names the file and says what it is (built by tools/make_bad_inputs.py).
@Suite struct BadInputTests {
    func openError(_ path: String) -> HDF5Error? {
        do {
            _ = try NetCDFFile.open(path)
        } catch let error as HDF5Error {
            #expect(!error.description.contains("\n"), "one line: \(error)")
            #expect(error.file == path)
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
        Issue.record("expected \(path) to be refused")
        return nil
    }

    @Test func netCDF3FilesSayHowToConvert() throws {
        guard let inputs = try BadInputs.make(["classic"]) else { return }
        for (name, kind) in [("classic.nc", "classic"), ("classic_64bit_offset.nc", "classic, 64-bit offset"),
                             ("classic_64bit_data.nc", "classic, 64-bit data")] {
            let path = inputs.path(name)
            let converted = String(path.dropLast(3)) + "-nc4.nc"
            #expect(openError(path)?.description == "cannot open file '\(path)': it is a netCDF-3 (\(kind)) file; BrainAlign reads netCDF-4/HDF5: "
                + "convert it with `nccopy -k nc4 \(path) \(converted)` (or xarray: ds.to_netcdf(..., engine='h5netcdf'))")
        }
    }

    @Test func notAFileIsSaidPlainly() throws {
        guard let inputs = try BadInputs.make(["special"]) else { return }
        #expect(openError(inputs.path("fifo.nc"))?.reason == "it is a FIFO (named pipe), not a file")
        #expect(openError(inputs.path("empty.nc"))?.reason == "the file is empty (0 bytes)")
        #expect(openError(inputs.path("directory.nc"))?.reason == "it is a directory")
    }
}
