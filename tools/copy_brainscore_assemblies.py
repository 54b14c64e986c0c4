#!/usr/bin/env python3
"""Copy the Brain-Score language assemblies (Pereira2018, Blank2014, Futrell2018) from the
BrainIO cache into a data folder, under their own file names (assy_Pereira2018_language.nc,
assy_Blank2014_fROI.nc, assy_Futrell2018.nc).

The cache is $BRAINIO_HOME, else ~/.brainio (what brainio uses); a file may sit in a folder
named after the assembly or after its sha1 (`<cache>/<folder>/assy_*.nc`), or deeper. Only
the standard library is used, so this runs outside Brain-Score's own environment.

Never silently wrong, never destructive: two different cached files for one assembly are an
error naming both; an existing destination that is the same file (size and sha1) is left as
it is; a different one is refused unless --overwrite; every copy goes to a hidden temporary
file beside the destination and is renamed into place only once complete.

    python3 tools/copy_brainscore_assemblies.py --output data [--cache ~/.brainio] [Pereira2018 Blank2014 Futrell2018]
"""
import argparse
import hashlib
import os
import shutil
import sys
import tempfile

# Assembly -> the file-name stem its cached file starts with.
ASSEMBLIES = {
    "Pereira2018": "assy_Pereira2018_language",
    "Blank2014": "assy_Blank2014_fROI",
    "Futrell2018": "assy_Futrell2018",
}


class CopyError(Exception):
    pass


def cache_directory(given=None, environ=os.environ):
    """The BrainIO cache: --cache, else $BRAINIO_HOME, else ~/.brainio."""
    return os.path.abspath(os.path.expanduser(given or environ.get("BRAINIO_HOME") or "~/.brainio"))


def sha1(path):
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find(cache, name):
    """The cached file of assembly `name`; refuses none, or several that differ."""
    stem = ASSEMBLIES[name]
    found = []
    for directory, _, files in os.walk(cache):
        for file in files:
            # assy_Futrell2018.nc, not assy_Futrell2018_extra.nc (another assembly).
            if file == f"{stem}.nc" or (file.startswith(stem + ".") and file.endswith(".nc")):
                found.append(os.path.join(directory, file))
    if not found:
        raise CopyError(f"{name}: no {stem}.nc under {cache} (download it first: brainscore_language.load_dataset)")
    distinct = {}
    for path in sorted(found):
        distinct.setdefault((os.path.getsize(path), sha1(path)), path)
    if len(distinct) > 1:
        raise CopyError(f"{name}: {len(distinct)} different cached files: {', '.join(sorted(distinct.values()))}; remove the stale one")
    return next(iter(distinct.values()))


def copy(source, destination, overwrite=False):
    """Copies atomically; returns 'copied', 'unchanged' (the same file is there already)."""
    if os.path.isdir(destination):
        raise CopyError(f"{destination} is a directory")
    if os.path.exists(destination):
        if os.path.getsize(destination) == os.path.getsize(source) and sha1(destination) == sha1(source):
            return "unchanged"
        if not overwrite:
            raise CopyError(f"{destination} exists and differs from {source}; pass --overwrite to replace it")
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(destination)}.", suffix=".partial", dir=os.path.dirname(destination))
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, destination)
    except BaseException:
        os.remove(temporary)
        raise
    return "copied"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=list(ASSEMBLIES), help=f"assemblies to copy (default: {' '.join(ASSEMBLIES)})")
    parser.add_argument("--cache", help="the BrainIO cache (default: $BRAINIO_HOME, else ~/.brainio)")
    parser.add_argument("--output", required=True, help="the data folder (created if missing)")
    parser.add_argument("--overwrite", action="store_true", help="replace destinations that differ")
    args = parser.parse_args(argv)
    cache = cache_directory(args.cache)
    try:
        unknown = [n for n in args.names if n not in ASSEMBLIES]
        if unknown:
            raise CopyError(f"unknown assembly {', '.join(unknown)} (known: {', '.join(ASSEMBLIES)})")
        if not os.path.isdir(cache):
            raise CopyError(f"{cache}: no BrainIO cache there (set --cache or BRAINIO_HOME)")
        if os.path.exists(args.output) and not os.path.isdir(args.output):
            raise CopyError(f"{args.output} exists and is not a folder")
        sources = {name: find(cache, name) for name in args.names}  # all found before anything is copied
        os.makedirs(args.output, exist_ok=True)
        for name, source in sources.items():
            destination = os.path.join(args.output, os.path.basename(source))
            print(f"{name}: {copy(source, destination, args.overwrite)} {source} -> {destination}")
    except (CopyError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
