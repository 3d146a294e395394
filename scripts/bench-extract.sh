#!/usr/bin/env bash
# Speed of dataset feature extraction against librosa, on the same samples, in the same run.
#
# 1. python/bench_librosa.py decodes each emoMusic clip (../shared/data/emomusic/audio;
#    without it, 60 s of pink noise) to 16 kHz int16, times librosa's melspectrogram +
#    power_to_db on it single-threaded (pinned to CPU 0), and saves the samples;
# 2. the criterion benchmark `extract` (valence-host/benches/extract.rs) times the core
#    front end + window statistics on those samples on one core and on all cores, and
#    the whole path from the MP3 files (decode, resample, quantise, features);
# 3. prints seconds of audio per second for each and the ratios to librosa.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup-python.sh
out="$PWD/target/bench/extract"
rm -rf "$out" && mkdir -p "$out/pcm"
audio="$(cd .. && pwd)/shared/data/emomusic/audio"
if [[ -d "$audio" ]]; then
    for f in "$audio"/*.mp3; do
        taskset -c 0 .venv/bin/python python/bench_librosa.py --sr 16000 --n-fft 512 --hop 256 \
            --n-mels 64 --audio "$f" --repeat 5 --write-pcm "$out/pcm/$(basename "$f" .mp3).npy" \
            >> "$out/librosa.jsonl"
    done
    export VALENCE_BENCH_AUDIO_DIR="$audio"
else
    echo "bench-extract: $audio not found, using 60 s of pink noise"
    taskset -c 0 .venv/bin/python python/bench_librosa.py --sr 16000 --n-fft 512 --hop 256 \
        --n-mels 64 --seconds 60 --repeat 5 --write-pcm "$out/pcm/pink.npy" > "$out/librosa.jsonl"
fi
VALENCE_BENCH_PCM_DIR="$out/pcm" cargo bench -p valence-host --bench extract -- --noplot
.venv/bin/python - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
runs = [json.loads(l) for l in open(os.path.join(out, "librosa.jsonl"))]
secs = sum(r["seconds_of_audio"] for r in runs)
lib_rate = secs / sum(r["median_s"] for r in runs)
print(f"librosa {runs[0]['librosa']} melspectrogram + power_to_db, one core: "
      f"{secs:.0f} s of audio, {lib_rate:.0f} s of audio per second")
for name in ("one_core", "all_cores", "from_file_one_core"):
    path = f"target/criterion/extract/{name}/new/estimates.json"
    if not os.path.exists(path):
        continue
    t = json.load(open(path))["median"]["point_estimate"] / 1e9
    bench = json.load(open(f"target/criterion/extract/{name}/new/benchmark.json"))
    samples = bench["throughput"]["Elements"]
    rate = samples / 16000 / t
    print(f"valence extract/{name}: {rate:.0f} s of audio per second "
          f"({rate / lib_rate:.1f}x librosa on one core)")
PY
