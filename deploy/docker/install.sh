#!/bin/sh
# The Makefile's install recipe ($(STAMP)), for an image: the same pip commands with the same
# constraints.txt, minus `-e` (the image keeps no source tree) and minus the test extra. The
# --no-deps pins (bertopic) are read from the Makefile, so there is one list of dependencies.
#   sh deploy/docker/install.sh /opt/voc          (run from the project root; the Dockerfile does)
#   sh deploy/docker/install.sh --dry-run /opt/voc   prints the commands (tests/unit/test_deploy.py)
set -eu
dry=""
if [ "${1:-}" = "--dry-run" ]; then dry=1; shift; fi
prefix=${1:?usage: install.sh [--dry-run] PREFIX}
python=${PYTHON:-python3}
nodeps=$(sed -n 's/^\t.* -c constraints.txt --no-deps \(.*\)$/\1/p' Makefile)
if [ -z "$nodeps" ]; then
  echo "install.sh: no '-c constraints.txt --no-deps' line in the Makefile's install recipe" >&2
  exit 1
fi
run() {
  if [ -n "$dry" ]; then echo "$*"; else "$@"; fi
}
run "$python" -m venv "$prefix"
run "$prefix/bin/python" -m pip install --quiet --upgrade pip
run "$prefix/bin/python" -m pip install --quiet -c constraints.txt .
# shellcheck disable=SC2086 # one or more pins, split on spaces as in the Makefile
run "$prefix/bin/python" -m pip install --quiet -c constraints.txt --no-deps $nodeps
