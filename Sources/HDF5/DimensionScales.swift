#if MPI
import CHDF5MPI
#else
import CHDF5
#endif

/// HDF5 dimension scales (the hdf5_hl H5DS API): how netCDF-4 and xarray name the
/// dimensions of a dataset. A scale is a 1-D dataset marked `CLASS=DIMENSION_SCALE`;
/// datasets point at their scales through a `DIMENSION_LIST` attribute of object
/// references, and each scale lists its users in `REFERENCE_LIST`.
extension HDF5Dataset {
    /// True if this dataset is a dimension scale.
    public var isDimensionScale: Bool {
        get throws {
            try lockedReading {
                try location.checkBool(H5DSis_scale(handle.id), "read the dimension-scale marks of")
            }
        }
    }

    /// Marks this dataset as a dimension scale, with `scaleName` stored in its NAME attribute.
    public func makeDimensionScale(name scaleName: String) throws {
        try HDF5Library.locked {
            try location.check(H5DSset_scale(handle.id, scaleName), "make a dimension scale of")
        }
    }

    /// Attaches `scale` to dimension `axis` of this dataset.
    public func attachDimensionScale(_ scale: HDF5Dataset, axis: Int) throws {
        guard (0..<rank).contains(axis) else {
            throw location.error("attach a dimension scale to", reason: "axis \(axis) is outside 0..<\(rank)")
        }
        try HDF5Library.locked {
            try location.check(H5DSattach_scale(handle.id, scale.handle.id, UInt32(axis)), "attach dimension scale '\(scale.path)' to")
        }
    }

    /// Absolute paths of the scales attached to dimension `axis` (usually zero or one).
    public func attachedDimensionScales(axis: Int) throws -> [String] {
        guard (0..<rank).contains(axis) else {
            throw location.error("list the dimension scales of", reason: "axis \(axis) is outside 0..<\(rank)")
        }
        return try lockedReading {
            // A dataset without DIMENSION_LIST has no scales; H5DS would report an error.
            guard H5Aexists(handle.id, "DIMENSION_LIST") > 0 else { return [] }
            let count = H5DSget_num_scales(handle.id, UInt32(axis))
            guard count > 0 else { H5Eclear2(shim_H5E_DEFAULT()); return [] }
            final class Paths { var list: [String] = [] }
            let paths = Paths()
            var index: Int32 = 0
            let status = withExtendedLifetime(paths) {
                H5DSiterate_scales(handle.id, UInt32(axis), &index, { _, _, scale, context in
                    guard let context else { return -1 }
                    let length = H5Iget_name(scale, nil, 0)
                    guard length > 0 else { return 0 }
                    var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                    H5Iget_name(scale, &buffer, buffer.count)
                    Unmanaged<Paths>.fromOpaque(context).takeUnretainedValue().list.append(decodeCString(buffer))
                    return 0
                }, Unmanaged.passUnretained(paths).toOpaque())
            }
            try location.check(status, "list the dimension scales of")
            return paths.list
        }
    }
}
