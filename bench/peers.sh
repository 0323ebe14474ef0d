#!/usr/bin/env bash
# Create bench/.venv-peers with the peer engines; they live apart from ours because HIPS autograd
# is imported as `autograd`, the same name as this project's package.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-peers"
python="${PYTHON:-python3}"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --upgrade pip
# torch is pinned: 2.13.0 is the CPU build; an unpinned torch pulls a multi-GB CUDA build.
"$venv/bin/python" -m pip install numpy threadpoolctl torch==2.13.0
# One package per line so that one that fails to install does not keep the others out.
status=0
# dezero imports matplotlib at import time without declaring it.
for pkg in mygrad "dezero matplotlib" autograd micrograd; do
    "$venv/bin/python" -m pip install $pkg torch==2.13.0 || { echo "peers.sh: $pkg failed to install" >&2; status=1; }
done
"$venv/bin/python" -m pip list
exit "$status"
