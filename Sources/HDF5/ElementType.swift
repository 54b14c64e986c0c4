#if MPI
import CHDF5MPI
#else
import CHDF5
#endif

/// The element type of a dataset or attribute, as this module understands it.
public enum HDF5ElementType: Equatable, Hashable, Sendable, CustomStringConvertible {
    case float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    /// Variable-length string (UTF-8 unless `ascii` is set in the file).
    case variableString
    /// Fixed-length string of `length` bytes (ASCII or UTF-8, NUL- or space-padded).
    case fixedString(length: Int)
    /// Anything else (compound, reference, enum, vlen sequences, ...): listed, not read.
    case unsupported(String)

    /// numpy-style name, used by `brainalign inspect` ("float64", "str", "|S12").
    public var description: String {
        switch self {
        case .float32: "float32"
        case .float64: "float64"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .variableString: "str"
        case .fixedString(let length): "|S\(length)"
        case .unsupported(let what): what
        }
    }

    public var isString: Bool {
        switch self {
        case .variableString, .fixedString: true
        default: false
        }
    }

    public var isNumeric: Bool {
        switch self {
        case .variableString, .fixedString, .unsupported: false
        default: true
        }
    }

    /// The native in-memory HDF5 type for numeric cases (HDF5 converts to it on read).
    var nativeType: hid_t? {
        switch self {
        case .float32: shim_H5T_NATIVE_FLOAT()
        case .float64: shim_H5T_NATIVE_DOUBLE()
        case .int8: shim_H5T_NATIVE_INT8()
        case .int16: shim_H5T_NATIVE_INT16()
        case .int32: shim_H5T_NATIVE_INT32()
        case .int64: shim_H5T_NATIVE_INT64()
        case .uint8: shim_H5T_NATIVE_UINT8()
        case .uint16: shim_H5T_NATIVE_UINT16()
        case .uint32: shim_H5T_NATIVE_UINT32()
        case .uint64: shim_H5T_NATIVE_UINT64()
        default: nil
        }
    }

    /// Classifies an HDF5 datatype. Called with the library lock held.
    static func classify(_ type: hid_t) -> HDF5ElementType {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            switch size {
            case 4: return .float32
            case 8: return .float64
            default: return .unsupported("float\(size * 8)")
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) != H5T_SGN_NONE
            switch (size, signed) {
            case (1, true): return .int8
            case (2, true): return .int16
            case (4, true): return .int32
            case (8, true): return .int64
            case (1, false): return .uint8
            case (2, false): return .uint16
            case (4, false): return .uint32
            case (8, false): return .uint64
            default: return .unsupported("int\(size * 8)")
            }
        case H5T_STRING:
            if H5Tis_variable_str(type) > 0 { return .variableString }
            return .fixedString(length: size)
        case H5T_COMPOUND: return .unsupported("compound")
        case H5T_REFERENCE: return .unsupported("reference")
        case H5T_ENUM: return .unsupported("enum")
        case H5T_VLEN: return .unsupported("vlen")
        case H5T_ARRAY: return .unsupported("array")
        case H5T_OPAQUE: return .unsupported("opaque")
        case H5T_BITFIELD: return .unsupported("bitfield")
        default: return .unsupported("unknown")
        }
    }

    /// Creates a new datatype id for storing this type in a file (caller owns it).
    /// Numbers are stored in native (little-endian here) order; strings as UTF-8.
    func makeFileType(at location: Location) throws -> Handle {
        try HDF5Library.locked {
            switch self {
            case .variableString, .fixedString:
                let type = try location.check(H5Tcopy(shim_H5T_C_S1()), "create string type")
                let handle = Handle(type, .datatype)
                if case .fixedString(let length) = self {
                    try location.check(H5Tset_size(type, max(length, 1)), "set string length")
                    try location.check(H5Tset_strpad(type, H5T_STR_NULLPAD), "set string padding")
                } else {
                    try location.check(H5Tset_size(type, shim_H5T_VARIABLE()), "set variable string length")
                }
                try location.check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8 character set")
                return handle
            case .unsupported(let what):
                throw location.error("create a dataset or attribute", reason: "element type \(what) cannot be written")
            default:
                let type = try location.check(H5Tcopy(nativeType!), "copy native type")
                return Handle(type, .datatype)
            }
        }
    }
}

/// Swift scalar types that map one-to-one onto an HDF5 numeric type. Reads convert
/// from whatever is on disk (float64 on disk -> Float in memory is fine).
public protocol HDF5Numeric: Sendable {
    static var hdf5ElementType: HDF5ElementType { get }
}

extension Float: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .float32 } }
extension Double: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .float64 } }
extension Int8: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .int8 } }
extension Int16: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .int16 } }
extension Int32: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .int32 } }
extension Int64: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .int64 } }
extension Int: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .int64 } }
extension UInt8: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .uint8 } }
extension UInt16: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .uint16 } }
extension UInt32: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .uint32 } }
extension UInt64: HDF5Numeric { public static var hdf5ElementType: HDF5ElementType { .uint64 } }
