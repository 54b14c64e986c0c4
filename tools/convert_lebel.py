#!/usr/bin/env python3
"""Convert one subject of LeBel et al. 2023 (OpenNeuro ds003020, the `derivative` folder)
into BrainAlign's story layout (docs/formats.md), one netCDF4 file per subject.

Reads, under DERIVATIVE (ds003020/derivative):
  preprocessed_data/<subject>/<story>.hf5   dataset `resp` (TR x voxel, float32), as shipped:
                                            the story's TRs [5+trim : -trim] (trim 5)
  TextGrids/<story>.TextGrid                word timings (the word tier)
  respdict.json (optional)                  story -> TR count of the published TR grid; when
                                            present each story's resp must match it

Writes, rows = every TR of each story's grid (the shipped TRs plus the trimmed ones, NaN):
  data (tr, voxel) float32, chunked in column slabs (all TRs x --slab voxels)
  story (tr), tr_time (tr)     seconds on the TextGrid clock, TR centres as the Huth lab's
                               pipeline sets them: i * TR - START + TR / 2 for TR i of
                               N = rows(resp) + HEAD + TAIL (their simulated TR files)
  word (word), word_story (word), word_time (word)
                               the words of the word tier, stories in file order, without
                               the pipeline's non-words (sentence_start, sentence_end, br,
                               lg, ls, ns, sp) and empty intervals; word_time = the middle
                               of the word's interval
  attributes subject, tr_seconds, trimmed_head, trimmed_tail, source

The story list is --stories (comma-separated, or @FILE with one per line) or every .hf5 of
the subject, sorted. The output appears whole (written beside it, then renamed) or not at
all; an existing output is refused unless --overwrite. Bad input is one line on stderr
naming the file, exit code 2.

    python3 tools/convert_lebel.py --derivative ds003020/derivative --subject UTS03 --output UTS03.nc
"""
import argparse
import json
import os
import re
import sys
import tempfile

import numpy as np

NON_WORDS = frozenset(["sentence_start", "sentence_end", "br", "lg", "ls", "ns", "sp"])


class ConversionError(Exception):
    pass


def read_textgrid(path):
    """Tiers of a Praat TextGrid (long text format) as {name: [(start, end, text)]}, in order."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as error:
        raise ConversionError(f"{path}: cannot read the TextGrid ({error.strerror})")
    if 'File type = "ooTextFile"' not in text or "item [" not in text:
        raise ConversionError(f"{path}: not a Praat TextGrid in long text format (File type = \"ooTextFile\" with item [...] tiers)")
    tiers = {}
    for block in re.split(r"\n\s*item \[\d+\]:", text)[1:]:
        name = re.search(r'name = "([^"]*)"', block)
        intervals = re.findall(r'intervals \[\d+\]:\s*xmin = ([-\d.eE+]+)\s*xmax = ([-\d.eE+]+)\s*text = "((?:[^"]|"")*)"', block)
        if name:
            tiers[name.group(1)] = [(float(a), float(b), t.replace('""', '"')) for a, b, t in intervals]
    if not tiers:
        raise ConversionError(f"{path}: no tiers found")
    return tiers


def words_of(path):
    """(texts, mid times) of the word tier: the tier named word(s), else the second tier."""
    tiers = read_textgrid(path)
    names = list(tiers)
    name = next((n for n in names if n.lower() in ("word", "words")), names[1] if len(names) > 1 else None)
    if name is None:
        raise ConversionError(f"{path}: no word tier (tiers: {', '.join(names)})")
    kept = [(s, e, t.strip()) for s, e, t in tiers[name] if t.strip() and t.lower().strip("{}").strip() not in NON_WORDS]
    if not kept:
        raise ConversionError(f"{path}: the word tier '{name}' has no words")
    times = np.array([(s + e) / 2 for s, e, _ in kept])
    if np.any(np.diff(times) < 0):
        bad = int(np.nonzero(np.diff(times) < 0)[0][0]) + 1
        raise ConversionError(f"{path}: word times are not increasing (word {bad} '{kept[bad][2]}' at {times[bad]:.3f} s after {times[bad - 1]:.3f} s)")
    return [t for _, _, t in kept], times


def read_resp(path):
    import h5py
    try:
        with h5py.File(path, "r") as f:
            if "resp" not in f:
                raise ConversionError(f"{path}: no dataset 'resp' (has: {', '.join(f.keys())})")
            resp = f["resp"]
            if resp.ndim != 2:
                raise ConversionError(f"{path}: 'resp' has shape {resp.shape}; expected (TR, voxel)")
            return np.asarray(resp[...], dtype=np.float32)
    except OSError as error:
        raise ConversionError(f"{path}: cannot read as HDF5 ({error})")


def story_list(args, folder):
    if args.stories:
        if args.stories.startswith("@"):
            with open(args.stories[1:]) as f:
                return [line.strip() for line in f if line.strip()]
        return [s for s in args.stories.split(",") if s]
    if not os.path.isdir(folder):
        raise ConversionError(f"{folder}: no such folder (the subject's preprocessed responses)")
    stories = sorted(n[:-4] for n in os.listdir(folder) if n.endswith(".hf5"))
    if not stories:
        raise ConversionError(f"{folder}: no .hf5 response files")
    return stories


def convert(args):
    folder = os.path.join(args.derivative, "preprocessed_data", args.subject)
    stories = story_list(args, folder)
    if len(set(stories)) != len(stories):
        raise ConversionError(f"--stories names a story twice: {', '.join(sorted(s for s in set(stories) if stories.count(s) > 1))}")
    respdict_path = os.path.join(args.derivative, "respdict.json")
    respdict = None
    if os.path.exists(respdict_path):
        with open(respdict_path) as f:
            respdict = json.load(f)
    head, tail = args.trim_head, args.trim_tail
    blocks, labels, times, words, word_story, word_time = [], [], [], [], [], []
    voxels = None
    for story in stories:
        path = os.path.join(folder, f"{story}.hf5")
        if not os.path.exists(path):
            raise ConversionError(f"{path}: no such response file (story '{story}')")
        resp = read_resp(path)
        if voxels is None:
            voxels = resp.shape[1]
        elif resp.shape[1] != voxels:
            raise ConversionError(f"{path}: 'resp' has {resp.shape[1]} voxels; earlier stories have {voxels}")
        n = resp.shape[0] + head + tail
        if respdict is not None:
            if story not in respdict:
                raise ConversionError(f"{respdict_path}: no entry for story '{story}'")
            # The published TR grid has respdict - pad TRs (pad 5), of which [head:-tail] are shipped.
            if int(respdict[story]) - args.pad != n:
                raise ConversionError(f"{path}: 'resp' has {resp.shape[0]} TRs but {respdict_path} gives {respdict[story]} for '{story}' (expected {n + args.pad} = TRs + {head} + {tail} + {args.pad})")
        grid = np.arange(n) * args.tr - args.start_time + args.tr / 2
        full = np.full((n, voxels), np.nan, dtype=np.float32)
        full[head:n - tail] = resp
        blocks.append(full)
        labels += [story] * n
        times.append(grid)
        texts, mids = words_of(os.path.join(args.derivative, "TextGrids", f"{story}.TextGrid"))
        words += texts
        word_story += [story] * len(texts)
        word_time.append(mids)
    return np.vstack(blocks), labels, np.concatenate(times), words, word_story, np.concatenate(word_time), stories


def write(args, data, labels, times, words, word_story, word_time):
    import xarray as xr
    ds = xr.Dataset(
        {"data": (("tr", "voxel"), data)},
        coords={"story": ("tr", np.array(labels, dtype=object)), "tr_time": ("tr", times),
                "voxel_index": ("voxel", np.arange(data.shape[1], dtype=np.int64)),
                "word": ("word", np.array(words, dtype=object)), "word_story": ("word", np.array(word_story, dtype=object)),
                "word_time": ("word", word_time)},
        attrs={"subject": args.subject, "tr_seconds": args.tr, "trimmed_head": args.trim_head, "trimmed_tail": args.trim_tail,
               "source": "LeBel et al. 2023 (OpenNeuro ds003020) derivative/preprocessed_data, converted by tools/convert_lebel.py"})
    slab = min(args.slab, data.shape[1])
    encoding = {"data": {"chunksizes": (data.shape[0], slab), "zlib": True, "complevel": 4, "shuffle": True, "_FillValue": np.float32(np.nan)}}
    directory = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(directory):
        raise ConversionError(f"{args.output}: the directory {directory} does not exist")
    fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(args.output)}.", suffix=".partial", dir=directory)
    os.close(fd)
    try:
        ds.to_netcdf(temporary, engine="netcdf4", encoding=encoding)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 is for the partial file only
        os.replace(temporary, args.output)
    except BaseException:
        os.remove(temporary)
        raise


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--derivative", required=True, help="ds003020/derivative")
    parser.add_argument("--subject", required=True, help="e.g. UTS03")
    parser.add_argument("--output", required=True)
    parser.add_argument("--stories", help="comma-separated stories, or @FILE (default: every .hf5 of the subject)")
    parser.add_argument("--tr", type=float, default=2.0, help="seconds per TR of the published grid (default 2.0)")
    parser.add_argument("--start-time", type=float, default=10.0, help="sound start on the TR clock (default 10 s)")
    parser.add_argument("--trim-head", type=int, default=10, help="TRs before the shipped ones (5 + trim 5; default 10)")
    parser.add_argument("--trim-tail", type=int, default=5, help="TRs after them (trim 5; default 5)")
    parser.add_argument("--pad", type=int, default=5, help="respdict's extra TRs (default 5)")
    parser.add_argument("--slab", type=int, default=1024, help="voxels per stored chunk (default 1024)")
    parser.add_argument("--overwrite", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    try:
        if os.path.exists(args.output) and not args.overwrite:
            raise ConversionError(f"{args.output} already exists; use --overwrite to replace it")
        data, labels, times, words, word_story, word_time, stories = convert(args)
        write(args, data, labels, times, words, word_story, word_time)
    except ConversionError as error:
        print(f"convert_lebel.py: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}: {len(stories)} stories, {data.shape[0]} TRs x {data.shape[1]} voxels, {len(words)} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
