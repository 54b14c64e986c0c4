#if MPI
import CHDF5MPI
#else
import CHDF5
#endif
import Foundation

/// The conversions between HDF5's memory layouts and `HDF5Values` / typed buffers,
/// shared by datasets and attributes. Everything here runs with the library lock held.
///
/// `transfer` is the one call that differs between datasets and attributes:
/// `H5Dread`/`H5Dwrite` with a selection, or `H5Aread`/`H5Awrite`.
enum RawIO {
    typealias Transfer = (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer) -> herr_t

    /// Reads `count` elements stored as `fileType` into values of the matching Swift type.
    static func readValues(count: Int, fileType: hid_t, location: Location, operation: String, transfer: Transfer) throws -> HDF5Values {
        let elementType = HDF5ElementType.classify(fileType)
        switch elementType {
        case .float32: return .float32(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .float64: return .float64(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .int8: return .int8(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .int16: return .int16(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .int32: return .int32(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .int64: return .int64(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .uint8: return .uint8(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .uint16: return .uint16(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .uint32: return .uint32(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .uint64: return .uint64(try readNumbers(count: count, location: location, operation: operation, transfer: transfer))
        case .variableString, .fixedString:
            return .strings(try readStrings(count: count, fileType: fileType, location: location, operation: operation, transfer: transfer))
        case .unsupported(let what):
            throw location.error(operation, reason: "element type \(what) is not supported")
        }
    }

    static func readNumbers<T: HDF5Numeric>(count: Int, location: Location, operation: String, transfer: Transfer) throws -> [T] {
        try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                try location.check(transfer(T.hdf5ElementType.nativeType!, UnsafeMutableRawPointer(buffer.baseAddress!)), operation)
            }
            initialized = count
        }
    }

    /// Reads variable-length or fixed-length strings (UTF-8 or ASCII), trimming the padding
    /// of fixed-length ones the way h5py and netCDF do.
    static func readStrings(count: Int, fileType: hid_t, location: Location, operation: String, transfer: Transfer) throws -> [String] {
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw location.error(operation, reason: "it holds \(HDF5ElementType.classify(fileType)), not strings")
        }
        guard count > 0 else { return [] }
        let memoryType = Handle(try location.check(H5Tcopy(fileType), "copy string type"), .datatype)
        if H5Tis_variable_str(fileType) > 0 {
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try pointers.withUnsafeMutableBytes { raw in
                try location.check(transfer(memoryType.id, raw.baseAddress!), operation)
            }
            defer { for pointer in pointers where pointer != nil { H5free_memory(pointer) } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let width = H5Tget_size(fileType)
        let padding = H5Tget_strpad(fileType)
        var bytes = [UInt8](repeating: 0, count: width * count)
        try bytes.withUnsafeMutableBytes { raw in
            try location.check(transfer(memoryType.id, raw.baseAddress!), operation)
        }
        return (0..<count).map { index in
            var field = bytes[(index * width)..<((index + 1) * width)]
            if let nul = field.firstIndex(of: 0) { field = field[..<nul] }
            if padding == H5T_STR_SPACEPAD {
                while field.last == UInt8(ascii: " ") { field = field.dropLast() }
            }
            return String(decoding: field, as: UTF8.self)
        }
    }

    /// Writes values through `transfer`; `fileType` is only consulted for strings, whose
    /// memory layout must follow the file's (variable- or fixed-length).
    static func writeValues(_ values: HDF5Values, fileType: hid_t, location: Location, operation: String, transfer: Transfer) throws {
        if case .strings(let strings) = values {
            try writeStrings(strings, fileType: fileType, location: location, operation: operation, transfer: transfer)
            return
        }
        guard values.count > 0 else { return }
        let memoryType = values.elementType.nativeType!
        try values.withUnsafeRawBytes { raw in
            try location.check(transfer(memoryType, UnsafeMutableRawPointer(mutating: raw)), operation)
        }
    }

    static func writeStrings(_ strings: [String], fileType: hid_t, location: Location, operation: String, transfer: Transfer) throws {
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw location.error(operation, reason: "it holds \(HDF5ElementType.classify(fileType)), not strings")
        }
        guard !strings.isEmpty else { return }
        let memoryType = Handle(try location.check(H5Tcopy(fileType), "copy string type"), .datatype)
        if H5Tis_variable_str(fileType) > 0 {
            // HDF5 reads `char*` pointers; keep the C strings alive for the call.
            let cStrings = strings.map { strdup($0) }
            defer { cStrings.forEach { free($0) } }
            var pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
            try pointers.withUnsafeMutableBytes { raw in
                try location.check(transfer(memoryType.id, raw.baseAddress!), operation)
            }
            return
        }
        let width = H5Tget_size(fileType)
        var bytes = [UInt8](repeating: 0, count: width * strings.count)
        for (index, string) in strings.enumerated() {
            let utf8 = Array(string.utf8)
            guard utf8.count <= width else {
                throw location.error(operation, reason: "string \"\(string)\" is \(utf8.count) bytes, longer than the fixed length \(width)")
            }
            bytes.replaceSubrange((index * width)..<(index * width + utf8.count), with: utf8)
        }
        try bytes.withUnsafeMutableBytes { raw in
            try location.check(transfer(memoryType.id, raw.baseAddress!), operation)
        }
    }
}
