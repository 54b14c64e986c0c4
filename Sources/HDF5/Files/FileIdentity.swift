/// Which file a path names, whatever its spelling: relative or absolute, `in/../in/x.nc`,
/// through symbolic links or hard links. For a path that exists it is the file's device
/// and inode (symbolic links followed, as opening the path would). For a path that does
/// not exist yet it is the directory the file would be created in (device and inode, so
/// `..` and links in the directory part are resolved by the kernel) plus the name.
///
/// Used to refuse an output that would replace one of the run's inputs.
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64
    /// nil for an existing file; otherwise the name the file would get in the directory
    /// identified by `device` and `inode`.
    public let pendingName: String?

    /// Throws when the path cannot be looked at (permission denied, symlink loop) or when
    /// neither it nor its directory exists.
    public init(path: String) throws {
        do {
            if let status = try FileStatus.of(path) {
                (device, inode, pendingName) = (status.device, status.inode, nil)
                return
            }
            let directory = OutputPath.parentDirectory(of: path)
            guard let parent = try FileStatus.of(directory), parent.kind == .directory else {
                throw HDF5Error(operation: "identify", file: path, reason: "neither the file nor its directory '\(directory)' exists")
            }
            (device, inode) = (parent.device, parent.inode)
            pendingName = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        } catch let error as SystemError {
            throw HDF5Error(operation: "identify", file: path, reason: error.description)
        }
    }

    /// The first of `inputs` that names the same file as `output`, or nil if none does.
    /// Inputs that cannot be identified (missing, unreadable directory) cannot be the
    /// output and are skipped; an output that cannot be identified throws.
    public static func input(among inputs: [String], sameAs output: String) throws -> String? {
        let target = try FileIdentity(path: output)
        return inputs.first { (try? FileIdentity(path: $0)) == target }
    }
}
