#if MPI
import CHDF5MPI
#else
import CHDF5
#endif

/// A failure in the HDF5 layer. It names what we tried to do, the file, the object
/// inside the file, and carries HDF5's own error-stack text when the library failed.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    /// What we were doing, e.g. "open dataset" or "read hyperslab".
    public var operation: String
    /// The file's path as the caller gave it.
    public var file: String
    /// The object's path inside the file ("/" for the root group), if any.
    public var object: String?
    /// Our own explanation, when we detected the problem before calling HDF5.
    public var reason: String?
    /// HDF5's error stack, innermost first ("H5Dopen2(): unable to open dataset: ...").
    public var hdf5Stack: [String]

    public init(operation: String, file: String, object: String? = nil, reason: String? = nil, hdf5Stack: [String] = []) {
        self.operation = operation
        self.file = file
        self.object = object
        self.reason = reason
        self.hdf5Stack = hdf5Stack
    }

    public var description: String {
        var text = "cannot \(operation)"
        if let object { text += " '\(object)' in" }
        text += " '\(file)'"
        if let reason { text += ": \(reason)" }
        if !hdf5Stack.isEmpty {
            text += (reason == nil ? ": " : "; ") + "HDF5 says: " + hdf5Stack.joined(separator: " <- ")
        }
        return text
    }
}

/// Where an HDF5 object lives, carried by every wrapper so errors can name it.
struct Location: Sendable {
    var file: String
    var path: String

    func child(_ name: String) -> Location {
        Location(file: file, path: path == "/" ? "/" + name : path + "/" + name)
    }

    func error(_ operation: String, reason: String? = nil, stack: [String] = []) -> HDF5Error {
        HDF5Error(operation: operation, file: file, object: path, reason: reason, hdf5Stack: stack)
    }

    /// Throws with HDF5's current error stack if `id` is negative (HDF5's failure value).
    @discardableResult
    func check(_ id: hid_t, _ operation: @autoclosure () -> String) throws -> hid_t {
        if id < 0 { throw error(operation(), stack: ErrorStack.take()) }
        return id
    }

    /// Throws with HDF5's current error stack if `status` is negative.
    func check(_ status: herr_t, _ operation: @autoclosure () -> String) throws {
        if status < 0 { throw error(operation(), stack: ErrorStack.take()) }
    }

    /// Throws with HDF5's current error stack if a tri-state (htri_t) answer is negative.
    func checkBool(_ answer: htri_t, _ operation: @autoclosure () -> String) throws -> Bool {
        if answer < 0 { throw error(operation(), stack: ErrorStack.take()) }
        return answer > 0
    }
}

/// Reads and clears the calling thread's HDF5 error stack. Called with the library
/// lock held, right after the failing call.
enum ErrorStack {
    private final class Collector {
        var lines: [String] = []
    }

    static func take() -> [String] {
        let collector = Collector()
        let estack = shim_H5E_DEFAULT()
        withExtendedLifetime(collector) {
            let context = Unmanaged.passUnretained(collector).toOpaque()
            H5Ewalk2(estack, H5E_WALK_UPWARD, { _, entry, context in
                guard let entry, let context else { return 0 }
                let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                let function = entry.pointee.func_name.map { String(cString: $0) } ?? "?"
                let detail = entry.pointee.desc.map { String(cString: $0) } ?? ""
                let minor = ErrorStack.message(entry.pointee.min_num)
                var line = "\(function)(): \(detail)"
                if !minor.isEmpty && minor != detail { line += " (\(minor))" }
                collector.lines.append(line)
                return 0
            }, context)
        }
        H5Eclear2(estack)
        return collector.lines
    }

    private static func message(_ id: hid_t) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = H5Eget_msg(id, nil, &buffer, buffer.count)
        guard length > 0 else { return "" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
