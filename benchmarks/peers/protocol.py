"""The measurement protocol shared by the peer scripts: a ratio against a peer is only worth
something when both sides ran on an idle machine, side by side, with known libraries.

- require_idle(): refuses to start (exit 3) when the 1-minute load average is above IDLE_LOAD per
  core or when more than IDLE_SHARE of the machine's CPU time is busy right now (sampled from
  /proc/stat over one second), unless --allow-busy is given; then the result is flagged "busy".
- machine(): CPU model, core count, load averages, the BLAS libraries loaded in this process and the
  kernel they run (threadpoolctl), the Python-side library versions, the causalrec program's BLAS
  kernel (OPENBLAS_CORETYPE or what OpenBLAS reports) — printed and stored with the results.
- shared_data(): writes the arrays the peer times to .npy files in a temporary directory and returns
  the environment that makes the causalrec program read the very same values (instead of generating
  data of the same distribution itself); the files' SHA-256 digests go into the machine record.
- write_json(): one machine-readable result per run (--json PATH): the machine, the protocol, every
  repetition of both sides and the summary rows; docs/benchmarks.md's tables are rendered from these
  files by benchmarks/peers/render_tables.py.
"""
import json
import os
import platform
import statistics
import sys
import time

#: Highest 1-minute load average, per core, at which a measurement may start.
IDLE_LOAD = 0.5
#: Highest share of the machine's CPU time, over a one-second sample, used by other processes.
IDLE_SHARE = 0.2


def add_arguments(ap, default_repeats=5):
    """Adds --repeats, --allow-busy and --json to an argparse parser."""
    ap.add_argument("--repeats", type=int, default=default_repeats,
                    help=f"interleaved repetitions of both sides (default {default_repeats})")
    ap.add_argument("--allow-busy", action="store_true",
                    help="measure even when the machine is busy (results are flagged 'busy')")
    ap.add_argument("--json", default=None, help="write the machine-readable result to this file")


def parse_bench_arguments(doc, program):
    """Parses --bench PROGRAM plus the shared arguments for a peer script whose help text is `doc`,
    then runs the idle check; returns (arguments, idle check)."""
    import argparse
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help=f"path of the {program} program")
    add_arguments(ap)
    args = ap.parse_args()
    return args, require_idle(args.allow_busy)


def benchmark_counter(program, name_filter, counter):
    """Runs a Google Benchmark program on the benchmarks matching name_filter and returns `counter`
    of the first one's iteration row."""
    import subprocess
    out = subprocess.run([program, "--benchmark_format=json", f"--benchmark_filter={name_filter}"], check=True,
                         capture_output=True, text=True).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b["run_type"] == "iteration"]
    return runs[0][counter]


def _cpu_times():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields), idle


def busy_share(seconds=1.0):
    """Share of all cores' time spent busy over `seconds` (this process sleeps meanwhile)."""
    try:
        total0, idle0 = _cpu_times()
        time.sleep(seconds)
        total1, idle1 = _cpu_times()
    except OSError:
        return None
    total = total1 - total0
    return None if total <= 0 else 1.0 - (idle1 - idle0) / total


def require_idle(allow_busy):
    """Returns the idle check as a dict; exits with status 3 when busy unless allow_busy."""
    cores = os.cpu_count() or 1
    load1 = os.getloadavg()[0]
    share = busy_share()
    busy = load1 > IDLE_LOAD * cores or (share is not None and share > IDLE_SHARE)
    check = {"load_average_1min": load1, "cores": cores, "busy_share_1s": share, "busy": busy,
             "thresholds": {"load_per_core": IDLE_LOAD, "busy_share": IDLE_SHARE}}
    if busy:
        share_text = "?" if share is None else f"{100 * share:.0f} %"
        msg = (f"the machine is busy (load average {load1:.2f} on {cores} cores, {share_text} of the CPU busy "
               "over 1 s): a ratio measured now would flatter the side that suffers less from the load")
        if not allow_busy:
            print(f"refused: {msg}; wait, or pass --allow-busy to measure anyway (flagged)", file=sys.stderr)
            sys.exit(3)
        print(f"WARNING: {msg}; results are flagged busy", file=sys.stderr)
    return check


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(ours_program=None):
    """What the results were measured on; printed and stored with them."""
    info = {"cpu": _cpu_model(), "cores": os.cpu_count(), "load_average": list(os.getloadavg()),
            "python": platform.python_version(), "platform": platform.platform()}
    try:
        import threadpoolctl
        info["python_blas"] = [{k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads",
                                                      "filepath")}
                               for p in threadpoolctl.threadpool_info()]
    except Exception as e:  # threadpoolctl missing: say so
        info["python_blas"] = f"unknown ({e})"
    for name in ("numpy", "torch", "scipy", "pandas"):
        module = sys.modules.get(name)
        if module is not None:
            info[name] = getattr(module, "__version__", "?")
    info["causalrec_blas_kernel"] = os.environ.get("OPENBLAS_CORETYPE", "OpenBLAS's own choice (OPENBLAS_CORETYPE unset)")
    if ours_program:
        info["causalrec_program"] = os.path.abspath(ours_program)
    return info


def shared_data(info, variable, **arrays):
    """Saves each array as <name>.npy in a fresh temporary directory (removed when the script exits),
    records the directory and the files' SHA-256 digests in info["shared_data"], and returns a copy of
    os.environ with `variable` pointing at the directory, for the causalrec program."""
    import atexit
    import hashlib
    import shutil
    import tempfile

    import numpy as np
    directory = tempfile.mkdtemp(prefix="causalrec-bench-")
    atexit.register(shutil.rmtree, directory, True)
    digests = {}
    for name, array in arrays.items():
        path = os.path.join(directory, name + ".npy")
        np.save(path, np.ascontiguousarray(array))
        with open(path, "rb") as f:
            digests[name + ".npy"] = hashlib.sha256(f.read()).hexdigest()
    info["shared_data"] = {"variable": variable, "directory": directory, "sha256": digests}
    print(f"shared data: {variable}={directory} ({', '.join(sorted(digests))})", flush=True)
    return dict(os.environ, **{variable: directory})


def print_machine(info, check):
    """Prints the machine and the idle check in a few lines."""
    share = check["busy_share_1s"]
    share_text = "?" if share is None else f"{100 * share:.0f} %"
    flag = " (BUSY)" if check["busy"] else ""
    print(f"machine: {info['cpu']}, {info['cores']} cores; load average {check['load_average_1min']:.2f}, "
          f"{share_text} busy over 1 s{flag}")
    blas = info.get("python_blas")
    if isinstance(blas, list):
        for p in blas:
            print(f"python BLAS: {p.get('internal_api')} {p.get('version')} kernel {p.get('architecture')}, "
                  f"{p.get('num_threads')} thread(s)")
    print(f"causalrec BLAS kernel: {info['causalrec_blas_kernel']}")
    print("versions: " + ", ".join(f"{k} {info[k]}" for k in ("python", "numpy", "torch", "scipy", "pandas") if k in info),
          flush=True)


def summary_row(job, peer_name, reps, unit):
    """The summary of one job from its repetitions [(peer, ours, ratio), ...]: medians and ratio range."""
    ratios = [r[2] for r in reps]
    return {"job": job, "peer": peer_name, "unit": unit, "repetitions": len(reps),
            "peer_median": statistics.median(r[0] for r in reps), "ours_median": statistics.median(r[1] for r in reps),
            "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios)}


def paired_rates(args, info, check, job, label, peer_rate, ours_rate, unit="rounds/s"):
    """Interleaved repetitions of a rate (higher is better) of a NumPy peer and of causalrec: prints
    each repetition and the summary table, writes --json, returns the summary row."""
    rows = []
    for rep in range(args.repeats):
        peer, mine = peer_rate(), ours_rate()
        rows.append({"numpy": peer, "causalrec": mine, "ratio": mine / peer})
        print(f"rep {rep}: {label}: NumPy {peer:,.0f} {unit}, causalrec {mine:,.0f} {unit}, ratio {mine / peer:.2f}", flush=True)
    row = summary_row(job, "NumPy", [(r["numpy"], r["causalrec"], r["ratio"]) for r in rows], unit)
    print(f"\n| job | NumPy (median) | causalrec (median) | ratio (median, min-max) |\n|---|---|---|---|\n"
          f"| {label} | {row['peer_median']:,.0f} {unit} | {row['ours_median']:,.0f} {unit} | **{row['ratio_median']:.1f}x** "
          f"({row['ratio_min']:.1f}-{row['ratio_max']:.1f}) |")
    write_json(args.json, f"{label} vs NumPy", info, check, rows, [row])
    return row


def write_json(path, benchmark, info, check, rows, summary):
    """Writes the machine-readable result of one run."""
    if not path:
        return
    doc = {"benchmark": benchmark, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": info, "idle_check": check,
           "repetitions": rows, "summary": summary}
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"result written to {path}")
