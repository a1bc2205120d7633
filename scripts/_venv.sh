# shellcheck shell=bash
# Shared helper, sourced by scripts/serve and scripts/test (not executable on its own).
# ensure_venv EXTRAS: make sure .venv exists and has `pip install -e ".[EXTRAS]"` done for the
# current pyproject.toml. A stamp file keyed on the pyproject hash + extras + python version keeps
# reruns fast.

pick_python() {
    local cand
    for cand in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$cand" ] || continue
        command -v "$cand" >/dev/null 2>&1 || continue
        if "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            echo "$cand"
            return 0
        fi
    done
    echo "error: Python >= 3.11 is required (set PYTHON=/path/to/python3.11+)" >&2
    return 1
}

ensure_venv() {
    local extras="${1:-}" spec="." stamp=".venv/.plenum-install-stamp" want have py
    [ -n "$extras" ] && spec=".[${extras}]"
    py="$(pick_python)"
    # Top-level __init__.py files are part of the key: setuptools' editable finder records a package
    # installed without one as a namespace package, and would then never run its __init__.py.
    local inits="" f
    for f in rooms/__init__.py server/__init__.py; do
        if [ -f "$f" ]; then inits+="$f,"; fi
    done
    want="$(sha256sum pyproject.toml | cut -d' ' -f1) extras=${extras} $("$py" -c 'import sys; print(sys.version.split()[0])') inits=${inits}"

    # A venv that no longer runs (python moved/upgraded) is rebuilt from scratch.
    if [ -d .venv ] && ! .venv/bin/python -c '' >/dev/null 2>&1; then
        echo "==> .venv is broken; recreating"
        rm -rf .venv
    fi
    if [ ! -d .venv ]; then
        echo "==> creating .venv with $py"
        "$py" -m venv .venv
    fi

    have="$(cat "$stamp" 2>/dev/null || true)"
    # A stamp for the same pyproject that already installed the [test] extra covers a plain install.
    if [ "$have" = "$want" ] || { [ -z "$extras" ] && [ "${have%% *}" = "${want%% *}" ]; }; then
        return 0
    fi
    echo "==> pip install -e '${spec}'"
    rm -f "$stamp"
    # The machine's pip config lists file:// indexes that may not exist; drop pip's noise about them.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec" 2>&1 \
        | sed "/^WARNING: Location 'file:/d"
    echo "$want" > "$stamp"
}
