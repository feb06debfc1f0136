#!/bin/sh
# Installs the dashboard's npm packages exactly as package-lock.json pins them, once per lock change.
# Run by the Maven build (generate-resources) in this directory; $1 names it in messages.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "mesh-control: building the dashboard needs Node.js (>= 18) and npm, and they are not on the PATH." >&2
  echo "mesh-control: install them (./meshlane does, or: sudo apt-get install nodejs npm) and build again." >&2
  exit 1
fi
if cmp -s package-lock.json node_modules/.meshlane-installed-lock; then exit 0; fi
npm ci --prefer-offline --no-audit --no-fund --loglevel=error || {
  echo "mesh-control: npm ci failed in $1: the first build needs the npm registry (or a filled npm cache)." >&2
  exit 1
}
cp package-lock.json node_modules/.meshlane-installed-lock
