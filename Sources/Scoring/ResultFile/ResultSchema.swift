import HDF5

/// The one result schema every BrainAlign result file follows (docs/formats.md). A
/// version attribute lets a reader refuse a file of another layout instead of misreading it.
public enum ResultSchema {
    /// `result_schema_version`: 2 since one schema covers every benchmark (files written
    /// before carry none).
    public static let version: Int64 = 2

    /// What a result file holds (`result_kind`).
    public enum Kind: String, Sendable, CaseIterable {
        /// A neural part: `r (layer, split, neuroid)` and its summaries.
        case neural
        /// A behavioural benchmark (Futrell2018): one score per "layer" (the surprisal).
        case behavioural
        /// A multi-part benchmark's combination (Pereira2018's mean of its experiments,
        /// Wehbe2014's mean over subjects): `score (layer)`, `part_score (part, layer)`.
        case combined
        /// A noise ceiling (`brainalign ceiling`): `ceiling` attribute, `neuroid_ceiling`.
        case ceiling
    }

    // Dimension names, the same for every benchmark.
    public static let layer = "layer", split = "split", presentation = "presentation", neuroid = "neuroid"
    public static let part = "part", perSubject = "per_subject"

    /// Writes the schema's identifying attributes.
    public static func stamp(_ writer: NetCDFWriter, kind: Kind, title: String) throws {
        try writer.setAttribute("title", .strings([title]))
        try writer.setAttribute("result_schema_version", .int64([version]))
        try writer.setAttribute("result_kind", .strings([kind.rawValue]))
    }
}
