#!/usr/bin/env bash
# Host speed of the front end against librosa, on one core, same samples, same run.
#
# 1. python/bench_librosa.py makes 60 s of pink noise at 16 kHz (int16), times
#    librosa's melspectrogram + power_to_db on it (single-threaded) and saves the samples;
# 2. the criterion benchmark `frontend` (valence-host) times on those samples the
#    core's streaming path (the device's code, one frame at a time) and the clip
#    path that `valence mel` and feature extraction use: frames side by side on
#    each vector unit the CPU has;
# 3. prints the throughputs and their ratios to librosa (the rows for BENCHMARKS.md).
# Both are pinned to CPU 0 with taskset.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup-python.sh
mkdir -p target/bench
pcm="$PWD/target/bench/frontend-pcm.npy"
taskset -c 0 .venv/bin/python python/bench_librosa.py --sr 16000 --n-fft 512 --hop 256 --n-mels 64 \
    --seconds 60 --repeat 7 --write-pcm "$pcm" > target/bench/librosa.json
VALENCE_BENCH_PCM="$pcm" taskset -c 0 cargo bench -p valence-host --bench frontend -- --noplot
.venv/bin/python - <<'PY'
import json, glob
lib = json.load(open("target/bench/librosa.json"))
secs = lib["seconds_of_audio"]
print(f"librosa {lib['librosa']}: {lib['median_s']*1e3:.1f} ms for {secs:.0f} s of audio "
      f"= {lib['audio_seconds_per_second']:.0f} s of audio per second")
runs = [("streaming (device code)", "target/criterion/frontend/streaming_*")]
runs += [(f"clip path, {unit}", f"target/criterion/frontend/{unit}_*")
         for unit in ("avx512", "avx2", "baseline")]
for name, pattern in runs:
    found = glob.glob(pattern + "/new/estimates.json")
    if not found:
        continue
    est = json.load(open(found[0]))
    s = est["median"]["point_estimate"] / 1e9
    rate = secs / s
    print(f"valence {name}: {s*1e3:.2f} ms for {secs:.0f} s of audio = {rate:.0f} s of audio per second, "
          f"{rate / lib['audio_seconds_per_second']:.1f}x librosa")
PY
