import ArgumentParser
import Benchmarks
import Encoding
import Foundation
import Scoring

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score model activations against neural data with cross-validated linear predictivity.",
        discussion: """
            For every layer in the activations file, regresses each neuroid's responses on the \
            layer's features, predicts held-out presentations in each split, and reports the \
            Pearson r per neuroid, its median over neuroids per split, and the mean over splits. \
            Rows are paired by `stimulus_id`; splits are over the neural file's rows in stored \
            order. The neural data are streamed in slices sized from --memory, so any number of \
            neuroids fits. Results go to a netCDF4 file (xarray opens it with named dimensions; \
            see docs/formats.md); the file appears only when the run completes. A benchmark with \
            several parts (Pereira2018's two experiments, Wehbe2014's subjects) writes each part \
            to OUTPUT-STEM.<part>.nc and their combination to the output file.

            With --benchmark NAME the protocol of a published benchmark is used (its rows, \
            neuroid filtering, regression, splits, ceiling); the protocol flags then must not \
            be given. Benchmarks:
            \(BenchmarkRegistry.catalogue)

            Examples:
              brainalign score --benchmark Pereira2018.384sentences-linear \\
                --neural assy_Pereira2018_language.nc --activations acts.nc --output p384.nc
              brainalign score --neural datasets/Pereira2018_sample.nc \\
                --activations datasets/Pereira2018_sample_activations.nc --output scores.nc
              brainalign score --neural assy.nc --activations acts.nc --regression ols \\
                --cv shuffle:10:0.9 --seed 1 --output pereira_ols.nc
              brainalign score ... --regression ridge --alphas 1e-3:1e5:10 --inner-cv 5 --cv group:story:10
              brainalign score --benchmark LeBel2023 --neural UTS01.nc --neural UTS02.nc \\
                --activations gpt2_lebel.nc --output lebel.nc

            Story-listening runs (the story layout of docs/formats.md; LeBel2023's protocol with \
            any of it changed) start with --test-stories or --story-folds: word features are \
            Lanczos-downsampled to each story's TR times, trimmed (--trim), z-scored per story and \
            delayed within each story (--delays); ridge without intercept, one alpha per voxel \
            from --alphas (default LeBel's (10^1..10^3)^2) by --inner-cv (default \
            bootstrap:50:40:125, or stories:K for whole training stories held out); score = mean \
            r over voxels on the test stories, per subject:
              brainalign score --neural datasets/LeBel2023_sample_UTS01.nc \\
                --activations datasets/LeBel2023_sample_activations.nc \\
                --test-stories wheretheressmoke --inner-cv bootstrap:20:10:8 --output story.nc
            """
    )

    @Option(name: .long, help: ArgumentHelp("Neural data: netCDF4/HDF5 with a 2-D (presentation, neuroid) variable and a stimulus_id coordinate. Wehbe2014, LeBel2023 and story runs take one per subject (repeat the option; story layout: docs/formats.md).", valueName: "file"))
    var neural: [String] = []

    @Option(name: .long, help: ArgumentHelp("The neural variable (default: data, __xarray_dataarray_variable__, or the only data variable).", valueName: "name"))
    var neuralVariable: String?

    @Option(name: .long, help: ArgumentHelp("Activations: netCDF4 with activations (layer, presentation, feature) and stimulus_id (Futrell2018: a surprisal file).", valueName: "file"))
    var activations: String

    @OptionGroup var output: OutputOptions
    @OptionGroup var compute: ComputeOptions
    @OptionGroup var precision: PrecisionOption
    @OptionGroup var report: ReportOptions

    @Option(help: ArgumentHelp("A named benchmark (see above): fixes the whole protocol.", valueName: "name"))
    var benchmark: String?

    @Option(help: ArgumentHelp("ridge (default), or ols (ordinary least squares; minimum-norm when features outnumber rows).", valueName: "ridge|ols"))
    var regression: RegressionKind?

    @Option(help: ArgumentHelp("Ridge penalties: LOW:HIGH:COUNT logspaced (default 1e-3:1e5:10) or a comma list (0.1,1,10).", valueName: "spec"), transform: AlphaSpec.parse)
    var alphas: AlphaSpec?

    @Flag(help: "Choose one ridge penalty per split for all neuroids (default: one per neuroid).")
    var sharedAlpha = false

    @Option(help: ArgumentHelp("Inner cross-validation that picks the penalty: a fold count (default 5; lowest squared error), loo, or bootstrap:NBOOTS:CHUNKLEN:NCHUNKS, the Huth lab's chunked bootstrap for naturalistic data (LeBel et al. 2023 use bootstrap:50:40:125): NBOOTS draws each hold out NCHUNKS random contiguous chunks of CHUNKLEN training rows; the alpha with the highest held-out r averaged over draws wins (draws seeded by --seed). Story runs also take stories:K (GroupKFold over the training stories) and default to bootstrap:50:40:125.", valueName: "k|loo|bootstrap:N:L:C|stories:K"), transform: InnerCVSpec.parse)
    var innerCv: InnerCVSpec?

    @Option(help: ArgumentHelp("Outer splits: kfold:K (default kfold:5), group:COORD:K (GroupKFold over a presentation coordinate), shuffle:N:TRAIN_FRACTION, or file:PATH (a test_mask (split, presentation) + stimulus_id file, e.g. an earlier result).", valueName: "spec"), transform: OuterCVSpec.parse)
    var cv: OuterCVSpec?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed for shuffle splits and bootstrap inner CV (numpy RandomState, as sklearn's random_state; 0-4294967295; default 1).", valueName: "n"), transform: Seed.parse)
    var seed: Seed?

    @Flag(help: "Fit without an intercept (default: with, as sklearn).")
    var noIntercept = false

    @Flag(help: "z-score features with the training rows' statistics before fitting (inner folds reuse them).")
    var standardizeFeatures = false

    @Flag(help: "z-score targets with training statistics (changes only a --shared-alpha choice; r is invariant).")
    var standardizeTargets = false

    @Option(help: ArgumentHelp("Aggregate r over neuroids within a split: median (Brain-Score, default) or mean.", valueName: "median|mean"))
    var neuroidAggregate: Aggregate?

    @Option(help: ArgumentHelp("Aggregate split scores: mean (Brain-Score, default) or median.", valueName: "mean|median"))
    var splitAggregate: Aggregate?

    @Option(help: ArgumentHelp("Only these layers (comma-separated names, in this order).", valueName: "names"))
    var layers: String?

    @Option(help: ArgumentHelp("A ceiling file from `brainalign ceiling` to normalise by (instead of the published ceiling); refused if made for another benchmark or from a neural file of another size or other leading bytes (its size and the SHA-1 of its first MiB are compared).", valueName: "file"))
    var ceiling: String?

    @Option(help: ArgumentHelp("Story-listening run (story layout, one --neural per subject, word activations with story and word_time): hold out these stories (comma-separated) and train on the others (or --train-stories).", valueName: "names"), transform: StoryList.parse)
    var testStories: StoryList?

    @Option(help: ArgumentHelp("Story run: train on these stories only (none may be a test story).", valueName: "names"), transform: StoryList.parse)
    var trainStories: StoryList?

    @Option(help: ArgumentHelp("Story run: K folds of consecutive stories instead of --test-stories, each held out once.", valueName: "K"))
    var storyFolds: Int?

    @Option(help: ArgumentHelp("Story run: FIR delays in TRs (zero-padded at each story's start).", valueName: "list"), transform: DelaySpec.parse)
    var delays: DelaySpec?

    @Option(help: ArgumentHelp("Story run: TRs dropped at each story's start and end after downsampling (LeBel's [5+5:-5] = 10:5, the rows tools/convert_lebel.py leaves NaN).", valueName: "HEAD:TAIL"), transform: TrimSpec.parse)
    var trim: TrimSpec?

    @Option(help: ArgumentHelp("Select ridge penalties in passes of at most N inner folds (bootstrap draws), each pass re-reading the neural data; results are the same. Default: one pass when every inner fold's operators fit --memory, else the fewest passes that fit (the plan line says so).", valueName: "N"))
    var innerFoldsPerPass: Int?

    /// The protocol flags a user gave (they cannot be combined with --benchmark).
    var givenProtocolFlags: [String] {
        var flags: [String] = []
        if regression != nil { flags.append("--regression") }
        if alphas != nil { flags.append("--alphas") }
        if sharedAlpha { flags.append("--shared-alpha") }
        if innerCv != nil { flags.append("--inner-cv") }
        if cv != nil { flags.append("--cv") }
        if seed != nil { flags.append("--seed") }
        if noIntercept { flags.append("--no-intercept") }
        if standardizeFeatures { flags.append("--standardize-features") }
        if standardizeTargets { flags.append("--standardize-targets") }
        if neuroidAggregate != nil { flags.append("--neuroid-aggregate") }
        if splitAggregate != nil { flags.append("--split-aggregate") }
        return flags + storyFlags
    }

    /// The story-listening flags given (any of them makes the run a story run).
    var storyFlags: [String] {
        [testStories != nil ? "--test-stories" : nil, trainStories != nil ? "--train-stories" : nil,
         storyFolds != nil ? "--story-folds" : nil, delays != nil ? "--delays" : nil, trim != nil ? "--trim" : nil].compactMap { $0 }
    }

    /// The protocol of a custom story-listening run, from the flags (nil: not a story run).
    var storyProtocol: StoryProtocol? {
        guard !storyFlags.isEmpty else { return nil }
        let outer: StoryProtocol.OuterSplits = storyFolds.map { .storyFolds($0) }
            ?? .testStories(testStories?.names ?? [], train: trainStories?.names)
        let inner: StoryProtocol.InnerSelection = innerCv?.storyFolds.map { .storyFolds($0) }
            ?? .rows(innerCv?.seeded(seed?.value ?? 1) ?? .chunkedBootstrap(.lebel2023(seed: seed?.value ?? 1)))
        let lebel = StoryProtocol.lebel2023
        return StoryProtocol(delays: delays?.values ?? lebel.delays, trimHead: trim?.head ?? lebel.trimHead, trimTail: trim?.tail ?? lebel.trimTail,
                             outer: outer, alphas: alphas?.values ?? lebel.alphas, inner: inner)
    }

    func validateStoryRun() throws {
        guard !storyFlags.isEmpty else {
            if innerCv?.storyFolds != nil { throw ValidationError("--inner-cv stories:K applies to story runs only (--test-stories or --story-folds)") }
            return
        }
        guard (testStories != nil) != (storyFolds != nil) else {
            throw ValidationError("a story run takes exactly one of --test-stories (with optional --train-stories) or --story-folds K")
        }
        if trainStories != nil && testStories == nil { throw ValidationError("--train-stories needs --test-stories") }
        if let storyFolds, storyFolds < 2 { throw ValidationError("--story-folds must be at least 2") }
        if let both = testStories?.names.filter({ trainStories?.names.contains($0) == true }), !both.isEmpty {
            throw ValidationError("test stor\(both.count == 1 ? "y" : "ies") \(both.map { "'\($0)'" }.joined(separator: ", ")) also in --train-stories; a test story must be held out")
        }
        let other = [regression != nil ? "--regression" : nil, sharedAlpha ? "--shared-alpha" : nil, cv != nil ? "--cv" : nil,
                     noIntercept ? "--no-intercept" : nil, standardizeFeatures ? "--standardize-features" : nil,
                     standardizeTargets ? "--standardize-targets" : nil, neuroidAggregate != nil ? "--neuroid-aggregate" : nil,
                     splitAggregate != nil ? "--split-aggregate" : nil, neuralVariable != nil ? "--neural-variable" : nil].compactMap { $0 }
        if let flag = other.first {
            throw ValidationError("\(flag) does not apply to story runs (ridge without intercept on per-story z-scored features, mean r over voxels; docs/protocols.md)")
        }
    }

    func validate() throws {
        guard !neural.isEmpty else { throw ValidationError("--neural is required") }
        if let innerFoldsPerPass, innerFoldsPerPass < 1 { throw ValidationError("--inner-folds-per-pass must be at least 1, got \(innerFoldsPerPass)") }
        if let benchmark {
            guard let named = try? BenchmarkRegistry.named(benchmark) else {
                throw ValidationError("unknown benchmark '\(benchmark)'; valid benchmarks: \(BenchmarkRegistry.names.joined(separator: ", "))")
            }
            if let flag = givenProtocolFlags.first {
                throw ValidationError("\(flag) cannot be combined with --benchmark: \(benchmark) fixes its own protocol (see docs/protocols.md)")
            }
            if neural.count > 1 && !named.inputs.neuralFilesPerSubject {
                throw ValidationError("\(benchmark) takes one --neural file; got \(neural.count)")
            }
            if ceiling != nil && !named.inputs.acceptsCeilingFile {
                throw ValidationError("--ceiling does not apply to \(benchmark) (its published ceiling is used)")
            }
        } else if neural.count > 1 && storyFlags.isEmpty {
            throw ValidationError("only benchmarks scored per subject (Wehbe2014, LeBel2023, story runs) take several --neural files; got \(neural.count)")
        }
        try validateStoryRun()
        let ridgeOnly = [alphas != nil ? "--alphas" : nil, sharedAlpha ? "--shared-alpha" : nil, innerCv != nil ? "--inner-cv" : nil,
                         standardizeTargets ? "--standardize-targets" : nil, innerFoldsPerPass != nil ? "--inner-folds-per-pass" : nil].compactMap { $0 }
        if regression == .ols, let flag = ridgeOnly.first {
            throw ValidationError("\(flag) applies to ridge only, not --regression ols")
        }
        if seed != nil, innerCv?.isBootstrap != true, storyProtocol.map({ if case .rows(.chunkedBootstrap) = $0.inner { return false } else { return true } }) ?? true {
            guard case .shuffleSplit? = cv?.value else {
                throw ValidationError("--seed applies to shuffle splits (--cv shuffle:N:TRAIN_FRACTION) and bootstrap inner CV (--inner-cv bootstrap:N:L:C) only")
            }
        }
    }

    /// The protocol of a custom run, from the flags.
    var customProtocol: NeuralProtocol {
        let fit: Regression = regression == .ols
            ? .ordinaryLeastSquares(fitIntercept: !noIntercept)
            : .ridge(RidgeConfiguration(alphas: (alphas ?? .defaultSpec).values, alphaPerTarget: !sharedAlpha,
                                        innerCrossValidation: innerCv?.seeded(seed?.value ?? 1) ?? .kFold(5), fitIntercept: !noIntercept,
                                        standardizeFeatures: standardizeFeatures, standardizeTargets: standardizeTargets))
        var outer = cv?.value ?? .kFold(5)
        if case .shuffleSplit(let n, let size, _) = outer { outer = .shuffleSplit(splits: n, trainSize: size, seed: seed?.value ?? 1) }
        return NeuralProtocol(regression: fit, crossValidation: outer,
                              aggregation: Aggregation(neuroids: neuroidAggregate ?? .median, splits: splitAggregate ?? .mean))
    }

    func run() throws {
        let custom: any Benchmark = storyProtocol.map { StoryBenchmark.custom($0) } ?? NeuralBenchmark.custom(customProtocol)
        let chosen: any Benchmark = try benchmark.map { try BenchmarkRegistry.named($0) } ?? custom
        // A ceiling must come from the same benchmark and (one neural file) the same data.
        let ceilingOverride = try ceiling.map { try CeilingFile.read($0, for: benchmark, neural: neural.count == 1 ? neural[0] : nil) }
        try asRank(threads: compute.threads.value) { ranks in try score(chosen, ceilingOverride: ceilingOverride, ranks: ranks) }
    }

    private func score(_ chosen: any Benchmark, ceilingOverride: CeilingOverride?, ranks: any RankGroup) throws {
        var settings = RunSettings(
            neuralPaths: neural, neuralVariable: neuralVariable, activationsPath: activations,
            outputPath: output.output ?? "brainalign-scores.nc", overwrite: output.overwrite, precision: precision.precision,
            memoryBudget: compute.memory.bytes, threads: compute.threads.value,
            layers: layers.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } },
            commandLine: commandLineText, ceilingOverride: ceilingOverride)
        settings.ranks = ranks
        settings.innerFoldsPerPass = innerFoldsPerPass
        let bar = ProgressBar(enabled: !report.quiet)
        let result = try BenchmarkRunner.run(chosen, settings: settings, observer: ranks.isLead ? bar.observer : .silent)
        guard ranks.isLead else { return }
        bar.finish()
        print(report.json ? ScoreReport.json(result).rendered() : ScoreReport.text(result))
    }
}
