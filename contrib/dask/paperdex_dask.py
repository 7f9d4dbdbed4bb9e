#!/usr/bin/env python3
"""Runs `paperdex update` over a Dask cluster.

The fetch, extract and embed stages run as shards (`paperdex fetch --shard I/N`, `paperdex
extract --shard I/N`, and `paperdex embed --shard I/N` when a sentence model is named by
--model or PAPERDEX_MODEL) on the cluster's workers, every worker reaching the same data
directory (a shared file system); then `paperdex index`, run here, merges the shards' work,
finds the citations and builds the index, with nothing left to embed. Usage:

    python3 contrib/dask/paperdex_dask.py --scheduler tcp://127.0.0.1:8786 [--shards N]
        [--paperdex PATH] [--data-dir DIR] [--offline] [--no-ocr] [paperdex options...] update

Options this script does not know (`--catalog DIR`, `--model DIR`, `-q`, ...) are handed to
every paperdex it runs; PAPERDEX_MODEL is handed on as --model, since a worker's environment
is not the driver's. A worker that dies takes its shard to another worker; a shard whose
paperdex exits non-zero is reported, not run again. The exit code is paperdex's own: 0 when
all is well, 1 when a document could not be read or indexed, 2 for bad input. Running the
script again after an interruption finishes the job, since every stage skips the work done.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

# A shard's task is run again on another worker this many times when its worker dies.
RETRIES = 3

# Lines of a shard's standard error shown in the progress, from its end.
TAIL_LINES = 20


def run_shard(argv):
    """Runs one paperdex shard on a worker, and returns its exit code and standard error.

    A non-zero exit is an answer, not a failure of the task: it is returned, so Dask does not
    run the shard again.
    """
    started = time.monotonic()
    done = subprocess.run(
        argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace"
    )
    return {
        "code": done.returncode,
        "stderr": done.stderr,
        "seconds": time.monotonic() - started,
        "host": os.uname().nodename,
    }


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="paperdex_dask.py",
        description="Run paperdex update over a Dask cluster, one shard of the catalog per task.",
        usage="%(prog)s --scheduler ADDRESS [--shards N] [--paperdex PATH] [--data-dir DIR] "
        "[--offline] [--no-ocr] [--rebuild] [paperdex options...] update",
        epilog="Other options are passed to every paperdex run (--catalog DIR, --model DIR, -q).",
    )
    parser.add_argument("--scheduler", required=True, help="the Dask scheduler, e.g. tcp://127.0.0.1:8786")
    parser.add_argument("--shards", type=int, default=None, help="shards per stage [default: the workers' threads]")
    parser.add_argument("--paperdex", default=None, help="the paperdex binary, at the same path on every worker")
    parser.add_argument("--data-dir", default=None, help="the data directory every worker reaches")
    parser.add_argument("--offline", action="store_true", help="no fetch: use the documents present")
    parser.add_argument("--no-ocr", action="store_true", help="do not read scanned PDFs by OCR")
    parser.add_argument("--rebuild", action="store_true", help="build the index anew after the shards")
    # The command closes the line, as in the usage: taken off before the options are read,
    # so that no value of a paperdex option passed through is mistaken for it.
    if "-h" in argv or "--help" in argv:
        parser.parse_args(["--help"])
    if not argv or argv[-1] != "update":
        parser.error("the command, update, must come last")
    args, passed = parser.parse_known_args(argv[:-1])
    if args.shards is not None and args.shards < 1:
        parser.error("--shards must be at least 1")
    return args, passed


def paperdex_binary(args):
    """The paperdex binary as an absolute path, which a worker can run from any folder."""
    name = args.paperdex or shutil.which("paperdex")
    if not name:
        sys.exit("paperdex_dask.py: error: paperdex is not on the PATH; name it with --paperdex")
    path = os.path.abspath(name) if os.sep in name else shutil.which(name) or name
    if not os.access(path, os.X_OK):
        sys.exit(f"paperdex_dask.py: error: {path} is not an executable")
    return path


def note(line):
    print(line, file=sys.stderr, flush=True)


def stage(client, name, commands, retries):
    """Runs the shards of one stage on the cluster, saying how each ends; returns their
    exit codes by shard."""
    from distributed import as_completed

    futures = {}
    for shard, argv in commands:
        # pure=False: a run of the same command again (after an interruption) is new work.
        future = client.submit(run_shard, argv, retries=retries, pure=False, key=f"paperdex-{name}-{shard.replace('/', '-of-')}-{time.time_ns()}")
        futures[future] = shard
    note(f"{name}: {len(futures)} shard{'s' if len(futures) != 1 else ''} submitted")
    codes = {}
    for future in as_completed(futures):
        shard = futures[future]
        try:
            result = future.result()
        except Exception as e:  # the task itself failed: every retry's worker died, say
            note(f"{name} {shard}: could not run: {e}")
            codes[shard] = None
            continue
        codes[shard] = result["code"]
        note(
            f"{name} {shard}: exit {result['code']} after {result['seconds']:.1f}s on "
            f"{result['host']} [{len(codes)}/{len(futures)}]"
        )
        for line in result["stderr"].splitlines()[-TAIL_LINES:]:
            note(f"  {name} {shard}| {line}")
    return codes


def main(argv=None):
    args, passed = parse(sys.argv[1:] if argv is None else argv)
    try:
        from distributed import Client
    except ImportError:
        sys.exit('paperdex_dask.py: error: Dask is not installed: python3 -m pip install "dask[distributed]"')
    binary = paperdex_binary(args)
    common = list(passed)
    if args.data_dir:
        common += ["--data-dir", os.path.abspath(args.data_dir)]
    # Every worker must reach the same catalog and model folders: relative ones are made
    # absolute here.
    for i, arg in enumerate(common):
        if arg in ("--catalog", "--model") and i + 1 < len(common):
            common[i + 1] = os.path.abspath(common[i + 1])
        elif arg.startswith(("--catalog=", "--model=")):
            flag, value = arg.split("=", 1)
            common[i] = f"{flag}={os.path.abspath(value)}"
    model = any(arg == "--model" or arg.startswith("--model=") for arg in common)
    if not model and os.environ.get("PAPERDEX_MODEL"):
        common += ["--model", os.path.abspath(os.environ["PAPERDEX_MODEL"])]
        model = True

    client = Client(args.scheduler)
    try:
        shards = args.shards or max(1, sum(client.nthreads().values()))
        note(f"paperdex_dask: {shards} shard{'s' if shards != 1 else ''} on {len(client.nthreads())} worker{'s' if len(client.nthreads()) != 1 else ''}")
        stages = []
        if not args.offline:
            stages.append(("fetch", []))
        stages.append(("extract", ["--no-ocr"] if args.no_ocr else []))
        if model:
            # Embedding is most of the work once the texts are there: the workers share it too.
            stages.append(("embed", []))
        failed = False
        for name, extra in stages:
            commands = [
                (f"{i}/{shards}", [binary, name, "--shard", f"{i}/{shards}", "--wait", *extra, *common])
                for i in range(1, shards + 1)
            ]
            codes = stage(client, name, commands, RETRIES)
            if any(code == 2 for code in codes.values()):
                note(f"paperdex_dask: {name} refused its options; stopping")
                return 2
            bad = sorted(shard for shard, code in codes.items() if code != 0)
            if name == "fetch":
                # As in `paperdex update`, documents that could not be downloaded are
                # reported, and the run goes on with what there is.
                if bad:
                    note(f"fetch: shards {', '.join(bad)} could not download everything")
            elif bad:
                failed = True
                note(f"{name}: shards {', '.join(bad)} reported failures")
    finally:
        client.close()

    index = [binary, "index", "--wait", *common]
    if args.rebuild:
        index.insert(2, "--rebuild")
    note("paperdex_dask: merging the shards and building the index here")
    code = subprocess.run(index).returncode
    if code != 0:
        return code
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
