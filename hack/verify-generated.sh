#!/usr/bin/env bash
# Fails when a generated file (CRD, RBAC, deepcopy) is out of date, i.e. when API or RBAC markers
# changed without `make manifests generate`. It regenerates and compares checksums, so it works
# on a clean clone (CI) and in a working tree with uncommitted edits alike.
set -euo pipefail
cd "$(dirname "$0")/.."

checksums() {
  find config/crd/bases config/rbac api -type f \( -name '*.yaml' -o -name 'zz_generated*.go' \) -print0 |
    sort -z | xargs -0 sha256sum
}

before=$(checksums)
make --no-print-directory manifests generate >/dev/null
after=$(checksums)
if [[ "$before" != "$after" ]]; then
  echo "Generated files were out of date; 'make manifests generate' changed:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  echo "Commit the regenerated files." >&2
  exit 1
fi
echo "generated files are up to date"
