import Foundation

/// Writes a netCDF-4 file that `xarray.open_dataset` (h5netcdf or netCDF4 engine) and
/// netCDF-C open with named dimensions and coordinates.
///
/// The file is written under a hidden temporary name beside the destination and renamed
/// into place by `finish()` (or `close()` and then `StagedFile.publish`/`publishAll`), so
/// a crashed or interrupted run never leaves a half-written file under the real name;
/// SIGINT, SIGTERM and SIGHUP delete the temporary file. Define dimensions first, then
/// variables; large variables can be created empty (`createVariable`) and filled by
/// hyperslab writes as results arrive. A writer released unfinished deletes its file.
public final class NetCDFWriter: @unchecked Sendable {
    /// The final path the file will have after `finish()`.
    public let destination: String
    /// Where the file is being written until `finish()`.
    public let temporaryPath: String
    /// Whether `finish()` may replace an existing regular file at `destination`.
    public let overwrite: Bool

    private var file: HDF5File?
    private var registration: TemporaryFiles.Registration?
    private var dimensions: [(name: String, length: Int, scale: HDF5Dataset)] = []
    private var variables: [(name: String, dimensions: [String], isCoordinate: Bool, dataset: HDF5Dataset)] = []

    /// Starts a new file. Fails before writing anything when the directory does not exist
    /// or is not writable, when the destination is a directory or a special file, or when
    /// it exists and `overwrite` is false.
    public init(path: String, overwrite: Bool = false) throws {
        destination = path
        self.overwrite = overwrite
        try OutputPath.checkWritable(path, overwrite: overwrite)
        temporaryPath = OutputPath.hiddenSibling(of: path, tag: "partial")
        registration = try TemporaryFiles.register(temporaryPath)
        do {
            let file = try HDF5File.create(temporaryPath, overwrite: true)
            self.file = file
            try file.root.setAttribute("_NCProperties", .strings(["version=2,brainalign=\(BrainAlignFormat.version),hdf5=\(HDF5.libraryVersion)"]),
                                       elementType: .fixedString(length: 64), scalar: true)
        } catch {
            discard()
            throw error
        }
    }

    deinit {
        if file != nil || suspended != nil { discard() }
    }

    /// What `suspend()` remembers to reopen: dimension and variable names, in order.
    private var suspended: (dimensions: [(name: String, length: Int)], variables: [(name: String, dimensions: [String], isCoordinate: Bool)])?

    /// Flushes and closes the file without finishing it, so that other processes (the
    /// ranks of an MPI job) can open it and write into variables already created;
    /// `resume()` reopens it here. Datasets handed out must be released by the caller,
    /// or the file stays open. Still under its temporary name, still deleted on failure.
    public func suspend() throws {
        let file = try openFile("suspend")
        try file.flush()
        suspended = (dimensions.map { ($0.name, $0.length) }, variables.map { ($0.name, $0.dimensions, $0.isCoordinate) })
        dimensions.removeAll()
        variables.removeAll()
        self.file = nil
    }

    /// Reopens a suspended file to go on defining and writing; returns it.
    @discardableResult
    public func resume() throws -> HDF5File {
        guard let saved = suspended else {
            throw HDF5Error(operation: "resume", file: destination, reason: "the writer was not suspended")
        }
        let file = try HDF5File.reopenForWriting(temporaryPath)
        dimensions = try saved.dimensions.map { ($0.name, $0.length, try file.root.openDataset($0.name)) }
        variables = try saved.variables.map { variable in
            (variable.name, variable.dimensions, variable.isCoordinate,
             try dimensions.first { $0.name == variable.name }?.scale ?? file.root.openDataset(variable.name))
        }
        self.file = file
        suspended = nil
        return file
    }

    private func openFile(_ operation: String) throws -> HDF5File {
        guard let file else {
            throw HDF5Error(operation: operation, file: destination, reason: "the writer has already finished")
        }
        return file
    }

    /// Defines a dimension without values (like BrainIO's `presentation` and `neuroid`).
    public func defineDimension(_ name: String, length: Int) throws {
        let file = try openFile("define dimension '\(name)'")
        try checkNewName(name)
        // netCDF-C and h5netcdf store such a dimension as an empty float32 scale.
        let scale = try file.root.createDataset(name, elementType: .float32, shape: [length])
        try scale.makeDimensionScale(name: NetCDFConventions.dimensionOnlyName(length: length))
        try scale.setAttribute("_Netcdf4Dimid", .int32([Int32(dimensions.count)]), scalar: true)
        dimensions.append((name, length, scale))
    }

    /// Defines a dimension together with its index coordinate (a variable of the same
    /// name holding one value per position, e.g. `layer`).
    public func defineDimension(_ name: String, values: HDF5Values, attributes: [String: HDF5Values] = [:]) throws {
        let file = try openFile("define dimension '\(name)'")
        try checkNewName(name)
        let scale = try file.root.createDataset(name, values: values)
        try scale.makeDimensionScale(name: name)
        try scale.setAttribute("_Netcdf4Dimid", .int32([Int32(dimensions.count)]), scalar: true)
        try setAttributes(attributes, on: scale)
        dimensions.append((name, values.count, scale))
        variables.append((name, [name], true, scale))
    }

    /// Creates a variable over `dimensions` without writing values: fill it later with
    /// hyperslab writes on the returned dataset. Numeric variables get `_FillValue` from
    /// `options.fillValue` (NaN is a good choice for float results not yet computed).
    @discardableResult
    public func createVariable(_ name: String, dimensions dimensionNames: [String], elementType: HDF5ElementType,
                               options: HDF5DatasetOptions = .contiguous, attributes: [String: HDF5Values] = [:],
                               isCoordinate: Bool = false) throws -> HDF5Dataset {
        let file = try openFile("create variable '\(name)'")
        try checkNewName(name)
        let axes = try dimensionNames.map { dimensionName in
            guard let index = dimensions.firstIndex(where: { $0.name == dimensionName }) else {
                throw HDF5Error(operation: "create variable", file: destination, object: name,
                                reason: "dimension '\(dimensionName)' is not defined (defined: \(dimensions.map(\.name).joined(separator: ", ")))")
            }
            return index
        }
        let dataset = try file.root.createDataset(name, elementType: elementType, shape: axes.map { dimensions[$0].length }, options: options)
        for (axis, index) in axes.enumerated() {
            try dataset.attachDimensionScale(dimensions[index].scale, axis: axis)
        }
        if axes.count > 1 {
            try dataset.setAttribute("_Netcdf4Coordinates", .int32(axes.map { Int32($0) }), scalar: false)
        }
        if let fill = options.fillValue {
            try dataset.setAttribute("_FillValue", fill, scalar: false)
        }
        try setAttributes(attributes, on: dataset)
        variables.append((name, dimensionNames, isCoordinate, dataset))
        return dataset
    }

    /// Creates a variable and writes all its values (row-major).
    public func addVariable(_ name: String, dimensions: [String], values: HDF5Values,
                            options: HDF5DatasetOptions = .contiguous, attributes: [String: HDF5Values] = [:]) throws {
        let dataset = try createVariable(name, dimensions: dimensions, elementType: values.elementType, options: options, attributes: attributes)
        try dataset.write(values)
    }

    /// Adds a non-index coordinate (e.g. `stimulus_id` along `presentation`). It is listed
    /// in the `coordinates` attribute of the data variables that span its dimensions.
    public func addCoordinate(_ name: String, dimensions: [String], values: HDF5Values, attributes: [String: HDF5Values] = [:]) throws {
        let dataset = try createVariable(name, dimensions: dimensions, elementType: values.elementType, attributes: attributes, isCoordinate: true)
        try dataset.write(values)
    }

    /// Sets a global attribute (a single string is stored as a scalar, as netCDF does).
    public func setAttribute(_ name: String, _ values: HDF5Values) throws {
        try openFile("set attribute '\(name)'").root.setAttribute(name, values)
    }

    /// Writes the `coordinates` bookkeeping, flushes, closes and renames the file into
    /// place (`close()` then `StagedFile.publish()`). Returns the final path. On failure the
    /// temporary file is deleted and the destination is left as it was.
    @discardableResult
    public func finish() throws -> String {
        try close().publish()
    }

    /// Writes the `coordinates` bookkeeping, flushes and closes the file, and hands it over
    /// still under its temporary name: publish it alone (`publish()`) or together with the
    /// other parts of a result (`StagedFile.publishAll`). The writer is done afterwards.
    public func close() throws -> StagedFile {
        let file = try openFile("finish")
        do {
            try writeCoordinateLists(file)
            try file.flush()
        } catch {
            discard()
            throw error
        }
        variables.removeAll()
        dimensions.removeAll()
        self.file = nil  // closes the file once no dataset handed out is still alive
        defer { registration = nil }  // the staged file owns it now
        return StagedFile(temporaryPath: temporaryPath, destination: destination, overwrite: overwrite, registration: registration)
    }

    /// Lists non-index coordinates in the `coordinates` attribute of each data variable
    /// whose dimensions cover theirs; the rest globally (xarray reads both).
    private func writeCoordinateLists(_ file: HDF5File) throws {
        let coordinates = variables.filter { $0.isCoordinate && $0.dimensions != [$0.name] }
        var placed: Set<String> = []
        for variable in variables where !variable.isCoordinate {
            let names = coordinates.filter { Set($0.dimensions).isSubset(of: variable.dimensions) }.map(\.name)
            placed.formUnion(names)
            if !names.isEmpty {
                try variable.dataset.setAttribute("coordinates", string: names.joined(separator: " "))
            }
        }
        let orphans = coordinates.map(\.name).filter { !placed.contains($0) }
        if !orphans.isEmpty {
            try file.root.setAttribute("coordinates", string: orphans.joined(separator: " "))
        }
    }

    /// Abandons the file: closes and deletes the temporary file. Idempotent; does nothing
    /// after `close()` (discard the staged file instead).
    public func discard() {
        suspended = nil
        variables.removeAll()
        dimensions.removeAll()
        guard let registration else { return }
        file = nil
        unlink(temporaryPath)
        registration.release()
        self.registration = nil
    }

    private func checkNewName(_ name: String) throws {
        if name.isEmpty || name.contains("/") {
            throw HDF5Error(operation: "define", file: destination, object: name, reason: "names must be non-empty and contain no '/'")
        }
        if dimensions.contains(where: { $0.name == name }) || variables.contains(where: { $0.name == name }) {
            throw HDF5Error(operation: "define", file: destination, object: name, reason: "a dimension or variable of this name already exists")
        }
    }

    private func setAttributes(_ attributes: [String: HDF5Values], on dataset: HDF5Dataset) throws {
        for name in attributes.keys.sorted() {
            try dataset.setAttribute(name, attributes[name]!)
        }
    }
}

/// Version stamps written into files.
public enum BrainAlignFormat {
    public static let version = "0.1.0"
}
