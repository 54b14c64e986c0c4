import ArgumentParser

@main
struct BrainAlignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brainalign",
        abstract: "Measure how closely a language model's representations match brain activity.",
        discussion: """
            BrainAlign reads neural recordings and model activations from HDF5/netCDF4 files \
            (the layout Brain-Score and xarray use), and writes results xarray opens with \
            named dimensions. Start with `brainalign inspect FILE` to see what a file holds.
            """,
        version: "0.1.0",
        subcommands: [Score.self, CeilingCommand.self, RunCommand.self, StudyCommand.self, Plot.self, Inspect.self, Bench.self]
    )
}
