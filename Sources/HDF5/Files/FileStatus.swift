import Foundation

/// What `stat(2)` says about a path, in the terms the input and output checks need.
/// Foundation's `fileExists` cannot tell a FIFO or a device from a file, and opening a FIFO
/// to look at it would block, so the checks ask the kernel directly.
struct FileStatus: Sendable {
    enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, fifo, socket, characterDevice, blockDevice, other

        /// "a directory", "a FIFO (named pipe)", ...: for messages.
        var phrase: String {
            switch self {
            case .regular: "a regular file"
            case .directory: "a directory"
            case .symbolicLink: "a symbolic link"
            case .fifo: "a FIFO (named pipe)"
            case .socket: "a socket"
            case .characterDevice: "a character device"
            case .blockDevice: "a block device"
            case .other: "not a regular file"
            }
        }
    }

    var kind: Kind
    var device: UInt64
    var inode: UInt64
    var size: Int64

    /// The status of `path`, or nil when nothing is there (ENOENT, or a path component is
    /// not a directory). With `followingLinks: false` a symbolic link describes itself.
    /// Other failures (permission denied on a parent, a symlink loop) throw.
    static func of(_ path: String, followingLinks: Bool = true) throws(SystemError) -> FileStatus? {
        var info = stat()
        let result = followingLinks ? stat(path, &info) : lstat(path, &info)
        if result != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw SystemError(code: code)
        }
        let kind: Kind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        default: kind = .other
        }
        return FileStatus(kind: kind, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size))
    }
}

/// A failed system call's errno, described the way the C library does ("Permission denied").
struct SystemError: Error, Sendable, CustomStringConvertible {
    var code: Int32
    var description: String { String(cString: strerror(code)) }

    /// The current errno.
    static var last: SystemError { SystemError(code: errno) }
}
