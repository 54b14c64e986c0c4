#!/usr/bin/env python3
"""Extract language-model activations (or surprisal) in the layout `brainalign score` reads.

Run it on a GPU machine with `transformers` and `torch`. The stimuli are read from the
neural dataset file itself, so the ids always match:

  pereira  one row per sentence (`sentence`, `stimulus_id`, `passage_label`[, `experiment`]):
           passages in sorted passage_label order, each sentence read after the earlier
           sentences of its passage (joined with spaces); the last token's hidden state.
  blank    one row per fragment (`stimulus`, `stimulus_id`, `story`): stories in sorted order,
           fragments in stored order, each read after the earlier fragments of its story.
  wehbe    one row per word of a Wehbe subject file (`word`, `stimulus_id`), as the code behind
           the paper's Wehbe numbers reads it: the model reads a window of the last --window
           words ending at the word; each word is tokenized on its own, the tokens `,` `"`
           `@` are dropped, and the words' tokens are joined without special tokens; the
           word's vector is the mean of its tokens' hidden states. An extra first layer,
           `embedding`, holds the input embeddings of the word tokenized alone (mean over
           its tokens, no context): the original's layer 0 (docs/protocols.md maps our layer
           names to its indices).
  lebel    one row per word of a story-layout subject file (`word`, `word_story`, `word_time`;
           tools/convert_lebel.py): within each story the model reads a window of --window
           words ending at the word (only that story's earlier words); the word's vector is the
           mean of its tokens' hidden states. Rows have stimulus_id `<story>.<k>` and carry
           `story` and `word_time` coordinates, which the story benchmarks (LeBel2023) read.
  futrell  per-word surprisal in bits (`word`, `stimulus_id` of the reading-time file): all
           words as one running text; each token's -log2 p(token | earlier text), the context
           truncated from the left at the model's maximum length (scored in windows advancing
           by --stride tokens; --stride 1 is exact and slow); a word's surprisal is the sum
           over its tokens; the very first token has none (NaN).

Every layer is written (decoder-only models: each block's output; encoder-decoder models
such as T5/Flan-T5: encoder blocks, then decoder blocks, the same tokens fed to both), or
the ones --layers names. Rows are written batch by batch into a netCDF4 file
(`activations (layer, presentation, feature)` float32 + `layer` + `stimulus_id`), so a large
model's activations never sit in memory at once. A `written (layer, presentation)` mask
makes runs resumable: run the same command again and layers already written are skipped,
and of the others only the missing rows are computed. A later run with `--layers` naming
some of the file's layers recomputes only those that are incomplete.

The output records what it was made from (model, revision, readout, dtype, context length,
a sha1 of the stimulus ids and model inputs; futrell: the stride). A run onto an existing
output made differently is refused, naming what differs, before the model is loaded where
possible; `--overwrite` replaces it instead, atomically (a temporary file in the same
directory, renamed over the old one once complete), and only if it is an output of this
tool. A missing or unwritable output directory is one line on stderr and exit code 2.

    python3 tools/extract_activations.py --model google/flan-t5-base --benchmark pereira \\
        --neural assy_Pereira2018_language.nc --output flan-t5-base_pereira.nc --device cuda --dtype float16
    python3 tools/extract_activations.py --model gpt2 --benchmark futrell --neural assy_Futrell2018.nc --output gpt2_futrell.nc
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import sys
import tempfile

import numpy as np


class ExtractionError(Exception):
    pass


class UsageError(ExtractionError):
    """A problem with the command line itself (exit code 2, as argparse's own errors)."""


class LoadError(ExtractionError):
    """The model could not be loaded or placed on the device (not found offline, no CUDA):
    every extraction of that model fails with this one message."""


def one_line(error):
    """An exception's message on one line (transformers' messages span several)."""
    return " ".join(str(error).split()) or type(error).__name__


# MARK: stimuli

def stimuli(benchmark, neural_path, window):
    """Returns (ids, texts, target) where each text is the model input for that row and
    `target` says which tokens form the readout: "last" token; "word", the final word of a
    Wehbe window, tokenized as the paper's code does (`wehbe_batch`); "story_word", the
    final word of a story window, the window tokenized as split words; "surprisal"."""
    import xarray as xr
    ds = xr.open_dataset(neural_path)

    def coord(name):
        if name not in ds.variables:
            raise ExtractionError(f"{neural_path}: no '{name}' coordinate, which the {benchmark} readout needs")
        return [str(v) for v in ds[name].values]

    if benchmark == "pereira":
        sentences, ids, labels = coord("sentence"), coord("stimulus_id"), coord("passage_label")
        experiments = coord("experiment") if "experiment" in ds.variables else [""] * len(ids)
        rows = []
        for key in sorted(set(zip(experiments, labels)), key=lambda k: (k[1], k[0])):
            members = [i for i in range(len(ids)) if (experiments[i], labels[i]) == key]
            for position, i in enumerate(members):
                rows.append((ids[i], " ".join(sentences[j] for j in members[:position + 1])))
        return [r[0] for r in rows], [r[1] for r in rows], "last"
    if benchmark == "blank":
        fragments, ids, stories = coord("stimulus"), coord("stimulus_id"), coord("story")
        rows = []
        for story in sorted(set(stories)):
            members = [i for i in range(len(ids)) if stories[i] == story]
            for position, i in enumerate(members):
                rows.append((ids[i], " ".join(fragments[j] for j in members[:position + 1])))
        return [r[0] for r in rows], [r[1] for r in rows], "last"
    if benchmark == "wehbe":
        words, ids = coord("word"), coord("stimulus_id")
        return ids, [words[max(0, i - window + 1):i + 1] for i in range(len(words))], "word"
    if benchmark == "lebel":
        words, stories = coord("word"), coord("word_story")
        ids, texts, position = [], [], {}
        for i, story in enumerate(stories):
            k = position.get(story, 0)
            position[story] = k + 1
            ids.append(f"{story}.{k}")
            start = max(0, i - window + 1, i - k)  # never reach into the previous story
            texts.append(words[start:i + 1])
        return ids, texts, "story_word"
    if benchmark == "futrell":
        return coord("stimulus_id"), coord("word"), "surprisal"
    raise ExtractionError(f"unknown benchmark readout '{benchmark}' ({', '.join(READOUTS)})")


def row_coordinates(benchmark, neural_path):
    """Coordinates written beside stimulus_id: the lebel readout's story and word_time."""
    if benchmark != "lebel":
        return {}
    import xarray as xr
    ds = xr.open_dataset(neural_path)
    times = ds["word_time"].values.astype(np.float64) if "word_time" in ds.variables else None
    if times is None:
        raise ExtractionError(f"{neural_path}: no 'word_time' coordinate, which the lebel readout needs")
    stories = [str(v) for v in ds["word_story"].values]
    for i in range(1, len(times)):
        if stories[i] == stories[i - 1] and times[i] < times[i - 1]:
            raise ExtractionError(f"{neural_path}: word times are not increasing within story '{stories[i]}' (word {i}: {times[i]} s after {times[i - 1]} s)")
    return {"story": np.array(stories, dtype=object), "word_time": times}


# MARK: models

def load(model_name, device, dtype, model=None, tokenizer=None, revision=None):
    import torch
    import transformers
    torch_dtype = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[dtype]
    try:
        if tokenizer is None:
            tokenizer = transformers.AutoTokenizer.from_pretrained(model_name, revision=revision)
        if model is None:
            config = transformers.AutoConfig.from_pretrained(model_name, revision=revision)
            cls = transformers.AutoModelForSeq2SeqLM if config.is_encoder_decoder else transformers.AutoModelForCausalLM
            model = cls.from_pretrained(model_name, torch_dtype=torch_dtype, revision=revision)
    except Exception as error:  # not found, offline, unreadable weights: one line, not a traceback
        raise LoadError(f"cannot load model '{model_name}'{f' at revision {revision}' if revision else ''}: {one_line(error)}")
    try:
        model = model.to(device).eval()
    except Exception as error:  # e.g. --device cuda on a machine without CUDA
        raise LoadError(f"cannot move model '{model_name}' to device '{device}': {one_line(error)}")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def layer_names(model):
    config = model.config
    if config.is_encoder_decoder:
        return [f"encoder.block.{i}" for i in range(config.num_layers)] + \
               [f"decoder.block.{i}" for i in range(config.num_decoder_layers)]
    count = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layer")
    return [f"layer.{i}" for i in range(count)]


def max_length(model, tokenizer):
    for attribute in ("n_positions", "max_position_embeddings"):
        value = getattr(model.config, attribute, None)
        if value:
            return int(value)
    limit = getattr(tokenizer, "model_max_length", None)
    return int(limit) if limit and limit < 1_000_000 else 512


# The Wehbe readout's tokenization (the paper's code): punctuation tokens it drops, and the
# rule recorded in the output so a file made by an earlier rule is never added to.
WEHBE_DROPPED = (",", "\"", "@")
WEHBE_RULE = "words tokenized alone, tokens , \" @ dropped, joined without special tokens; mean over the word's tokens; embedding = the word's input embeddings"


def readout_layer_names(model, target):
    """The layers a readout writes: the model's blocks, and for the Wehbe readout first the
    input embeddings (`embedding`)."""
    return (["embedding"] if target == "word" else []) + layer_names(model)


def word_tokens(tokenizer, word, require=False):
    """One word's token ids as the paper's Wehbe code makes them: the word tokenized on its
    own, the tokens `,` `"` `@` dropped. `require`: a word left without tokens is an error
    (its vector would be a mean over nothing)."""
    if word in WEHBE_DROPPED:
        raise ExtractionError(f"word {word!r} is itself a dropped punctuation token; the Wehbe readout cannot place it (the paper's code stops here too)")
    ids = tokenizer.convert_tokens_to_ids([t for t in tokenizer.tokenize(word) if t not in WEHBE_DROPPED])
    if require and not ids:
        raise ExtractionError(f"word {word!r} has no tokens once , \" @ are dropped; the Wehbe readout needs at least one")
    return ids


def wehbe_batch(model, tokenizer, windows, device, limit):
    """(layers, batch, features) for word windows: `embedding`, then every block."""
    import torch
    sequences, lasts = [], []
    for window in windows:
        pieces = [word_tokens(tokenizer, w) for w in window[:-1]] + [word_tokens(tokenizer, window[-1], require=True)]
        if len(pieces[-1]) > limit:
            raise ExtractionError(f"word {window[-1]!r} alone has {len(pieces[-1])} tokens, more than the context limit {limit}")
        ids = [t for p in pieces for t in p][-limit:]  # too long: the earliest context goes
        sequences.append(ids)
        lasts.append(pieces[-1])
    width = max(len(ids) for ids in sequences)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    input_ids = torch.full((len(windows), width), pad, dtype=torch.long)
    attention = torch.zeros((len(windows), width), dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.float32)
    for row, (ids, last) in enumerate(zip(sequences, lasts)):
        input_ids[row, :len(ids)] = torch.tensor(ids)
        attention[row, :len(ids)] = 1
        mask[row, len(ids) - len(last):len(ids)] = 1
    states = hidden_states(model, {"input_ids": input_ids.to(device), "attention_mask": attention.to(device)})
    weights = (mask / mask.sum(1, keepdim=True)).to(device)
    blocks = [torch.einsum("bt,btf->bf", weights, s.float()).cpu().numpy() for s in states]
    embed = model.get_input_embeddings()
    with torch.no_grad():
        embedding = np.stack([embed(torch.tensor(last, device=device)).float().mean(0).cpu().numpy() for last in lasts])
    return np.stack([embedding] + blocks).astype(np.float32)


def hidden_states(model, batch):
    """Per layer, a (batch, tokens, features) tensor, in `layer_names` order."""
    import torch
    with torch.no_grad():
        if model.config.is_encoder_decoder:
            out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                        decoder_input_ids=batch["input_ids"], decoder_attention_mask=batch["attention_mask"],
                        output_hidden_states=True)
            return list(out.encoder_hidden_states[1:]) + list(out.decoder_hidden_states[1:])
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], output_hidden_states=True)
        return list(out.hidden_states[1:])


def readout_batch(model, tokenizer, texts, target, device, limit):
    """(layers, batch, features) float32 for a batch of texts."""
    import torch
    if target == "word":
        return wehbe_batch(model, tokenizer, texts, device, limit)
    tokenizer.padding_side = "right"
    if target == "story_word":
        # The window read as running text (words joined by spaces, as the story was heard):
        # pre-split words would each lose the leading space byte-level BPE tokenizers
        # (GPT-2, RoBERTa, ...) mark word starts with. The readout is the tokens whose
        # characters lie in the last word, found from the offsets; the earliest context is
        # cut when the window is longer than the model's limit.
        tokenizer.truncation_side = "left"
        joined = [" ".join(window) for window in texts]
        batch = tokenizer(joined, return_tensors="pt", padding=True, truncation=True, max_length=limit, return_offsets_mapping=True)
        masks = []
        for row, window in enumerate(texts):
            # The last word's characters, with the space before it (byte-level tokens
            # carry it; special tokens have empty spans).
            start = max(0, len(joined[row]) - len(window[-1]) - 1)
            masks.append([end > begin and begin >= start for begin, end in batch["offset_mapping"][row].tolist()])
        mask = torch.tensor(masks, dtype=torch.float32)
        if (mask.sum(1) == 0).any():
            raise ExtractionError("a word produced no tokens after truncation; lower --window")
    else:
        # Truncate from the left so the sentence being read is never cut.
        tokenizer.truncation_side = "left"
        batch = tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=limit)
        lengths = batch["attention_mask"].sum(1)
        mask = torch.zeros(batch["input_ids"].shape, dtype=torch.float32)
        mask[torch.arange(len(texts)), lengths - 1] = 1
    batch = {k: v.to(device) for k, v in batch.items() if k in ("input_ids", "attention_mask")}
    states = hidden_states(model, batch)
    mask = mask.to(device)
    weights = mask / mask.sum(1, keepdim=True)
    return np.stack([torch.einsum("bt,btf->bf", weights, s.float()).cpu().numpy() for s in states]).astype(np.float32)


def surprisal(model, tokenizer, words, device, limit, stride):
    """Bits per word, with a running context truncated from the left at `limit` tokens."""
    import torch
    if model.config.is_encoder_decoder:
        raise ExtractionError("surprisal needs a causal (decoder-only) language model")
    encoded = tokenizer(words, is_split_into_words=True, add_special_tokens=False)
    tokens, word_of = encoded["input_ids"], encoded.word_ids()
    n = len(tokens)
    bits = np.full(n, np.nan)
    stride = max(1, min(stride, limit - 1))
    scored = 1  # token 0 has no context
    while scored < n:
        end = min(n, scored + stride)
        start = max(0, end - limit)
        ids = torch.tensor([tokens[start:end]], device=device)
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0].float()
        logp = torch.log_softmax(logits, dim=-1)
        for t in range(scored, end):
            bits[t] = -logp[t - start - 1, tokens[t]].item() / math.log(2)
        scored = end
    per_word = np.zeros(len(words))
    for t, w in enumerate(word_of):
        per_word[w] += bits[t]
    for w in range(len(words)):
        if w not in set(word_of):
            per_word[w] = np.nan
    return per_word


# MARK: provenance

# What an existing output must have been made with for a rerun to add to it.
CHECKED = ["model", "model_revision", "benchmark_readout", "dtype", "max_length", "stimuli_sha1", "word_time_sha1", "stride", "readout_rule"]


def fingerprint(ids, texts):
    """sha1 of the stimulus ids and the exact model inputs: equal for two neural files that
    present the same stimuli (the Wehbe subjects), different when a sentence, the order or
    the --window differs."""
    return hashlib.sha1(json.dumps([list(ids), list(texts)], ensure_ascii=False).encode()).hexdigest()


def revision(model):
    """The Hub commit the weights came from; empty when unknown (a local directory)."""
    return str(getattr(model.config, "_commit_hash", None) or "")


def stored_attributes(path):
    """The attributes of an existing output, refusing files this tool did not write."""
    import h5py
    try:
        with h5py.File(path, "r") as f:
            stored = {k: plain(v) for k, v in f.attrs.items()}
    except OSError as error:
        raise ExtractionError(f"{path} exists and is not a netCDF4/HDF5 file ({error}); choose another --output")
    if "model" not in stored or "benchmark_readout" not in stored:
        raise ExtractionError(f"{path} exists and is not an output of extract_activations.py (no 'model' attribute); "
                              "choose another --output")
    return stored


def plain(value):
    """An attribute as written: h5netcdf stores numbers as 1-element arrays, strings maybe as bytes."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    return value.decode() if isinstance(value, bytes) else value


def check_existing(path, requested, neural):
    """Refuses to add to `path` unless it was made with the `requested` attributes (those
    known so far). One line naming the stored and requested model and whatever else differs."""
    stored = stored_attributes(path)
    differing = [key for key in CHECKED if key in requested and str(stored.get(key, "<not recorded>")) != str(requested[key])]
    if not differing:
        return

    def describe(key):
        if key == "stimuli_sha1":
            shown = str(stored[key])[:12] if key in stored else "<not recorded>"
            return (f"stimuli of neural file '{stored.get('neural_file', '?')}' (sha1 {shown}) "
                    f"(requested: '{os.path.basename(neural)}', sha1 {requested[key][:12]})")
        return f"{key} '{stored.get(key, '<not recorded>')}' (requested: '{requested[key]}')"
    items = [f"model '{stored['model']}' (requested: '{requested['model']}')"] + [describe(k) for k in differing if k != "model"]
    raise ExtractionError(f"{path} was extracted with {', '.join(items)}; pass --overwrite to replace it, or choose another --output")


def check_output_location(path, neural, overwrite):
    """Before anything slow: the output's directory exists and can take a new file, the
    output is not a directory, and is not the neural file itself."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(neural):
        raise UsageError(f"{neural}: no such file (--neural)")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory; --output names the file to write")
    if os.path.exists(path) and os.path.samefile(path, neural):
        raise UsageError(f"{path} is the --neural file itself; choose another --output")
    if not os.path.isdir(directory):
        raise UsageError(f"{path}: the output directory {directory} does not exist")
    if (overwrite or not os.path.exists(path)) and not os.access(directory, os.W_OK):
        raise UsageError(f"{path}: the output directory {directory} is not writable")


# MARK: output

def temporary_beside(path):
    """An empty file in the output's directory (so the final rename stays on one file system),
    hidden, named after the output."""
    fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".partial", dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    return temporary


def open_output(path, ids, names, features, attributes, create=False, coordinates=None):
    """Opens (resuming) or creates the output. Returns the file and, for each requested layer,
    its index in the file's `layer` dimension. `create` writes a new file at `path` even if
    one exists there (the --overwrite temporary)."""
    import h5netcdf
    import h5py
    if os.path.exists(path) and not create:
        f = h5netcdf.File(path, "a")
        text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
        stored = [text(v) for v in f.variables["stimulus_id"][:]]
        stored_layers = [text(v) for v in f.variables["layer"][:]]
        missing = [n for n in names if n not in stored_layers]
        if stored != list(ids) or missing or f.variables["activations"].shape[2] != features or "written" not in f.variables:
            f.close()
            reason = f"it lacks layers {', '.join(missing)}" if missing else "its stimuli or width differ"
            raise ExtractionError(f"{path} exists but {reason}; remove it or choose another --output")
        return f, [stored_layers.index(n) for n in names]
    f = h5netcdf.File(path, "w")
    try:
        # Provenance first: a file cut short later still says what it was made from.
        for key, value in attributes.items():
            f.attrs[key] = value
        f.dimensions = {"layer": len(names), "presentation": len(ids), "feature": features}
        f.create_variable("layer", ("layer",), dtype=h5py.string_dtype())[:] = np.array(names, dtype=object)
        f.create_variable("stimulus_id", ("presentation",), dtype=h5py.string_dtype())[:] = np.array(ids, dtype=object)
        f.create_variable("written", ("layer", "presentation"), data=np.zeros((len(names), len(ids)), dtype=np.uint8))
        for name, values in (coordinates or {}).items():
            dtype = h5py.string_dtype() if values.dtype == object else values.dtype
            f.create_variable(name, ("presentation",), dtype=dtype)[:] = values
        acts = f.create_variable("activations", ("layer", "presentation", "feature"), dtype=np.float32,
                                 chunks=(1, min(len(ids), 1024), features), fillvalue=np.nan)
        acts.attrs["coordinates"] = " ".join(["stimulus_id"] + list(coordinates or {}))
    except Exception:
        f.close()
        raise
    return f, list(range(len(names)))


def write_surprisal(path, ids, values, attributes):
    """Written whole to a temporary file beside `path`, then renamed over it: never half a file."""
    import xarray as xr
    ds = xr.Dataset({"surprisal": ("presentation", values)}, coords={"stimulus_id": ("presentation", np.array(ids))},
                    attrs=dict(attributes, units="bits"))
    temporary = temporary_beside(path)
    try:
        ds.to_netcdf(temporary, engine="h5netcdf")
        os.replace(temporary, path)
    except BaseException:
        os.remove(temporary)
        raise


def extract(args, model=None, tokenizer=None, progress=print):
    """Runs one extraction; returns the (loaded) model and tokenizer for the next one."""
    import transformers
    ids, texts, target = stimuli(args.benchmark, args.neural, args.window)
    coordinates = row_coordinates(args.benchmark, args.neural)
    requested = {"model": args.model, "benchmark_readout": args.benchmark, "dtype": args.dtype, "stimuli_sha1": fingerprint(ids, texts)}
    if "word_time" in coordinates:  # the story readout's rows carry their times: a retimed file is another input
        requested["word_time_sha1"] = hashlib.sha1(np.ascontiguousarray(coordinates["word_time"]).tobytes()).hexdigest()
    if target == "word":
        requested["readout_rule"] = WEHBE_RULE
    resume = os.path.exists(args.output) and not args.overwrite
    if resume:  # refuse before the (slow) model load what can be refused already
        check_existing(args.output, requested, args.neural)
    elif os.path.exists(args.output):
        stored_attributes(args.output)  # --overwrite replaces only this tool's outputs
    model, tokenizer = load(args.model, args.device, args.dtype, model, tokenizer, getattr(args, "revision", None))
    limit = args.max_length or max_length(model, tokenizer)
    requested.update(model_revision=revision(model), max_length=limit)
    if target == "surprisal":
        requested["stride"] = args.stride or limit // 2
    if resume:
        check_existing(args.output, requested, args.neural)
    attributes = dict(requested, neural_file=os.path.basename(args.neural), transformers_version=transformers.__version__,
                      created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    if target == "surprisal":
        if resume:  # written whole or not at all, so an output made the same way is complete
            progress(f"{args.output} already holds this surprisal: skipped")
            return model, tokenizer
        write_surprisal(args.output, ids, surprisal(model, tokenizer, texts, args.device, limit, requested["stride"]), attributes)
        progress(f"wrote {args.output}: surprisal of {len(ids)} words")
        return model, tokenizer
    names = readout_layer_names(model, target)
    wanted = list(range(len(names)))
    if args.layers:
        unknown = [n for n in args.layers.split(",") if n not in names]
        if unknown:
            raise ExtractionError(f"unknown layers {', '.join(unknown)}; this model has {', '.join(names)}")
        wanted = [names.index(n) for n in args.layers.split(",")]
    if target == "word":  # a word the readout cannot place stops the run before anything is written
        for word in dict.fromkeys(window[-1] for window in texts):
            word_tokens(tokenizer, word, require=True)
    first = readout_batch(model, tokenizer, texts[:1], target, args.device, limit)
    # --overwrite fills a temporary file and renames it over the old output only once complete.
    destination = temporary_beside(args.output) if args.overwrite and os.path.exists(args.output) else args.output
    try:
        f, slots = open_output(destination, ids, [names[i] for i in wanted], first.shape[2], attributes, create=destination != args.output,
                               coordinates=coordinates)
        try:
            computed = fill(f, slots, wanted, names, ids, texts, target, model, tokenizer, args, limit, progress)
        finally:
            f.close()
        if destination != args.output:
            os.replace(destination, args.output)
    except BaseException:
        if destination != args.output:
            os.remove(destination)
        raise
    if computed:
        progress(f"wrote {args.output}: {len(wanted)} layers x {len(ids)} rows x {first.shape[2]} features")
    else:
        progress(f"nothing to do: {args.output} already holds every requested layer")
    return model, tokenizer


def fill(f, slots, wanted, names, ids, texts, target, model, tokenizer, args, limit, progress):
    """Computes the rows the `written` mask lacks for the requested layers; returns how many."""
    written = f.variables["written"][:]
    pending = [k for k, slot in enumerate(slots) if not written[slot].all()]
    for k, slot in enumerate(slots):
        if k not in pending:
            progress(f"{names[wanted[k]]} already written: skipped")
    todo = [i for i in range(len(ids)) if any(not written[slots[k], i] for k in pending)]
    for start in range(0, len(todo), args.batch_size):
        rows = todo[start:start + args.batch_size]
        block = readout_batch(model, tokenizer, [texts[i] for i in rows], target, args.device, limit)
        for k in pending:
            values = block[wanted[k]]
            if rows == list(range(rows[0], rows[-1] + 1)):
                f.variables["activations"][slots[k], rows[0]:rows[-1] + 1, :] = values
            else:  # resuming: the missing rows may be scattered
                for j, row in enumerate(rows):
                    f.variables["activations"][slots[k], row, :] = values[j]
            f.variables["written"][slots[k], rows] = 1
        f.flush()
        progress(f"{min(start + args.batch_size, len(todo))}/{len(todo)} rows")
    return len(todo)


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="Hugging Face model name or local directory")
    parser.add_argument("--revision", help="Hub revision (branch, tag or commit) to load (default: the newest)")
    parser.add_argument("--benchmark", choices=READOUTS, help="the readout (required unless --jobs)")
    parser.add_argument("--neural", help="the dataset file whose stimuli to read (required unless --jobs)")
    parser.add_argument("--output", help="the file to write (required unless --jobs)")
    parser.add_argument("--jobs", help="a JSON list of extractions of this model, each {\"benchmark\", \"neural\", \"output\"[, \"overwrite\"]}: "
                                       "the model is loaded once; one JSON line per job on stdout ({\"job\", \"status\": done|failed, \"message\"}); "
                                       "exit code 1 if any failed")
    parser.add_argument("--layers", help="comma-separated layer names (default: all)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--window", type=int, default=20, help="wehbe, lebel: words per window (default 20)")
    parser.add_argument("--max-length", type=int, help="context limit in tokens (default: the model's)")
    parser.add_argument("--stride", type=int, help="futrell: tokens scored per window (default: half the context)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing output (of this tool) instead of adding to it; atomic: the old file stays until the new one is complete")
    args = parser.parse_args(argv)
    if not args.jobs:
        missing = [f"--{name}" for name in ("benchmark", "neural", "output") if getattr(args, name) is None]
        if missing:
            parser.error(f"the following arguments are required: {', '.join(missing)} (or --jobs)")
    return args


READOUTS = ["pereira", "blank", "wehbe", "lebel", "futrell"]


def run_jobs(args):
    """Several extractions of one model in one process (the model is loaded once), as
    `brainalign run` drives them. A model that cannot be loaded fails every job with the
    same one-line message; any other failure fails its own job only."""
    try:
        with open(args.jobs) as f:
            jobs = json.load(f)
    except (OSError, ValueError) as error:
        print(f"error: {args.jobs}: cannot read the jobs file: {one_line(error)}", file=sys.stderr)
        return 2
    model = tokenizer = None
    load_error = None
    failed = 0
    for index, job in enumerate(jobs):
        try:
            if load_error is not None:
                raise load_error
            if job.get("benchmark") not in READOUTS:
                raise UsageError(f"job {index}: unknown readout '{job.get('benchmark')}' ({', '.join(READOUTS)})")
            job_args = argparse.Namespace(**dict(vars(args), benchmark=job["benchmark"], neural=job["neural"], output=job["output"],
                                                 overwrite=bool(job.get("overwrite", False)), jobs=None))
            check_output_location(job_args.output, job_args.neural, job_args.overwrite)
            prefix = f"[{job['benchmark']}] "
            model, tokenizer = extract(job_args, model, tokenizer, progress=lambda message: print(prefix + message, file=sys.stderr, flush=True))
            report = {"job": index, "status": "done", "output": job["output"]}
        except LoadError as error:
            load_error = error
            report = {"job": index, "status": "failed", "message": str(error)}
        except ExtractionError as error:
            report = {"job": index, "status": "failed", "message": str(error)}
        except OSError as error:
            report = {"job": index, "status": "failed", "message": f"{error.filename or job.get('output')}: {error.strerror or one_line(error)}"}
        if report["status"] == "failed":
            failed += 1
            print(f"error: {report['message']}", file=sys.stderr, flush=True)
        print(json.dumps(report), flush=True)
    return 1 if failed else 0


def main(argv=None):
    args = parse(argv)
    if args.jobs:
        return run_jobs(args)
    try:
        check_output_location(args.output, args.neural, args.overwrite)
        extract(args, progress=lambda message: print(message, file=sys.stderr))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ExtractionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a file that vanished or cannot be read: one line, not a traceback
        print(f"error: {error.filename or args.output}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
