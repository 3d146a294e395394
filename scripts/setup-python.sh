#!/usr/bin/env bash
# Create or refresh the Python reference environment (.venv at the repository
# root) used to generate front-end fixtures and to run the librosa oracle.
#
# - Creates .venv with `python3 -m venv` if .venv/bin/python is missing.
# - Installs python/requirements.txt only when that file changed since the
#   last successful install (tracked by .venv/.requirements.sha256).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${script_dir}/.." && pwd)"
venv="${root}/.venv"
req="${root}/python/requirements.txt"
stamp="${venv}/.requirements.sha256"

if [[ ! -f "${req}" ]]; then
    echo "setup-python: missing ${req}" >&2
    exit 1
fi

created=0
if [[ ! -x "${venv}/bin/python" ]]; then
    python3 -m venv "${venv}"
    created=1
fi

want="$(sha256sum "${req}" | cut -d' ' -f1)"
have=""
if [[ -f "${stamp}" ]]; then
    have="$(cat "${stamp}")"
fi

if [[ "${want}" != "${have}" ]]; then
    "${venv}/bin/python" -m pip install -q -r "${req}"
    printf '%s\n' "${want}" > "${stamp}"
    if [[ "${created}" -eq 1 ]]; then
        echo "setup-python: created ${venv} and installed python/requirements.txt"
    else
        echo "setup-python: installed python/requirements.txt into ${venv} (requirements changed)"
    fi
else
    echo "setup-python: ${venv} is up to date"
fi
