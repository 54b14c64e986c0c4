#if MPI
import CHDF5MPI
#else
import CHDF5
#endif

/// One attribute as read from a file.
public struct HDF5Attribute: Equatable, Sendable {
    public var name: String
    public var elementType: HDF5ElementType
    /// [] for a scalar attribute, [n] for a 1-D array, ...
    public var shape: [Int]
    /// The values, flattened row-major; nil when the element type is not supported
    /// (object references, compounds: e.g. HDF5's own DIMENSION_LIST).
    public var values: HDF5Values?

    public init(name: String, elementType: HDF5ElementType, shape: [Int], values: HDF5Values?) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
        self.values = values
    }

    /// The value when it is a single string (scalar or one-element array).
    public var stringValue: String? {
        if let strings = values?.strings, strings.count == 1 { return strings[0] }
        return nil
    }
}

/// What groups and datasets have in common: a location in a file and attributes.
public class HDF5Object: @unchecked Sendable {
    let handle: Handle
    let location: Location

    init(handle: Handle, location: Location) {
        self.handle = handle
        self.location = location
    }

    /// The path of the file this object lives in, as it was opened.
    public var filePath: String { location.file }
    /// The object's absolute path inside the file, e.g. "/data".
    public var path: String { location.path }
    /// The last component of `path` ("/" for the root group).
    public var name: String {
        location.path == "/" ? "/" : String(location.path.split(separator: "/").last ?? "")
    }

    // MARK: Attributes

    /// Attribute names, in creation order when the file tracks it, else by name.
    public func attributeNames() throws -> [String] {
        try lockedReading {
            final class Names { var list: [String] = [] }
            let names = Names()
            for order in [H5_INDEX_CRT_ORDER, H5_INDEX_NAME] {
                names.list.removeAll()
                var index: hsize_t = 0
                let status = withExtendedLifetime(names) {
                    H5Aiterate2(handle.id, order, H5_ITER_INC, &index, { _, name, _, context in
                        guard let name, let context else { return -1 }
                        Unmanaged<Names>.fromOpaque(context).takeUnretainedValue().list.append(String(cString: name))
                        return 0
                    }, Unmanaged.passUnretained(names).toOpaque())
                }
                if status >= 0 { return names.list }
                if order == H5_INDEX_NAME { try location.check(status, "list attributes") }
                H5Eclear2(shim_H5E_DEFAULT())  // creation order not tracked: fall back to names
            }
            return names.list
        }
    }

    public func hasAttribute(_ name: String) throws -> Bool {
        try lockedReading {
            try location.checkBool(H5Aexists(handle.id, name), "check attribute '\(name)' of")
        }
    }

    /// Reads one attribute. Unsupported element types give `values == nil`, not an error.
    public func attribute(_ name: String) throws -> HDF5Attribute {
        try lockedReading {
            guard try location.checkBool(H5Aexists(handle.id, name), "check attribute '\(name)' of") else {
                throw location.error("read attribute '\(name)' of", reason: "no such attribute")
            }
            let attribute = Handle(try location.check(H5Aopen(handle.id, name, shim_H5P_DEFAULT()), "open attribute '\(name)' of"), .attribute)
            let type = Handle(try location.check(H5Aget_type(attribute.id), "get type of attribute '\(name)' of"), .datatype)
            let space = Handle(try location.check(H5Aget_space(attribute.id), "get dataspace of attribute '\(name)' of"), .dataspace)
            let shape = try Dataspace.shape(of: space.id, location: location)
            let elementType = HDF5ElementType.classify(type.id)
            var values: HDF5Values? = nil
            if case .unsupported = elementType {} else {
                values = try RawIO.readValues(count: shape.reduce(1, *), fileType: type.id, location: location, operation: "read attribute '\(name)' of") { memoryType, buffer in
                    H5Aread(attribute.id, memoryType, buffer)
                }
            }
            return HDF5Attribute(name: name, elementType: elementType, shape: shape, values: values)
        }
    }

    /// Every attribute, in the order of `attributeNames()`.
    public func attributes() throws -> [HDF5Attribute] {
        try attributeNames().map { try attribute($0) }
    }

    /// Creates or replaces an attribute. `scalar` stores a single value without a dimension
    /// (how netCDF stores text attributes); otherwise a 1-D array. Strings are written as
    /// variable-length UTF-8.
    public func setAttribute(_ name: String, _ values: HDF5Values, scalar: Bool? = nil) throws {
        try setAttribute(name, values, elementType: values.elementType, scalar: scalar ?? (values.count == 1))
    }

    /// Creates or replaces an attribute holding one string (scalar, variable-length UTF-8).
    public func setAttribute(_ name: String, string: String) throws {
        try setAttribute(name, .strings([string]), scalar: true)
    }

    /// Creates or replaces an attribute with an explicit on-disk element type, e.g.
    /// `.fixedString(length: 16)` for HDF5's own CLASS convention.
    public func setAttribute(_ name: String, _ values: HDF5Values, elementType: HDF5ElementType, scalar: Bool) throws {
        if scalar && values.count != 1 {
            throw location.error("write attribute '\(name)' of", reason: "a scalar attribute needs exactly one value, got \(values.count)")
        }
        let fileType = try elementType.makeFileType(at: location)
        try HDF5Library.locked {
            if try location.checkBool(H5Aexists(handle.id, name), "check attribute '\(name)' of") {
                try location.check(H5Adelete(handle.id, name), "replace attribute '\(name)' of")
            }
            let space = try Dataspace.create(shape: scalar ? [] : [values.count], location: location)
            let attribute = Handle(try location.check(
                H5Acreate2(handle.id, name, fileType.id, space.id, shim_H5P_DEFAULT(), shim_H5P_DEFAULT()),
                "create attribute '\(name)' of"), .attribute)
            try RawIO.writeValues(values, fileType: fileType.id, location: location, operation: "write attribute '\(name)' of") { memoryType, buffer in
                H5Awrite(attribute.id, memoryType, buffer)
            }
        }
    }

    public func deleteAttribute(_ name: String) throws {
        try HDF5Library.locked {
            try location.check(H5Adelete(handle.id, name), "delete attribute '\(name)' of")
        }
    }
}

/// Dataspace helpers (shapes in Swift `Int`, HDF5's in `hsize_t`).
enum Dataspace {
    static func shape(of space: hid_t, location: Location) throws -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space)
        if rank < 0 { throw location.error("read the shape of", stack: ErrorStack.take()) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { try location.check(H5Sget_simple_extent_dims(space, &dims, nil), "read the shape of") }
        return dims.map { Int($0) }
    }

    static func maxShape(of space: hid_t, location: Location) throws -> [Int?] {
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: rank)
        var maxDims = [hsize_t](repeating: 0, count: rank)
        if rank > 0 { try location.check(H5Sget_simple_extent_dims(space, &dims, &maxDims), "read the shape of") }
        return maxDims.map { $0 == shim_H5S_UNLIMITED() ? nil : Int($0) }
    }

    /// A simple dataspace of `shape` ([] = scalar). Caller holds the lock.
    static func create(shape: [Int], maxShape: [Int?]? = nil, location: Location) throws -> Handle {
        if shape.isEmpty {
            return Handle(try location.check(H5Screate(H5S_SCALAR), "create a scalar dataspace for"), .dataspace)
        }
        let dims = shape.map { hsize_t($0) }
        let id: hid_t
        if let maxShape {
            let maxDims = maxShape.map { $0.map { hsize_t($0) } ?? shim_H5S_UNLIMITED() }
            id = H5Screate_simple(Int32(dims.count), dims, maxDims)
        } else {
            id = H5Screate_simple(Int32(dims.count), dims, nil)
        }
        return Handle(try location.check(id, "create a dataspace of shape \(shape) for"), .dataspace)
    }
}
