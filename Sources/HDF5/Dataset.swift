#if MPI
import CHDF5MPI
#else
import CHDF5
#endif

/// A dataset: an n-dimensional array in a file, read and written whole or by
/// hyperslab (a rectangular block given by `start` and `count`, row-major / C order).
public final class HDF5Dataset: HDF5Object, @unchecked Sendable {
    /// Current shape ([] for a scalar dataset).
    public let shape: [Int]
    /// Element type on disk.
    public let elementType: HDF5ElementType
    /// Chunk shape, or nil for contiguous/compact storage.
    public let chunkShape: [Int]?
    /// Filters in pipeline order.
    public let filters: [HDF5Filter]

    init(opened handle: Handle, location: Location) throws {
        // Called with the library lock held.
        let space = Handle(try location.check(H5Dget_space(handle.id), "get dataspace of"), .dataspace)
        let type = Handle(try location.check(H5Dget_type(handle.id), "get type of"), .datatype)
        let plist = Handle(try location.check(H5Dget_create_plist(handle.id), "get creation properties of"), .propertyList)
        shape = try Dataspace.shape(of: space.id, location: location)
        elementType = HDF5ElementType.classify(type.id)
        if H5Pget_layout(plist.id) == H5D_CHUNKED {
            var dims = [hsize_t](repeating: 0, count: max(shape.count, 1))
            let rank = H5Pget_chunk(plist.id, Int32(dims.count), &dims)
            chunkShape = rank > 0 ? dims.prefix(Int(rank)).map { Int($0) } : nil
        } else {
            chunkShape = nil
        }
        filters = HDF5Filter.read(from: plist.id)
        super.init(handle: handle, location: location)
    }

    public var rank: Int { shape.count }
    public var elementCount: Int { shape.reduce(1, *) }

    /// The deflate level if gzip compression is on.
    public var deflateLevel: Int? {
        for case .deflate(let level) in filters { return level }
        return nil
    }

    public var isShuffled: Bool { filters.contains(.shuffle) }

    // MARK: Numeric hyperslabs

    /// Reads the block `start ..< start + count` into `buffer` (row-major), converting
    /// from the on-disk type to `T`. `buffer.count` must equal the product of `count`.
    public func read<T: HDF5Numeric>(into buffer: UnsafeMutableBufferPointer<T>, start: [Int], count: [Int]) throws {
        try checkNumeric(operation: "read")
        let elements = try validateSelection(start: start, count: count, operation: "read")
        guard buffer.count == elements else {
            throw location.error("read", reason: "buffer holds \(buffer.count) elements but the block \(count) has \(elements)")
        }
        guard elements > 0 else { return }
        try lockedReading {
            try transfer(start: start, count: count, operation: "read block start \(start) count \(count) of") { memory, file in
                H5Dread(handle.id, T.hdf5ElementType.nativeType!, memory, file, shim_H5P_DEFAULT(), buffer.baseAddress)
            }
        }
    }

    /// Reads a block (default: everything) as a new array.
    public func read<T: HDF5Numeric>(_ type: T.Type = T.self, start: [Int]? = nil, count: [Int]? = nil) throws -> [T] {
        let start = start ?? Array(repeating: 0, count: rank)
        let count = count ?? shape
        let elements = try validateSelection(start: start, count: count, operation: "read")
        return try [T](unsafeUninitializedCapacity: elements) { buffer, initialized in
            try read(into: buffer, start: start, count: count)
            initialized = elements
        }
    }

    /// Writes `buffer` (row-major) into the block `start ..< start + count`.
    public func write<T: HDF5Numeric>(_ buffer: UnsafeBufferPointer<T>, start: [Int], count: [Int]) throws {
        try checkNumeric(operation: "write")
        let elements = try validateSelection(start: start, count: count, operation: "write")
        guard buffer.count == elements else {
            throw location.error("write", reason: "buffer holds \(buffer.count) elements but the block \(count) has \(elements)")
        }
        guard elements > 0 else { return }
        try transfer(start: start, count: count, operation: "write block start \(start) count \(count) of") { memory, file in
            H5Dwrite(handle.id, T.hdf5ElementType.nativeType!, memory, file, shim_H5P_DEFAULT(), buffer.baseAddress)
        }
    }

    /// Writes an array into a block (default: the whole dataset).
    public func write<T: HDF5Numeric>(_ values: [T], start: [Int]? = nil, count: [Int]? = nil) throws {
        try values.withUnsafeBufferPointer { buffer in
            try write(buffer, start: start ?? Array(repeating: 0, count: rank), count: count ?? shape)
        }
    }

    // MARK: Strings

    /// Reads strings (variable- or fixed-length) from a block (default: everything).
    public func readStrings(start: [Int]? = nil, count: [Int]? = nil) throws -> [String] {
        let start = start ?? Array(repeating: 0, count: rank)
        let count = count ?? shape
        let elements = try validateSelection(start: start, count: count, operation: "read")
        return try lockedReading {
            let type = Handle(try location.check(H5Dget_type(handle.id), "get type of"), .datatype)
            var strings: [String] = []
            try selecting(start: start, count: count, operation: "read strings of") { memory, file in
                strings = try RawIO.readStrings(count: elements, fileType: type.id, location: location, operation: "read strings of") { memoryType, buffer in
                    H5Dread(handle.id, memoryType, memory, file, shim_H5P_DEFAULT(), buffer)
                }
            }
            return strings
        }
    }

    /// Writes strings into a block (default: the whole dataset).
    public func writeStrings(_ values: [String], start: [Int]? = nil, count: [Int]? = nil) throws {
        let start = start ?? Array(repeating: 0, count: rank)
        let count = count ?? shape
        let elements = try validateSelection(start: start, count: count, operation: "write")
        guard values.count == elements else {
            throw location.error("write strings to", reason: "got \(values.count) strings for a block of \(elements)")
        }
        try HDF5Library.locked {
            let type = Handle(try location.check(H5Dget_type(handle.id), "get type of"), .datatype)
            try selecting(start: start, count: count, operation: "write strings to") { memory, file in
                try RawIO.writeStrings(values, fileType: type.id, location: location, operation: "write strings to") { memoryType, buffer in
                    H5Dwrite(handle.id, memoryType, memory, file, shim_H5P_DEFAULT(), buffer)
                }
            }
        }
    }

    // MARK: Whole-dataset values

    /// Reads everything in the on-disk element type.
    public func readValues() throws -> HDF5Values {
        switch elementType {
        case .float32: return .float32(try read())
        case .float64: return .float64(try read())
        case .int8: return .int8(try read())
        case .int16: return .int16(try read())
        case .int32: return .int32(try read())
        case .int64: return .int64(try read())
        case .uint8: return .uint8(try read())
        case .uint16: return .uint16(try read())
        case .uint32: return .uint32(try read())
        case .uint64: return .uint64(try read())
        case .variableString, .fixedString: return .strings(try readStrings())
        case .unsupported(let what):
            throw location.error("read", reason: "element type \(what) is not supported")
        }
    }

    /// Writes the whole dataset from typed values (converted to the on-disk type).
    public func write(_ values: HDF5Values) throws {
        guard values.count == elementCount else {
            throw location.error("write", reason: "got \(values.count) values for shape \(shape) (\(elementCount) elements)")
        }
        switch values {
        case .float32(let v): try write(v)
        case .float64(let v): try write(v)
        case .int8(let v): try write(v)
        case .int16(let v): try write(v)
        case .int32(let v): try write(v)
        case .int64(let v): try write(v)
        case .uint8(let v): try write(v)
        case .uint16(let v): try write(v)
        case .uint32(let v): try write(v)
        case .uint64(let v): try write(v)
        case .strings(let v): try writeStrings(v)
        }
    }

    // MARK: Selections

    private func checkNumeric(operation: String) throws {
        guard elementType.isNumeric else {
            throw location.error(operation, reason: "it holds \(elementType), not numbers")
        }
    }

    /// Checks a block against the shape and returns its element count.
    @discardableResult
    func validateSelection(start: [Int], count: [Int], operation: String) throws -> Int {
        guard start.count == rank, count.count == rank else {
            throw location.error(operation, reason: "block start \(start) count \(count) does not match the rank of shape \(shape)")
        }
        for axis in 0..<rank where start[axis] < 0 || count[axis] < 0 || start[axis] + count[axis] > shape[axis] {
            throw location.error(operation, reason: "block start \(start) count \(count) is out of bounds for shape \(shape) (axis \(axis))")
        }
        return count.reduce(1, *)
    }

    /// Builds the memory and file dataspaces for a block and runs `body` with them.
    /// Caller holds the lock.
    private func selecting(start: [Int], count: [Int], operation: String, _ body: (_ memory: hid_t, _ file: hid_t) throws -> Void) throws {
        if count.reduce(1, *) == 0 { return }
        if rank == 0 {
            try body(shim_H5S_ALL(), shim_H5S_ALL())
            return
        }
        let file = Handle(try location.check(H5Dget_space(handle.id), "get dataspace of"), .dataspace)
        try location.check(H5Sselect_hyperslab(file.id, H5S_SELECT_SET, start.map { hsize_t($0) }, nil, count.map { hsize_t($0) }, nil), operation)
        let memory = try Dataspace.create(shape: count, location: location)
        try body(memory.id, file.id)
    }

    private func transfer(start: [Int], count: [Int], operation: String, _ call: (_ memory: hid_t, _ file: hid_t) -> herr_t) throws {
        try HDF5Library.locked {
            try selecting(start: start, count: count, operation: operation) { memory, file in
                try location.check(call(memory, file), operation)
            }
        }
    }
}

/// A filter in a dataset's pipeline.
public enum HDF5Filter: Equatable, Sendable, CustomStringConvertible {
    case deflate(level: Int)
    case shuffle
    case fletcher32
    case szip
    case other(id: Int, name: String)

    public var description: String {
        switch self {
        case .deflate(let level): "deflate(\(level))"
        case .shuffle: "shuffle"
        case .fletcher32: "fletcher32"
        case .szip: "szip"
        case .other(let id, let name): name.isEmpty ? "filter \(id)" : name
        }
    }

    /// Reads the pipeline of a dataset-creation property list (lock held).
    static func read(from plist: hid_t) -> [HDF5Filter] {
        let count = H5Pget_nfilters(plist)
        guard count > 0 else { return [] }
        return (0..<UInt32(count)).map { index in
            var flags: UInt32 = 0
            var valueCount = 8
            var values = [UInt32](repeating: 0, count: 8)
            var name = [CChar](repeating: 0, count: 64)
            var config: UInt32 = 0
            let id = H5Pget_filter2(plist, index, &flags, &valueCount, &values, name.count, &name, &config)
            switch id {
            case H5Z_FILTER_DEFLATE: return .deflate(level: valueCount > 0 ? Int(values[0]) : 0)
            case H5Z_FILTER_SHUFFLE: return .shuffle
            case H5Z_FILTER_FLETCHER32: return .fletcher32
            case H5Z_FILTER_SZIP: return .szip
            default: return .other(id: Int(id), name: decodeCString(name))
            }
        }
    }
}
