#!/usr/bin/env bash
# Installs the real clients some tests run against, into target/tools/ (idempotent):
#   target/tools/venv/          Python tools from PyPI (see requirements.txt)
#   target/tools/node_modules/  Node packages from npm (see package.json)
#   target/tools/django/        Django's source distribution from PyPI, with its test suite
# Tests find them there and fail with a pointer to this script when they are missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$(cd "$here/../.." && pwd)/target/tools"
mkdir -p "$tools"

if [ ! -x "$tools/venv/bin/python" ]; then
    python3 -m venv "$tools/venv"
fi
if ! cmp -s "$here/requirements.txt" "$tools/venv/.requirements.txt" 2>/dev/null; then
    "$tools/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$tools/venv/.requirements.txt"
fi

if [ -s "$here/package.json" ] && ! cmp -s "$here/package.json" "$tools/package.json" 2>/dev/null; then
    cp "$here/package.json" "$tools/package.json"
    (cd "$tools" && npm install --silent --no-audit --no-fund)
fi
django_version=5.2.19
if [ ! -d "$tools/django/django-$django_version/tests" ]; then
    rm -rf "$tools/django"
    mkdir -p "$tools/django"
    "$tools/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
        "django==$django_version" -d "$tools/django"
    tar -xzf "$tools/django/django-$django_version.tar.gz" -C "$tools/django"
fi
echo "tools installed in $tools"
