#if MPI
import CHDF5MPI
#else
import CHDF5
#endif
import Foundation

/// An open HDF5 (or netCDF4) file. The file stays open while this object or any group
/// or dataset opened from it is alive.
public final class HDF5File: @unchecked Sendable {
    public enum Mode: Sendable { case readOnly, readWrite }

    private let handle: Handle
    /// The path as given by the caller.
    public let path: String
    /// The root group "/".
    public let root: HDF5Group
    /// Set for files opened for reading, so no result replaces them (`OpenInputs`).
    private var inputRecord: OpenInputs.Token?

    init(handle: Handle, path: String) throws {
        self.handle = handle
        self.path = path
        let location = Location(file: path, path: "/")
        self.root = try HDF5Library.locked(reading: path, nil) {
            let id = try location.check(H5Gopen2(handle.id, "/", shim_H5P_DEFAULT()), "open root group")
            return HDF5Group(handle: Handle(id, .group), location: location)
        }
    }

    /// Opens an existing file. Missing files, directories, FIFOs and devices, empty files,
    /// netCDF-3 and HDF4 files, other non-HDF5 files and damaged files each give an
    /// `HDF5Error` that says which.
    public static func open(_ path: String, mode: Mode = .readOnly) throws -> HDF5File {
        try InputFile.check(path)
        // A lock can be held for a moment by a process that is just starting: between its
        // fork and exec it shares every descriptor of its parent (ours, if we started it,
        // or another writer's). Such a lock goes within milliseconds, so a locked file is
        // retried for up to `lockPatience` seconds (outside the HDF5 lock) before it is
        // reported as locked.
        let started = Date()
        var pause = 0.005
        var id: hid_t = -1
        while id < 0 {
            do {
                id = try HDF5Library.locked(reading: path, nil) {
                    let isHDF5 = H5Fis_hdf5(path)
                    if isHDF5 == 0 {
                        throw HDF5Error(operation: "open file", file: path, reason: "not an HDF5 or netCDF4 file (no HDF5 signature)")
                    }
                    if isHDF5 < 0 { _ = ErrorStack.take() }  // let H5Fopen produce the real error
                    let flags = mode == .readOnly ? shim_H5F_ACC_RDONLY() : shim_H5F_ACC_RDWR()
                    let id = H5Fopen(path, flags, shim_H5P_DEFAULT())
                    if id < 0 {
                        let stack = ErrorStack.take()
                        throw HDF5Error(operation: "open file", file: path, reason: Self.openFailure(stack), hdf5Stack: stack)
                    }
                    Self.closeOnExec(id)
                    return id
                }
            } catch let error as HDF5Error where error.reason == Self.lockedFile && Date().timeIntervalSince(started) < Self.lockPatience {
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 0.2)
            }
        }
        let file = try HDF5File(handle: Handle(id, .file), path: path)
        file.inputRecord = OpenInputs.record(path)
        return file
    }

    /// Marks the descriptor libhdf5 opened close-on-exec (its sec2 driver does not): a
    /// program `run` starts (the Python extractor) while a file is open would otherwise
    /// inherit it, and with it the file's lock, for its whole life. Other drivers (MPI-IO)
    /// are left alone. Called with the library lock held.
    static func closeOnExec(_ id: hid_t) {
        let access = H5Fget_access_plist(id)
        guard access >= 0 else { _ = ErrorStack.take(); return }
        defer { H5Pclose(access) }
        guard H5Pget_driver(access) == shim_H5FD_SEC2() else { return }
        var handle: UnsafeMutableRawPointer?
        guard H5Fget_vfd_handle(id, access, &handle) >= 0, let handle else { _ = ErrorStack.take(); return }
        let descriptor = handle.load(as: Int32.self)
        let flags = fcntl(descriptor, F_GETFD)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// Why H5Fopen refused a file that passed the signature check. A lock held elsewhere
    /// (another program writing the file, or a process that inherited HDF5's descriptor)
    /// must not be reported as damage: the file is fine and waiting or closing the other
    /// program is the cure.
    static func openFailure(_ stack: [String]) -> String {
        if stack.contains(where: { $0.localizedCaseInsensitiveContains("unable to lock file") }) {
            // errno 11 (EAGAIN): another process holds the lock. Others (ENOSYS, ENOLCK):
            // the file system has no locks at all.
            if stack.contains(where: { $0.contains("errno = 11,") }) { return lockedFile }
            return "this file system does not support the file locks libhdf5 takes; set HDF5_USE_FILE_LOCKING=FALSE to read it without them"
        }
        return "the file is damaged or truncated, or not a complete HDF5 file"
    }

    static let lockedFile = "another process holds an HDF5 lock on it (a program still writing it, e.g. an open h5py/xarray "
        + "handle); close that program and retry. On a file system without locking, set HDF5_USE_FILE_LOCKING=FALSE"

    /// Seconds a locked file is retried before it is reported as locked.
    static let lockPatience = 2.0

    /// Creates a new file; with `overwrite: false` an existing file is an error.
    /// Links and attributes remember their creation order, as netCDF-4 files do.
    public static func create(_ path: String, overwrite: Bool = false) throws -> HDF5File {
        let location = Location(file: path, path: "/")
        let id: hid_t = try HDF5Library.locked {
            let plist = Handle(try location.check(H5Pcreate(shim_H5P_FILE_CREATE()), "create file properties for"), .propertyList)
            let order = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
            try location.check(H5Pset_link_creation_order(plist.id, order), "track creation order in")
            try location.check(H5Pset_attr_creation_order(plist.id, order), "track attribute order in")
            let flags = overwrite ? shim_H5F_ACC_TRUNC() : shim_H5F_ACC_EXCL()
            let id = H5Fcreate(path, flags, plist.id, shim_H5P_DEFAULT())
            if id < 0 {
                let stack = ErrorStack.take()
                let exists = FileManager.default.fileExists(atPath: path)
                throw HDF5Error(operation: "create file", file: path,
                                reason: exists && !overwrite ? "the file already exists" : nil, hdf5Stack: stack)
            }
            Self.closeOnExec(id)
            return id
        }
        return try HDF5File(handle: Handle(id, .file), path: path)
    }

    /// Reopens a file this process is writing (a staged result under its temporary name)
    /// for more writing. Unlike `open`, it is not recorded as an input.
    public static func reopenForWriting(_ path: String) throws -> HDF5File {
        let id: hid_t = try HDF5Library.locked {
            let id = H5Fopen(path, shim_H5F_ACC_RDWR(), shim_H5P_DEFAULT())
            if id < 0 { throw HDF5Error(operation: "reopen file", file: path, hdf5Stack: ErrorStack.take()) }
            Self.closeOnExec(id)
            return id
        }
        return try HDF5File(handle: Handle(id, .file), path: path)
    }

    /// Writes buffered data to disk.
    public func flush() throws {
        try HDF5Library.locked {
            try Location(file: path, path: "/").check(H5Fflush(handle.id, H5F_SCOPE_GLOBAL), "flush file")
        }
    }
}
