#!/usr/bin/env bash
# The teacher's grading commands (README "Grading a class"), nbgrader 0.9.6 configured for Go by
# grading/nbgrader_config.py, in the course folder $GODL_COURSE_DIR (default build/course).
#
#   grading/grade.sh assignments [NOTEBOOK...]  course notebooks -> source/<a>/ and the students'
#                                               versions release/<a>/ (nbgrader generate_assignment)
#   grading/grade.sh release A                  puts release/A into the exchange (students fetch it)
#   grading/grade.sh collect A                  the students' submissions -> submitted/<student>/A/
#   grading/grade.sh autograde A [STUDENT]      runs each submission in the sandbox (needs root),
#                                               grades it, checks its run record -> autograded/,
#                                               the gradebook, reports/A/<student>.json
#   grading/grade.sh feedback A                 feedback/<student>/A/*.html (sanitized: no scripts)
#   grading/grade.sh gradebook                  grades.csv (nbgrader export) and grading-report.csv
#                                               (per submission: score, run record, sandbox events)
#   grading/grade.sh leaderboard                leaderboard.html of the projects
set -euo pipefail
caller=$PWD
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/scripts/env.sh"
export PATH="$root/.venv/bin:$PATH"   # nbgrader runs alembic from the same environment
course=${GODL_COURSE_DIR:-$root/build/course}
mkdir -p "$course"
course=$(cd "$course" && pwd)
export GODL_COURSE_DIR="$course"
# The course folder's configuration: this checkout's (nbgrader reads ./nbgrader_config.py).
cat > "$course/nbgrader_config.py.tmp" <<CFG
# Written by grading/grade.sh: the course's nbgrader configuration is in the course repository.
__godl_config__ = "$here/nbgrader_config.py"
exec(open(__godl_config__).read())
CFG
mv "$course/nbgrader_config.py.tmp" "$course/nbgrader_config.py"
cd "$course"
cmd=${1:-}
shift || true
need() { [ -n "${1:-}" ] || { echo "grade.sh $cmd: name the assignment (e.g. dehazing, 02-forward-backward)" >&2; exit 2; }; }
case "$cmd" in
  assignments)
    nbs=()
    for nb in "$@"; do case "$nb" in /*) nbs+=("$nb") ;; *) nbs+=("$caller/$nb") ;; esac; done
    python "$here/assignments.py" --course "$course" ${nbs[@]+"${nbs[@]}"} | tee "$course/.assignments.log"
    for a in $(sed -n 's|^wrote .*/source/\([^/]*\)/.*|\1|p' "$course/.assignments.log" | sort -u); do
      nbgrader generate_assignment "$a" --force --log-level=WARN
      echo "released version: $course/release/$a"
    done
    ;;
  release) need "${1:-}"; nbgrader release_assignment "$1" --force ;;
  collect) need "${1:-}"; nbgrader collect "$1" --update ;;
  autograde)
    need "${1:-}"
    if [ "$(id -u)" != 0 ]; then
      echo "grade.sh autograde: each submission runs in a sandbox (its own user, no network, read-only files," >&2
      echo "memory and process limits), which needs root: sudo env PATH=\$PATH grading/grade.sh autograde $1" >&2
      exit 2
    fi
    if [ -n "${2:-}" ]; then nbgrader autograde "$1" --student "$2" --force; else nbgrader autograde "$1" --force; fi
    ;;
  feedback) need "${1:-}"; nbgrader generate_feedback "$1" --force ;;
  gradebook)
    nbgrader export --to "$course/grades.csv"
    python "$here/report.py" --course "$course"
    ;;
  leaderboard) python "$here/leaderboard.py" --course "$course" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
