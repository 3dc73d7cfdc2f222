# Sourced by the scripts: create .venv and install ValueLens with the given extras, once per change
# of pyproject.toml (a stamp file remembers what was installed).
venv_ready() {
  local extras="$1"
  local stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras//,/_}"
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[${extras}]"
    touch "$stamp"
  fi
}
