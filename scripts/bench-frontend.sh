#!/usr/bin/env bash
# Host speed of the front end against librosa, on one core, same samples, same run.
#
# 1. python/bench_librosa.py makes 60 s of pink noise at 16 kHz (int16), times
#    librosa's melspectrogram + power_to_db on it (single-threaded) and saves the samples;
# 2. the criterion benchmark `frontend` times valence-core on those samples;
# 3. prints both throughputs and their ratio (the row for BENCHMARKS.md).
# Both are pinned to CPU 0 with taskset.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup-python.sh
mkdir -p target/bench
pcm="$PWD/target/bench/frontend-pcm.npy"
taskset -c 0 .venv/bin/python python/bench_librosa.py --sr 16000 --n-fft 512 --hop 256 --n-mels 64 \
    --seconds 60 --repeat 7 --write-pcm "$pcm" > target/bench/librosa.json
VALENCE_BENCH_PCM="$pcm" taskset -c 0 cargo bench -p valence-core --bench frontend -- --noplot
.venv/bin/python - <<'PY'
import json, glob
lib = json.load(open("target/bench/librosa.json"))
est = json.load(open(glob.glob("target/criterion/frontend/default_spec_*/new/estimates.json")[0]))
core_s = est["median"]["point_estimate"] / 1e9
secs = lib["seconds_of_audio"]
core_rate = secs / core_s
print(f"librosa {lib['librosa']}: {lib['median_s']*1e3:.1f} ms for {secs:.0f} s of audio "
      f"= {lib['audio_seconds_per_second']:.0f} s of audio per second")
print(f"valence-core: {core_s*1e3:.2f} ms for {secs:.0f} s of audio = {core_rate:.0f} s of audio per second")
print(f"ratio valence-core / librosa: {core_rate / lib['audio_seconds_per_second']:.1f}x")
PY
