#if MPI
import CHDF5MPI
import Foundation

extension HDF5File {
    /// Opens an existing file on every rank of the MPI job at once, through the MPI-IO
    /// driver, for hyperslab writes into datasets whose storage already exists
    /// (`HDF5DatasetOptions.allocateEarly`). Collective: every rank must call it, and
    /// later drop the file (and everything opened from it) at the same point, since
    /// closing is collective too. Writes default to independent transfers, so each rank
    /// writes its own voxels whenever they are ready.
    ///
    /// Locking: the MPI build of libhdf5 is not thread-safe; `HDF5Library.locked` already
    /// serialises every call of this process, and MPI is initialised
    /// MPI_THREAD_SERIALIZED to match.
    public static func openShared(_ path: String) throws -> HDF5File {
        let location = Location(file: path, path: "/")
        let id: hid_t = try HDF5Library.locked {
            let access = Handle(try location.check(H5Pcreate(shim_H5P_FILE_ACCESS()), "create file-access properties for"), .propertyList)
            try location.check(H5Pset_fapl_mpio(access.id, shim_H5_COMM_WORLD(), shim_H5_INFO_NULL()), "select the MPI-IO driver for")
            // The MPI-IO driver's default close degree (semi) refuses to close a file
            // whose root group is still open, which `HDF5File` releases after the file
            // id; weak closes it when the last object goes, as serial files do here.
            try location.check(H5Pset_fclose_degree(access.id, H5F_CLOSE_WEAK), "set the close degree of")
            let id = H5Fopen(path, shim_H5F_ACC_RDWR(), access.id)
            if id < 0 {
                throw HDF5Error(operation: "open for parallel writing", file: path,
                                reason: "every rank must see the file at this path (a file system shared by all nodes)",
                                hdf5Stack: ErrorStack.take())
            }
            return id
        }
        return try HDF5File(handle: Handle(id, .file), path: path)
    }
}
#endif
