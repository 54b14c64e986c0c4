import Foundation

/// The files this process has open for reading through `HDF5File.open`, by identity, so a
/// result can never replace one of its own inputs, however either path is spelled (writing
/// `--output` onto `--neural` with `--overwrite` would otherwise replace the data with the
/// scores). Kept while the `HDF5File` lives.
enum OpenInputs {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var open: [FileIdentity: (path: String, count: Int)] = [:]

    /// Records an opened input; the returned token forgets it when released.
    static func record(_ path: String) -> Token? {
        guard let identity = try? FileIdentity(path: path), identity.pendingName == nil else { return nil }
        lock.withLock {
            open[identity, default: (path, 0)].count += 1
        }
        return Token(identity: identity)
    }

    /// The path an open input was opened with, if `destination` names the same file.
    static func input(sameAs destination: String) -> String? {
        guard let identity = try? FileIdentity(path: destination) else { return nil }
        return lock.withLock { open[identity]?.path }
    }

    final class Token: @unchecked Sendable {
        let identity: FileIdentity
        init(identity: FileIdentity) { self.identity = identity }
        deinit {
            OpenInputs.lock.withLock {
                guard let entry = OpenInputs.open[identity] else { return }
                OpenInputs.open[identity] = entry.count > 1 ? (entry.path, entry.count - 1) : nil
            }
        }
    }
}
