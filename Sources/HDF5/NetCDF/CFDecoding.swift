/// How stored numbers become the values a variable means, by the CF conventions as
/// xarray's default decoding (`mask_and_scale`) applies them, in this order:
///
/// 1. `_Unsigned = "true"` on signed integers (netCDF-3's way of storing unsigned data)
///    reinterprets them as unsigned; `"false"` on unsigned integers, the reverse.
/// 2. Stored values equal to `_FillValue` or `missing_value` (all of them, when there are
///    several) become NaN. They are compared with the raw stored value, before unpacking.
/// 3. `value = stored * scale_factor + add_offset` (either may be absent).
///
/// Integer variables with a fill or missing value therefore decode to floats, as in xarray.
/// `valid_range`, `valid_min` and `valid_max` are ignored, as xarray ignores them by default.
/// Decoded values are computed in float64 (xarray may use float32 for small packed types;
/// the results agree to float32 precision).
public struct CFDecoding: Sendable, Equatable {
    public var scaleFactor: Double?
    public var addOffset: Double?
    /// Stored values that mean "missing" (after step 1), NaN excluded.
    public var missingValues: [Double]
    /// Step 1: the integer width to reinterpret, and in which direction.
    public var reinterpretation: Reinterpretation?

    public enum Reinterpretation: Sendable, Equatable {
        case signedAsUnsigned(bits: Int)
        case unsignedAsSigned(bits: Int)
    }

    /// Leaves values as stored.
    public static let identity = CFDecoding(scaleFactor: nil, addOffset: nil, missingValues: [], reinterpretation: nil)

    public init(scaleFactor: Double?, addOffset: Double?, missingValues: [Double], reinterpretation: Reinterpretation?) {
        self.scaleFactor = scaleFactor
        self.addOffset = addOffset
        self.missingValues = missingValues
        self.reinterpretation = reinterpretation
    }

    /// True when decoding changes nothing (the values can be used as stored).
    public var isIdentity: Bool { self == .identity }

    /// The attribute names decoding looks at.
    static let attributeNames = ["scale_factor", "add_offset", "_FillValue", "missing_value", "_Unsigned"]

    /// Reads the decoding of a variable from its attributes. Strings are never decoded.
    /// Malformed attributes (a text `scale_factor`, two offsets) are an error naming them.
    public init(attributes: [HDF5Attribute], elementType: HDF5ElementType, file: String, object: String) throws {
        self = .identity
        guard elementType.isNumeric else { return }
        func attribute(_ name: String) -> HDF5Attribute? { attributes.first { $0.name == name } }
        func numbers(_ name: String, single: Bool) throws -> [Double]? {
            guard let found = attribute(name) else { return nil }
            guard let values = found.values?.doubles, !values.isEmpty, !single || values.count == 1 else {
                throw HDF5Error(operation: "decode", file: file, object: object,
                                reason: "attribute \(name) must be \(single ? "one number" : "numbers"), found \(found.elementType) \(found.shape)")
            }
            return values
        }
        scaleFactor = try numbers("scale_factor", single: true)?[0]
        addOffset = try numbers("add_offset", single: true)?[0]
        let bits = elementType.integerBits
        if let bits, let flag = attribute("_Unsigned")?.stringValue?.lowercased() {
            if flag == "true" && elementType.isSignedInteger { reinterpretation = .signedAsUnsigned(bits: bits) }
            if flag == "false" && !elementType.isSignedInteger { reinterpretation = .unsignedAsSigned(bits: bits) }
        }
        let missing = (try numbers("_FillValue", single: false) ?? []) + (try numbers("missing_value", single: false) ?? [])
        missingValues = missing.filter { !$0.isNaN }.map(reinterpret)
        // float64 holds every integer up to 2^53 exactly; beyond that a stored value and the
        // missing value could compare equal after conversion without being equal.
        if bits == 64, let huge = missingValues.first(where: { abs($0) > 9_007_199_254_740_992 }) {
            throw HDF5Error(operation: "decode", file: file, object: object,
                            reason: "its 64-bit missing value \(Int64(exactly: huge).map(String.init) ?? "\(huge)") cannot be compared exactly in float64; not supported")
        }
    }

    /// The decoding of a variable described by `NetCDFFile`.
    public init(variable: NetCDFVariable, file: String) throws {
        try self.init(attributes: variable.attributes, elementType: variable.elementType, file: file, object: variable.name)
    }

    /// The decoding of a dataset, reading only the attributes it needs.
    public init(dataset: HDF5Dataset) throws {
        let attributes = try Self.attributeNames.filter { try dataset.hasAttribute($0) }.map { try dataset.attribute($0) }
        try self.init(attributes: attributes, elementType: dataset.elementType, file: dataset.filePath, object: dataset.path)
    }

    private func reinterpret(_ stored: Double) -> Double {
        switch reinterpretation {
        case .signedAsUnsigned(let bits): stored < 0 ? stored + Double(sign: .plus, exponent: bits, significand: 1) : stored
        case .unsignedAsSigned(let bits): stored >= Double(sign: .plus, exponent: bits - 1, significand: 1)
            ? stored - Double(sign: .plus, exponent: bits, significand: 1) : stored
        case nil: stored
        }
    }

    /// Decodes values read as stored, in place. They must hold the stored numbers exactly
    /// (`read` picks a wide enough type).
    public func apply<S: BinaryFloatingPoint>(to values: UnsafeMutableBufferPointer<S>) {
        if isIdentity { return }
        let scale = scaleFactor ?? 1, offset = addOffset ?? 0
        for index in values.indices {
            let stored = reinterpret(Double(values[index]))
            values[index] = missingValues.contains(stored) ? .nan : S(stored * scale + offset)
        }
    }

    /// Decodes an array of stored values.
    public func decoded(_ stored: [Double]) -> [Double] {
        var values = stored
        values.withUnsafeMutableBufferPointer { apply(to: $0) }
        return values
    }

    /// Reads a block of `dataset` (row-major) and decodes it. Without decoding this is a
    /// plain read; otherwise it reads in `S` when `S` holds every stored value exactly
    /// (e.g. int16 into Float) and through a float64 buffer when not (e.g. int32 into Float).
    public func read<S: HDF5Numeric & BinaryFloatingPoint>(_ dataset: HDF5Dataset, start: [Int], count: [Int]) throws -> [S] {
        if isIdentity { return try dataset.read(S.self, start: start, count: count) }
        let bitsNeeded = dataset.elementType.exactBits ?? 64
        if bitsNeeded <= S.significandBitCount + 1 {
            var values = try dataset.read(S.self, start: start, count: count)
            values.withUnsafeMutableBufferPointer { apply(to: $0) }
            return values
        }
        var wide = try dataset.read(Double.self, start: start, count: count)
        wide.withUnsafeMutableBufferPointer { apply(to: $0) }
        return wide.map { S($0) }
    }
}

extension HDF5ElementType {
    /// Width of an integer type in bits; nil for other types.
    var integerBits: Int? {
        switch self {
        case .int8, .uint8: 8
        case .int16, .uint16: 16
        case .int32, .uint32: 32
        case .int64, .uint64: 64
        default: nil
        }
    }

    var isSignedInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64: true
        default: false
        }
    }

    /// Significand bits a float needs to hold every value of this type exactly.
    var exactBits: Int? {
        switch self {
        case .float32: 24
        case .float64: 53
        default: integerBits.map { isSignedInteger ? $0 - 1 : $0 }
        }
    }
}
