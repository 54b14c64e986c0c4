#if MPI
import CHDF5MPI
#else
import CHDF5
#endif

/// What a link in a group points at.
public enum HDF5ObjectKind: String, Sendable, Codable {
    case group, dataset, namedDatatype, other
}

/// Options for a new dataset. Chunking is required for compression; when `deflateLevel`
/// or `shuffle` is set without a `chunkShape`, one is chosen (whole rows of at most ~1 MiB).
public struct HDF5DatasetOptions: Sendable {
    /// Chunk shape, one entry per dimension, each in 1...dimension length.
    public var chunkShape: [Int]?
    /// gzip level 0-9 (nil: no compression).
    public var deflateLevel: Int?
    /// Byte-shuffle filter before deflate (usually improves compression of floats).
    public var shuffle: Bool
    /// Value HDF5 returns for elements never written (one value of the dataset's type).
    public var fillValue: HDF5Values?
    /// Allocate (and fill) the storage when the dataset is created rather than on first
    /// write: a file later written by several MPI ranks at once must not change its
    /// metadata while they write (parallel HDF5 allows raw-data writes only).
    public var allocateEarly: Bool

    public init(chunkShape: [Int]? = nil, deflateLevel: Int? = nil, shuffle: Bool = false, fillValue: HDF5Values? = nil,
                allocateEarly: Bool = false) {
        self.chunkShape = chunkShape
        self.deflateLevel = deflateLevel
        self.shuffle = shuffle
        self.fillValue = fillValue
        self.allocateEarly = allocateEarly
    }

    public static let contiguous = HDF5DatasetOptions()
}

/// HDF5's per-dataset chunk cache. Size it to the chunks one read touches, or set
/// `bytes` to 0 when each chunk is read exactly once: never leave it unbounded.
public struct HDF5ChunkCache: Sendable, Equatable {
    public var bytes: Int
    /// Hash-table slots; a prime ~100x the number of chunks that fit works well.
    public var slots: Int
    /// 0...1: how eagerly fully-read chunks are evicted.
    public var preemption: Double

    public init(bytes: Int, slots: Int = 12_421, preemption: Double = 1.0) {
        self.bytes = bytes
        self.slots = slots
        self.preemption = preemption
    }

    /// No caching: right for streaming reads that touch each chunk once.
    public static let disabled = HDF5ChunkCache(bytes: 0, slots: 0, preemption: 1.0)
}

/// A group: a directory of named groups and datasets.
public final class HDF5Group: HDF5Object, @unchecked Sendable {
    /// Member names, in creation order when the file tracks it (files we write do),
    /// otherwise in name order.
    public func memberNames() throws -> [String] {
        try lockedReading {
            var info = H5G_info_t()
            try location.check(H5Gget_info(handle.id, &info), "list members of group")
            let count = Int(info.nlinks)
            for order in [H5_INDEX_CRT_ORDER, H5_INDEX_NAME] {
                var names: [String] = []
                var failed = false
                for index in 0..<count {
                    let length = H5Lget_name_by_idx(handle.id, ".", order, H5_ITER_INC, hsize_t(index), nil, 0, shim_H5P_DEFAULT())
                    if length < 0 { failed = true; break }
                    var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                    H5Lget_name_by_idx(handle.id, ".", order, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, shim_H5P_DEFAULT())
                    names.append(decodeCString(buffer))
                }
                if !failed { return names }
                if order == H5_INDEX_NAME { throw location.error("list members of group", stack: ErrorStack.take()) }
                H5Eclear2(shim_H5E_DEFAULT())  // creation order not tracked: fall back to names
            }
            return []
        }
    }

    /// True if a link `name` (a relative path is fine) exists and resolves to an object.
    public func contains(_ name: String) -> Bool {
        lockedReading {
            // Check each path prefix: H5Lexists fails (rather than answering false) when an
            // intermediate group is missing.
            var prefix = ""
            for component in name.split(separator: "/") {
                prefix += prefix.isEmpty ? String(component) : "/" + component
                let exists = H5Lexists(handle.id, prefix, shim_H5P_DEFAULT())
                if exists <= 0 { H5Eclear2(shim_H5E_DEFAULT()); return false }
            }
            return H5Oexists_by_name(handle.id, name, shim_H5P_DEFAULT()) > 0
        }
    }

    /// What `name` is, or nil if there is no such member.
    public func kind(of name: String) throws -> HDF5ObjectKind? {
        guard contains(name) else { return nil }
        return try lockedReading {
            let object = Handle(try location.check(H5Oopen(handle.id, name, shim_H5P_DEFAULT()), "open object '\(name)' in"), .object)
            switch H5Iget_type(object.id) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            case H5I_DATATYPE: return .namedDatatype
            default: return .other
            }
        }
    }

    public func openGroup(_ name: String) throws -> HDF5Group {
        let child = location.child(name)
        try requireMember(name, as: .group, operation: "open group")
        return try lockedReading {
            let id = try child.check(H5Gopen2(handle.id, name, shim_H5P_DEFAULT()), "open group")
            return HDF5Group(handle: Handle(id, .group), location: child)
        }
    }

    /// Creates a group that tracks the creation order of its links and attributes
    /// (so listings come back in the order things were written, as netCDF expects).
    public func createGroup(_ name: String) throws -> HDF5Group {
        let child = location.child(name)
        return try HDF5Library.locked {
            let plist = Handle(try child.check(H5Pcreate(shim_H5P_GROUP_CREATE()), "create group properties for"), .propertyList)
            let order = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
            try child.check(H5Pset_link_creation_order(plist.id, order), "track creation order of")
            try child.check(H5Pset_attr_creation_order(plist.id, order), "track attribute order of")
            let id = try child.check(H5Gcreate2(handle.id, name, shim_H5P_DEFAULT(), plist.id, shim_H5P_DEFAULT()), "create group")
            return HDF5Group(handle: Handle(id, .group), location: child)
        }
    }

    /// Opens a dataset; `chunkCache` replaces the file's default cache for this dataset.
    public func openDataset(_ name: String, chunkCache: HDF5ChunkCache? = nil) throws -> HDF5Dataset {
        let child = location.child(name)
        try requireMember(name, as: .dataset, operation: "open dataset")
        return try HDF5Library.locked(reading: child.file, "dataset " + child.path) {
            var access: Handle? = nil
            if let chunkCache {
                let plist = Handle(try child.check(H5Pcreate(shim_H5P_DATASET_ACCESS()), "create access properties for"), .propertyList)
                try child.check(H5Pset_chunk_cache(plist.id, chunkCache.slots, chunkCache.bytes, chunkCache.preemption), "set the chunk cache of")
                access = plist
            }
            let id = try child.check(H5Dopen2(handle.id, name, access?.id ?? shim_H5P_DEFAULT()), "open dataset")
            return try HDF5Dataset(opened: Handle(id, .dataset), location: child)
        }
    }

    /// Creates a dataset of `shape` ([] = scalar) holding `elementType`.
    public func createDataset(_ name: String, elementType: HDF5ElementType, shape: [Int], options: HDF5DatasetOptions = .contiguous) throws -> HDF5Dataset {
        let child = location.child(name)
        if contains(name) {
            throw child.error("create dataset", reason: "an object with this name already exists")
        }
        if let negative = shape.first(where: { $0 < 0 }) {
            throw child.error("create dataset", reason: "negative dimension \(negative) in shape \(shape)")
        }
        let chunkShape = try Self.resolveChunkShape(options: options, shape: shape, elementType: elementType, location: child)
        let fileType = try elementType.makeFileType(at: child)
        return try HDF5Library.locked {
            let space = try Dataspace.create(shape: shape, location: child)
            let plist = Handle(try child.check(H5Pcreate(shim_H5P_DATASET_CREATE()), "create dataset properties for"), .propertyList)
            try child.check(H5Pset_attr_creation_order(plist.id, UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)), "track attribute order of")
            if let chunkShape {
                try child.check(H5Pset_chunk(plist.id, Int32(chunkShape.count), chunkShape.map { hsize_t($0) }), "set chunk shape \(chunkShape) of")
                if options.shuffle { try child.check(H5Pset_shuffle(plist.id), "enable shuffle for") }
                if let level = options.deflateLevel { try child.check(H5Pset_deflate(plist.id, UInt32(level)), "enable deflate for") }
            }
            if options.allocateEarly { try child.check(H5Pset_alloc_time(plist.id, H5D_ALLOC_TIME_EARLY), "allocate early the storage of") }
            if let fill = options.fillValue {
                guard fill.count == 1, fill.elementType.isNumeric, elementType.isNumeric else {
                    throw child.error("create dataset", reason: "the fill value must be one number for a numeric dataset")
                }
                try fill.withUnsafeRawBytes { raw in
                    try child.check(H5Pset_fill_value(plist.id, fill.elementType.nativeType!, raw), "set the fill value of")
                }
            }
            let id = try child.check(H5Dcreate2(handle.id, name, fileType.id, space.id, shim_H5P_DEFAULT(), plist.id, shim_H5P_DEFAULT()), "create dataset")
            return try HDF5Dataset(opened: Handle(id, .dataset), location: child)
        }
    }

    /// Creates a dataset and writes `values` into it in one go.
    @discardableResult
    public func createDataset(_ name: String, values: HDF5Values, shape: [Int]? = nil, options: HDF5DatasetOptions = .contiguous) throws -> HDF5Dataset {
        let dataset = try createDataset(name, elementType: values.elementType, shape: shape ?? [values.count], options: options)
        try dataset.write(values)
        return dataset
    }

    private func requireMember(_ name: String, as wanted: HDF5ObjectKind, operation: String) throws {
        let child = location.child(name)
        guard let kind = try kind(of: name) else {
            let available = (try? memberNames())?.joined(separator: ", ") ?? ""
            throw child.error(operation, reason: "no such object" + (available.isEmpty ? "" : " (this group has: \(available))"))
        }
        if kind != wanted {
            throw child.error(operation, reason: "it is a \(kind.rawValue), not a \(wanted.rawValue)")
        }
    }

    /// Validates an explicit chunk shape or picks one when compression needs it.
    static func resolveChunkShape(options: HDF5DatasetOptions, shape: [Int], elementType: HDF5ElementType, location: Location) throws -> [Int]? {
        if let deflate = options.deflateLevel, !(0...9).contains(deflate) {
            throw location.error("create dataset", reason: "deflate level \(deflate) is outside 0...9")
        }
        let wantsFilters = options.deflateLevel != nil || options.shuffle
        if let chunk = options.chunkShape {
            guard chunk.count == shape.count, !shape.isEmpty else {
                throw location.error("create dataset", reason: "chunk shape \(chunk) does not match the rank of shape \(shape)")
            }
            for (c, s) in zip(chunk, shape) where c < 1 || c > max(s, 1) {
                throw location.error("create dataset", reason: "chunk shape \(chunk) must lie between 1 and the shape \(shape) in every dimension")
            }
            return chunk
        }
        guard wantsFilters else { return nil }
        guard !shape.isEmpty else {
            throw location.error("create dataset", reason: "a scalar dataset cannot be chunked or compressed")
        }
        // Default: whole trailing dimensions, as many leading rows as fit in ~1 MiB.
        let elementSize: Int
        switch elementType {
        case .float64, .int64, .uint64, .variableString: elementSize = 8
        case .float32, .int32, .uint32: elementSize = 4
        case .int16, .uint16: elementSize = 2
        case .fixedString(let length): elementSize = max(length, 1)
        default: elementSize = 1
        }
        var chunk = shape.map { max($0, 1) }
        var bytes = chunk.reduce(elementSize, *)
        for axis in chunk.indices where bytes > 1 << 20 {
            let rest = bytes / chunk[axis]
            chunk[axis] = max(1, (1 << 20) / max(rest, 1))
            bytes = rest * chunk[axis]
        }
        return chunk
    }
}
