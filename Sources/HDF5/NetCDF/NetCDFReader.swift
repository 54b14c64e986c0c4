/// Reads a netCDF-4 file (or any HDF5 file) the way xarray does: dimensions from
/// dimension scales, variables with their dimension names, coordinates, attributes.
/// The file's structure is read once at open; values are read on demand.
public final class NetCDFFile: @unchecked Sendable {
    public let file: HDF5File
    public var path: String { file.path }
    /// Dimensions of the root group, in netCDF order (`_Netcdf4Dimid`) when recorded.
    public let dimensions: [NetCDFDimension]
    /// Variables of the root group, in file order.
    public let variables: [NetCDFVariable]
    /// Global (root group) attributes.
    public let attributes: [HDF5Attribute]
    /// Names of subgroups of the root group (read them with `NetCDFFile.describe(group:)`).
    public let groupNames: [String]

    public static func open(_ path: String) throws -> NetCDFFile {
        try NetCDFFile(file: HDF5File.open(path, mode: .readOnly))
    }

    public init(file: HDF5File) throws {
        self.file = file
        let group = try Self.describe(group: file.root)
        dimensions = group.dimensions
        variables = group.variables
        attributes = group.attributes
        groupNames = group.groupNames
    }

    /// Names of the coordinates (index coordinates first, then the rest, in file order).
    public var coordinateNames: [String] {
        variables.filter(\.isCoordinate).map(\.name)
    }

    /// Names of the data variables (everything that is not a coordinate).
    public var dataVariableNames: [String] {
        variables.filter { !$0.isCoordinate }.map(\.name)
    }

    /// The coordinates that lie along `dimension` alone (1-D), e.g. `stimulus_id` along
    /// `presentation`.
    public func coordinates(along dimension: String) -> [NetCDFVariable] {
        variables.filter { $0.isCoordinate && $0.dimensions == [dimension] }
    }

    public func dimension(_ name: String) throws -> NetCDFDimension {
        guard let dimension = dimensions.first(where: { $0.name == name }) else {
            throw HDF5Error(operation: "find dimension", file: path, object: name,
                            reason: "no such dimension (the file has: \(dimensions.map(\.name).joined(separator: ", ")))")
        }
        return dimension
    }

    public func variable(_ name: String) throws -> NetCDFVariable {
        guard let variable = variables.first(where: { $0.name == name }) else {
            throw HDF5Error(operation: "find variable", file: path, object: name,
                            reason: "no such variable (the file has: \(variables.map(\.name).joined(separator: ", ")))")
        }
        return variable
    }

    /// The HDF5 dataset behind a variable, for hyperslab (streaming) reads.
    public func dataset(_ name: String, chunkCache: HDF5ChunkCache? = nil) throws -> HDF5Dataset {
        _ = try variable(name)
        return try file.root.openDataset(name, chunkCache: chunkCache)
    }

    /// All values of a variable, decoded as xarray does (`CFDecoding`): packed or filled
    /// numbers come back as float64 with NaN for missing values; others as stored.
    public func values(_ name: String) throws -> HDF5Values {
        let decoding = try decoding(name)
        if decoding.isIdentity { return try dataset(name).readValues() }
        return .float64(decoding.decoded(try dataset(name).read()))
    }

    /// A numeric variable's values as Double, decoded as xarray does (`CFDecoding`:
    /// `_Unsigned`, `_FillValue`/`missing_value` to NaN, `scale_factor`/`add_offset`).
    public func doubles(_ name: String) throws -> [Double] {
        let variable = try variable(name)
        guard variable.elementType.isNumeric else {
            throw HDF5Error(operation: "read numbers from", file: path, object: name, reason: "it holds \(variable.elementType), not numbers")
        }
        return try decoding(name).decoded(try dataset(name).read())
    }

    /// How a variable's stored values are decoded (identity for most variables).
    public func decoding(_ name: String) throws -> CFDecoding {
        try CFDecoding(variable: try variable(name), file: path)
    }

    /// A string variable's values.
    public func strings(_ name: String) throws -> [String] {
        let variable = try variable(name)
        guard variable.elementType.isString else {
            throw HDF5Error(operation: "read strings from", file: path, object: name, reason: "it holds \(variable.elementType), not strings")
        }
        return try dataset(name).readStrings()
    }

    // MARK: Structure

    /// One group's netCDF structure.
    public struct GroupDescription: Sendable {
        public var path: String
        public var dimensions: [NetCDFDimension]
        public var variables: [NetCDFVariable]
        public var attributes: [HDF5Attribute]
        public var groupNames: [String]
    }

    /// Reads the structure of one group. Works on any HDF5 group: datasets without
    /// dimension scales get `phony_dim_N` dimensions, as h5netcdf/xarray name them.
    public static func describe(group: HDF5Group) throws -> GroupDescription {
        struct Scale { var name: String; var length: Int; var isVariable: Bool; var dimid: Int? }
        var scales: [Scale] = []
        var datasets: [(name: String, dataset: HDF5Dataset)] = []
        var groupNames: [String] = []
        for member in try group.memberNames() {
            switch try group.kind(of: member) {
            case .group: groupNames.append(member)
            case .dataset:
                let dataset = try group.openDataset(member)
                datasets.append((member, dataset))
                if try dataset.isDimensionScale {
                    let name = (try? dataset.attribute("NAME"))?.stringValue ?? member
                    let dimid = (try? dataset.attribute("_Netcdf4Dimid"))?.values?.integers?.first.map { Int($0) }
                    scales.append(Scale(name: member, length: dataset.shape.first ?? 0,
                                        isVariable: !name.hasPrefix(NetCDFConventions.dimensionOnlyPrefix), dimid: dimid))
                }
            default: continue
            }
        }
        if scales.allSatisfy({ $0.dimid != nil }) {
            scales.sort { $0.dimid! < $1.dimid! }
        }
        var dimensions = scales.map { NetCDFDimension(name: $0.name, length: $0.length, hasCoordinateVariable: $0.isVariable) }
        let bareDimensions = Set(scales.filter { !$0.isVariable }.map(\.name))

        var variables: [NetCDFVariable] = []
        var listedCoordinates: Set<String> = []
        let rawGlobalAttributes = try group.attributes()
        let globalAttributes = rawGlobalAttributes.filter { !NetCDFConventions.isHidden($0.name) }
        if let global = rawGlobalAttributes.first(where: { $0.name == "coordinates" })?.stringValue {
            listedCoordinates.formUnion(global.split(separator: " ").map(String.init))
        }
        var phonyLengths: [Int] = []
        for (name, dataset) in datasets where !bareDimensions.contains(name) {
            var dimensionNames: [String] = []
            for axis in 0..<dataset.rank {
                let scalePaths = try dataset.attachedDimensionScales(axis: axis)
                if dataset.rank == 1, dimensions.contains(where: { $0.name == name }) {
                    dimensionNames.append(name)  // an index coordinate is its own dimension
                } else if let first = scalePaths.first {
                    dimensionNames.append(String(first.split(separator: "/").last ?? ""))
                } else {
                    let length = dataset.shape[axis]
                    if !phonyLengths.contains(length) { phonyLengths.append(length) }
                    dimensionNames.append("phony_dim_\(phonyLengths.firstIndex(of: length)!)")
                }
            }
            let rawAttributes = try dataset.attributes()
            let attributes = rawAttributes.filter { !NetCDFConventions.isHidden($0.name) }
            if let listed = rawAttributes.first(where: { $0.name == "coordinates" })?.stringValue {
                listedCoordinates.formUnion(listed.split(separator: " ").map(String.init))
            }
            variables.append(NetCDFVariable(
                name: name, dimensions: dimensionNames, shape: dataset.shape, elementType: dataset.elementType,
                chunkShape: dataset.chunkShape, filters: dataset.filters, attributes: attributes,
                isCoordinate: dataset.rank == 1 && dimensionNames == [name]))
        }
        for index in variables.indices where listedCoordinates.contains(variables[index].name) {
            variables[index].isCoordinate = true
        }
        for (index, length) in phonyLengths.enumerated() {
            dimensions.append(NetCDFDimension(name: "phony_dim_\(index)", length: length, hasCoordinateVariable: false))
        }
        return GroupDescription(path: group.path, dimensions: dimensions, variables: variables,
                                attributes: globalAttributes, groupNames: groupNames)
    }
}
