#!/usr/bin/env python3
"""Generate the Python data files that the valence pickle/npy readers are tested on.

Two modes:

* default: writes small fixtures into ``valence-host/tests/fixtures/pickles/``
  (or ``--out-dir``) and ``expected.json`` beside them, with the exact values,
  dtypes and shapes Python sees, and the errors the reader must give:

  - ``dtypes_p{0,1,2,3,4,5}.pkl``: a dict of numpy arrays of every numeric
    dtype (float16/32/64, int8-64, uint8-64, bool), little- and big-endian, C
    and Fortran order, 1-D to 3-D, a strided view, an empty array, and a list
    of arrays that share dtype objects through the pickle memo, pickled with
    protocols 2 to 5 (what numpy users write) and 0 and 1 (Python's oldest);
  - ``layout_*.pkl``: the shapes people save (dicts with usual or custom keys,
    ``(X, y)`` tuples, lists of per-clip arrays, lists of dicts and tuples,
    plain Python lists, numpy scalars, ``OrderedDict``, object arrays);
  - ``spectrograms_*.pkl``: mel spectrograms in power and in dB, with the
    per-band statistics computed the device's way (Q8.8 dB, integer sums);
  - ``bad_*.pkl``: files that must be refused or rejected (a pandas
    DataFrame, an unknown class, pickles calling ``os.system``/``eval``/
    ``subprocess``, truncated and corrupt files, label-count mismatches,
    NaN and infinite values);
  - ``npy_*.npy`` and ``npz_*.npz``: ``np.save``, ``np.savez``,
    ``np.savez_compressed``.

* ``--pmemo OUT.pkl``: joins PMEmo's 108 librosa features
  (``gioelson_static_features_librosa.csv``) with the static valence means
  (``gioelson_dataframe.csv``) on ``music_ID`` and pickles
  ``{'features': float64 (n, 108), 'valence': float64 (n,), 'music_id':
  int64 (n,), 'feature_names': [...]}``; writes ``OUT.json`` with the counts
  and some values as Python reads them. The data folder is ``--data-dir``
  (default ``../shared/data`` next to the repository).

Nothing random is unseeded: the fixtures are reproducible.

Usage::

    .venv/bin/python python/make_pickle_fixtures.py [--out-dir DIR]
    .venv/bin/python python/make_pickle_fixtures.py --pmemo OUT.pkl [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "valence-host" / "tests" / "fixtures" / "pickles"

# numpy dtype -> (kind, item size)
DTYPES = ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]


def values_for(code: str, n: int) -> np.ndarray:
    """n values that exercise a dtype: extremes, signs, fractions."""
    dt = np.dtype(code)
    if dt.kind == "f":
        base = [0.0, -1.5, 2.25, 1e-3, -7.0, 100.0, 0.1, -0.333, 65504.0 if dt.itemsize == 2 else 1e30,
                -2.0 ** -14, 3.0, 1234.5]
        return np.array([base[k % len(base)] for k in range(n)]).astype(dt)
    if dt.kind == "b":
        return np.array([k % 3 == 0 for k in range(n)], dtype=dt)
    info = np.iinfo(dt)
    base = [info.min, info.max, 0, 1, 7, -3 if dt.kind == "i" else 3, info.max - 1, 9]
    return np.array([int(base[k % len(base)]) for k in range(n)], dtype=object).astype(dt)


def plain(a: np.ndarray) -> list:
    """Values in C order as JSON-exact Python numbers."""
    flat = np.ascontiguousarray(a).reshape(-1)
    if a.dtype.kind == "f":
        return [float(v) for v in flat]
    return [int(v) for v in flat]


def dtype_name(a: np.ndarray) -> str:
    return a.dtype.name


def describe(a: np.ndarray) -> dict:
    d = {"dtype": dtype_name(a), "shape": list(a.shape), "values": plain(a)}
    if a.dtype.kind == "f":
        # The exact float64 bit patterns, so that no JSON float parsing stands between.
        d["f64_bits"] = [int(b) for b in np.ascontiguousarray(a, dtype="<f8").reshape(-1).view("<u8")]
    return d


def dtype_arrays() -> dict:
    arrays = {}
    for code in DTYPES:
        orders = ["<", ">"] if np.dtype(code).itemsize > 1 else ["|"]
        for e in orders:
            dt = np.dtype(code).newbyteorder(e) if e != "|" else np.dtype(code)
            name = f"{code}{e}"
            arrays[f"{name}_1d"] = values_for(code, 5).astype(dt)
            m = values_for(code, 12).reshape(3, 4).astype(dt)
            arrays[f"{name}_2d"] = m
            arrays[f"{name}_2d_F"] = np.asfortranarray(m)
            c = values_for(code, 24).reshape(2, 3, 4).astype(dt)
            arrays[f"{name}_3d_F"] = np.asfortranarray(c)
    # A strided view (not contiguous) and an empty array.
    base = values_for("f4", 24).reshape(4, 6)
    arrays["f4<_strided"] = base[:, ::2]
    arrays["f8<_empty"] = np.zeros((0, 3))
    # Same dtype object reached through the memo, mixed byte orders.
    return arrays


def write_dtypes(out: Path, expected: dict) -> None:
    arrays = dtype_arrays()
    expected["dtypes"] = {k: describe(v) for k, v in arrays.items()}
    # Lists of arrays sharing dtype objects (memo references), in both byte orders.
    clips = [values_for("f4", 6).reshape(2, 3).astype(">f4"), values_for("f4", 4).reshape(2, 2),
             values_for("f4", 8).reshape(2, 4).astype(">f4"), values_for("i8", 2).reshape(2, 1)]
    expected["dtype_clips"] = [describe(c) for c in clips]
    for proto in (0, 1, 2, 3, 4, 5):
        payload = dict(arrays)
        payload["clips"] = clips
        (out / f"dtypes_p{proto}.pkl").write_bytes(pickle.dumps(payload, protocol=proto))


class Recording:
    """A user class: the reader must name it and refuse to guess."""

    def __init__(self, samples):
        self.samples = samples


class Evil:
    """Pickles to a call of `func(*args)` when loaded by Python."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def case(expected: dict, name: str, obj, proto: int = 4, keys=None, **want) -> None:
    path = expected["_out"] / f"{name}.pkl"
    path.write_bytes(pickle.dumps(obj, protocol=proto))
    expected["layout"].append({"file": path.name, "keys": keys or {}, **want})


def xm(a: np.ndarray) -> dict:
    return {"x_kind": "matrix", "x": describe(a)}


def xc(clips) -> dict:
    return {"x_kind": "clips", "x_clips": [describe(c) for c in clips]}


def yv(a) -> dict:
    return {"y": describe(np.asarray(a) if not isinstance(a, np.ndarray) else a)}


def write_layouts(expected: dict) -> None:
    expected["layout"] = []
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 3)).astype(np.float32)
    ratings = np.array([1, 9, 5, 3, 7, 2], dtype=np.int64)
    case(expected, "layout_dict_features_labels", {"features": X, "labels": ratings},
         x_key="features", y_key="labels", **xm(X), **yv(ratings))
    case(expected, "layout_dict_X_y_p2", {"X": X.astype(np.float64), "y": ratings.astype(np.float64) / 10},
         proto=2, x_key="X", y_key="y", **xm(X.astype(np.float64)), **yv(ratings.astype(np.float64) / 10))
    case(expected, "layout_dict_custom_keys", {"inputs_v2": X, "score": ratings.astype(np.int32), "notes": "x"},
         keys={"x_key": "inputs_v2", "y_key": "score"}, x_key="inputs_v2", y_key="score",
         **xm(X), **yv(ratings.astype(np.int32)))
    case(expected, "layout_tuple_xy_p2", (X, ratings), proto=2, **xm(X), **yv(ratings))
    case(expected, "layout_list_xy", [X, ratings], **xm(X), **yv(ratings))
    clips = [rng.normal(size=(8, n)).astype(np.float32) for n in (5, 7, 3)]
    val = [0.25, -0.5, 0.75]
    case(expected, "layout_dict_mel_valence", {"mel": clips, "valence": val},
         x_key="mel", y_key="valence", **xc(clips), **yv(np.array(val)))
    case(expected, "layout_list_of_clips_p5", clips, proto=5, **xc(clips))
    case(expected, "layout_list_of_dicts", [{"x": c, "valence": v} for c, v in zip(clips, val)],
         x_key="x", y_key="valence", **xc(clips), **yv(np.array(val)))
    case(expected, "layout_list_of_tuples_p3", [(c, r) for c, r in zip(clips, [3, 8, 5])], proto=3,
         **xc(clips), **yv(np.array([3, 8, 5], dtype=np.int64)))
    rows = [[1.0, 2.5, -3.0], [4.0, 5.0, 6.125]]
    case(expected, "layout_plain_lists", {"X": rows, "y": [1, 2]}, x_key="X", y_key="y",
         **xm(np.array(rows)), **yv(np.array([1, 2], dtype=np.int64)))
    scalars = [np.float32(0.5), np.float32(-1.25), np.float32(2.0), np.float32(0.0), np.float32(1.0),
               np.float32(3.5)]
    case(expected, "layout_numpy_scalars", {"X": X, "y": scalars}, x_key="X", y_key="y",
         **xm(X), **yv(np.array(scalars, dtype=np.float32)))
    case(expected, "layout_ordered_dict", collections.OrderedDict([("spectrograms", clips), ("labels", val)]),
         x_key="spectrograms", y_key="labels", **xc(clips), **yv(np.array(val)))
    obj = np.empty(3, dtype=object)
    for k, c in enumerate(clips):
        obj[k] = c
    case(expected, "layout_object_array", {"X": obj, "y": np.array(val)}, x_key="X", y_key="y",
         **xc(clips), **yv(np.array(val)))
    stacked = rng.normal(size=(4, 8, 5)).astype(np.float32)
    case(expected, "layout_3d_matrix", {"features": stacked}, x_key="features", **xm(stacked))
    case(expected, "layout_bare_array_p2", X, proto=2, **xm(X))
    extras = {"X": X, "y": ratings, "names": np.array(["tempo", "energy", "mode"]), "sr": 22050,
              "config": {"n_mels": 128}, "when": None}
    case(expected, "layout_dict_with_extras", extras, x_key="X", y_key="y", **xm(X), **yv(ratings))
    col = ratings.reshape(-1, 1).astype(np.uint8)
    case(expected, "layout_column_labels", {"X": X, "y": col}, x_key="X", y_key="y",
         **xm(X), **yv(col.reshape(-1)))


def error_case(expected: dict, name: str, data: bytes, contains, keys=None) -> None:
    path = expected["_out"] / f"{name}.pkl"
    path.write_bytes(data)
    expected["errors"].append({"file": path.name, "keys": keys or {}, "contains": contains})


def write_errors(expected: dict) -> None:
    import pandas as pd

    expected["errors"] = []
    df = pd.DataFrame({"tempo": [120.0, 90.0], "valence": [0.5, 0.25]})
    error_case(expected, "bad_dataframe", pickle.dumps(df, protocol=4), ["pandas.DataFrame", "to_numpy()"])
    error_case(expected, "bad_dict_with_dataframe", pickle.dumps({"features": df, "labels": [1, 2]}, protocol=2),
               ["features[\"features\"]", "DataFrame", "to_numpy()"])
    error_case(expected, "bad_series_labels",
               pickle.dumps({"X": np.zeros((2, 2)), "y": df["valence"]}, protocol=4),
               ["labels[\"y\"]", "Series", "to_numpy()"])
    error_case(expected, "bad_unknown_class", pickle.dumps([Recording(np.zeros(3))], protocol=4),
               ["__main__.Recording", "dict(obj)"])
    error_case(expected, "bad_os_system", pickle.dumps(Evil(os.system, ("echo pwned",)), protocol=2),
               ["refused", "system", "nothing was run"])
    error_case(expected, "bad_eval", pickle.dumps({"X": Evil(eval, ("1+1",))}, protocol=4),
               ["refused", "builtins.eval", "nothing was run"])
    error_case(expected, "bad_subprocess", pickle.dumps(Evil(subprocess.check_output, (["id"],)), protocol=5),
               ["refused", "subprocess.check_output"])
    good = pickle.dumps({"X": np.arange(12.0).reshape(3, 4), "y": np.arange(3.0)}, protocol=4)
    error_case(expected, "bad_truncated", good[: len(good) // 2], ["truncated"])
    error_case(expected, "bad_corrupt", bytes(np.random.default_rng(1).integers(0, 256, 64, dtype=np.uint8)),
               ["not a pickle"])
    error_case(expected, "bad_not_a_pickle", b"music_ID,valence\n1,0.5\n", ["not a pickle"])
    error_case(expected, "bad_label_count", pickle.dumps({"X": np.zeros((5, 3)), "y": np.zeros(4)}, protocol=4),
               ["5 examples", "4 labels"])
    nan_x = np.zeros((5, 3))
    nan_x[3, 1] = np.nan
    error_case(expected, "bad_nan_features", pickle.dumps({"X": nan_x, "y": np.zeros(5)}, protocol=4),
               ["example 3", "NaN"])
    inf_y = np.zeros(5, dtype=np.float32)
    inf_y[2] = np.inf
    error_case(expected, "bad_inf_labels", pickle.dumps({"X": np.zeros((5, 3)), "y": inf_y}, protocol=2),
               ["label 2", "inf"])
    nan_clip = [np.zeros((4, 3), np.float32), np.zeros((4, 5), np.float32)]
    nan_clip[1][2, 4] = np.nan
    error_case(expected, "bad_nan_clip", pickle.dumps({"mel": nan_clip}, protocol=4), ["clip 1", "NaN"])
    error_case(expected, "bad_no_known_keys", pickle.dumps({"a": np.zeros((2, 2)), "b": np.zeros(2)}, protocol=4),
               ["--x-key", "\"a\""])
    error_case(expected, "bad_missing_key", pickle.dumps({"X": np.zeros((2, 2))}, protocol=4),
               ["no key \"feats\""], keys={"x_key": "feats"})
    error_case(expected, "bad_strings", pickle.dumps({"X": np.array([["a", "b"]]), "y": [1]}, protocol=4),
               ["features[\"X\"]", "not a number type"])
    error_case(expected, "bad_complex", pickle.dumps({"X": np.zeros((2, 2), np.complex64)}, protocol=4),
               ["features[\"X\"]", "complex"])
    error_case(expected, "bad_1d_features", pickle.dumps({"X": np.zeros(4), "y": np.zeros(4)}, protocol=4),
               ["1-D"])


def power_to_db_q88(S: np.ndarray) -> np.ndarray:
    """librosa.power_to_db(S, ref=1, amin=1e-10, top_db=None), quantised to Q8.8 (halves away from 0)."""
    import librosa

    db = librosa.power_to_db(S.astype(np.float64), ref=1.0, amin=1e-10, top_db=None)
    return db, q88(db)


def q88(db: np.ndarray) -> np.ndarray:
    x = db * 256.0
    return np.clip(np.sign(x) * np.floor(np.abs(x) + 0.5), -32768, 32767).astype(np.int64)


def device_stats(q: np.ndarray) -> list:
    """Per-band mean then std over frames (axis 1), the core's integer rounding, in dB."""
    n = q.shape[1]
    means, stds = [], []
    for band in q:
        s = int(band.sum())
        ss = int((band * band).sum())
        twice = 2 * s + (n if s >= 0 else -n)
        # Integer division truncating toward zero, as Rust's i64 division.
        m = abs(twice) // (2 * n) * (1 if twice >= 0 else -1)
        root = math.isqrt(n * ss - s * s)
        means.append(m / 256.0)
        stds.append(((root + n // 2) // n) / 256.0)
    return means + stds


def write_spectrograms(expected: dict, out: Path) -> None:
    rng = np.random.default_rng(7)
    n_mels = 16
    power = []
    for frames in (40, 57, 23):
        # Loud low bands, quiet high bands, some exact zeros (floored at -100 dB).
        scale = np.logspace(2, -6, n_mels)[:, None]
        s = (rng.gamma(2.0, 1.0, size=(n_mels, frames)) * scale).astype(np.float32)
        s[-1, :3] = 0.0
        power.append(s)
    labels = [0.1, 0.5, 0.9]
    stats, float_stats = [], []
    db_clips = []
    for s in power:
        db, q = power_to_db_q88(s)
        stats.append(device_stats(q))
        float_stats.append(list(db.mean(axis=1)) + list(db.std(axis=1)))
        db_clips.append(db.astype(np.float32))
    (out / "spectrograms_power.pkl").write_bytes(pickle.dumps({"mel": power, "valence": labels}, protocol=4))
    # The same in dB, transposed to (frames, n_mels).
    db_t = [d.T.copy() for d in db_clips]
    (out / "spectrograms_db_frames_by_mels.pkl").write_bytes(
        pickle.dumps({"spectrograms": db_t, "valence": labels}, protocol=2))
    db_stats = [device_stats(q88(d.astype(np.float64))) for d in db_clips]
    expected["spectrograms"] = {
        "n_mels": n_mels,
        "power_file": "spectrograms_power.pkl",
        "db_file": "spectrograms_db_frames_by_mels.pkl",
        "power_stats": stats,
        "labels": labels,
        "db_stats": db_stats,
        "librosa_float_stats": [[float(v) for v in f] for f in float_stats],
    }


def write_npy(expected: dict, out: Path) -> None:
    rng = np.random.default_rng(11)
    X = rng.normal(size=(5, 4)).astype(np.float32)
    y = np.array([1, 4, 9, 2, 6], dtype=np.int64)
    np.save(out / "npy_features_f4.npy", X)
    fortran_be = np.asfortranarray(values_for("i2", 24).reshape(2, 3, 4).astype(">i2"))
    np.save(out / "npy_fortran_i2_big.npy", fortran_be)
    np.savez(out / "npz_savez.npz", X=X, y=y)
    np.savez_compressed(out / "npz_compressed.npz", features=X.astype(np.float64), valence=y / 10)
    np.savez(out / "npz_positional.npz", X, y)
    expected["npy"] = {
        "npy_features_f4.npy": describe(X),
        "npy_fortran_i2_big.npy": describe(fortran_be),
    }
    expected["npz"] = {
        "npz_savez.npz": {"x_key": "X", "y_key": "y", "x": describe(X), "y": describe(y)},
        "npz_compressed.npz": {"x_key": "features", "y_key": "valence", "x": describe(X.astype(np.float64)),
                               "y": describe(y / 10)},
        "npz_positional.npz": {"x_key": None, "y_key": None, "x": describe(X), "y": describe(y)},
    }


def write_fixtures(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        if old.suffix in {".pkl", ".npy", ".npz", ".json"}:
            old.unlink()
    expected = {"_out": out, "numpy": np.__version__}
    write_dtypes(out, expected)
    write_layouts(expected)
    write_errors(expected)
    write_spectrograms(expected, out)
    write_npy(expected, out)
    import pandas as pd

    expected["pandas"] = pd.__version__
    del expected["_out"]
    (out / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {len(list(out.iterdir()))} files ({total} bytes) to {out}")


def write_pmemo(out_pkl: Path, data_dir: Path) -> None:
    import pandas as pd

    pmemo = data_dir / "pmemo"
    feats = pd.read_csv(pmemo / "gioelson_static_features_librosa.csv")
    labels = pd.read_csv(pmemo / "gioelson_dataframe.csv")[["music_ID", "valence(mean)"]]
    joined = feats.merge(labels, on="music_ID", how="inner").sort_values("music_ID")
    names = [c for c in feats.columns if c != "music_ID"]
    X = joined[names].to_numpy(dtype=np.float64)
    y = joined["valence(mean)"].to_numpy(dtype=np.float64)
    ids = joined["music_ID"].to_numpy(dtype=np.int64)
    with open(out_pkl, "wb") as f:
        pickle.dump({"features": X, "valence": y, "music_id": ids, "feature_names": names}, f, protocol=4)
    summary = {
        "n_feature_rows": int(len(feats)),
        "n_label_rows": int(len(labels)),
        "n_joined": int(len(joined)),
        "n_features": len(names),
        "first_id": int(ids[0]),
        "first_row": [float(v) for v in X[0]],
        "last_row": [float(v) for v in X[-1]],
        "first_labels": [float(v) for v in y[:5]],
        "first_row_bits": [int(b) for b in X[0].view("<u8")],
        "last_row_bits": [int(b) for b in X[-1].view("<u8")],
        "first_labels_bits": [int(b) for b in y[:5].view("<u8")],
        "last_id": int(ids[-1]),
        "label_sum": float(y.sum()),
        "label_mean": float(y.mean()),
        "feature_sum": float(X.sum()),
    }
    out_pkl.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"wrote {out_pkl}: {len(joined)} songs x {len(names)} features")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--pmemo", type=Path, help="write the PMEmo features+valence pickle here")
    ap.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    if args.pmemo:
        write_pmemo(args.pmemo, args.data_dir)
    else:
        write_fixtures(args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
