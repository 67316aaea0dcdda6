#!/usr/bin/env bash
# Browser test of the inline charts: executes viz/browsertest/charts.ipynb through the installed
# "Go (Deep Learning)" kernel, then with headless Chromium (playwright-core) checks that
#   - JupyterLab, with the notebook trusted, draws every live chart (an echarts canvas replaces the
#     static picture) with no console error;
#   - JupyterLab, with the notebook untrusted, shows every chart's static PNG and runs no script;
#   - the nbconvert HTML export draws the live charts too (AMD `define` present), and shows the
#     static PNGs with JavaScript turned off;
#   - exported pages load nothing from the network and show the formulas of the markdown cells
#     typeset, with JavaScript or without (export_offline.mjs);
#   - the saved notebook holds the echarts library once (the course's bundle, gzip + base64) and
#     each chart's PNG, its charts use every series type and component viz has, and each chart's
#     option draws in echarts' development build of the bundle with no warning.
#   - live demos (demo.Live, viz/browsertest/live.ipynb, live.mjs) run in JupyterLab and Notebook 7:
#     slider and button redraw, Stop / idle timeout / interrupt end them, the kernel goes on.
# Screenshots and logs go to build/browser/. Prints "N passed, N failed"; the exit code is the
# result. JupyterLab (127.0.0.1, random free port, token) is always stopped at the end.
# Needs: make setup, and viz/browsertest/setup.sh (Chromium, playwright-core).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. scripts/env.sh
export GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
OUT=build/browser
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

fail() { echo "browsertest: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
[ -x "$CHROMIUM" ] || fail "$CHROMIUM not found: run viz/browsertest/setup.sh"
[ -f node_modules/playwright-core/package.json ] || fail "playwright-core is not installed: run viz/browsertest/setup.sh (npm ci)"
[ -x .venv/bin/jupyter ] || fail ".venv is missing: run make setup"
command -v node >/dev/null || fail "node not found (apt-get install nodejs)"
# The charts' echarts bundle, as make setup builds it ("up to date" when it is).
node scripts/echarts-bundle.mjs || fail "the echarts bundle was not built (scripts/echarts-bundle.mjs; make setup)"

rm -rf "$OUT"
mkdir -p "$OUT/lab"

echo "==> executing viz/browsertest/charts.ipynb"
DLNB_SMOKE=1 .venv/bin/python scripts/run_notebooks.py --out "$OUT" viz/browsertest/charts.ipynb \
  || fail "the chart notebook did not run (see above)"

# JupyterLab's configuration, data (the trust database) and runtime files stay in the build folder.
export JUPYTER_CONFIG_DIR="$ROOT/$OUT/jupyter/config" JUPYTER_DATA_DIR="$ROOT/$OUT/jupyter/data" \
  JUPYTER_RUNTIME_DIR="$ROOT/$OUT/jupyter/runtime" JUPYTERLAB_SETTINGS_DIR="$ROOT/$OUT/jupyter/lab-settings" \
  JUPYTERLAB_WORKSPACES_DIR="$ROOT/$OUT/jupyter/lab-workspaces"
mkdir -p "$JUPYTER_CONFIG_DIR" "$JUPYTER_DATA_DIR" "$JUPYTER_RUNTIME_DIR" "$JUPYTERLAB_SETTINGS_DIR/@jupyterlab/apputils-extension"
# No "Jupyter news?" prompt and no update check (offline, and it would cover the screenshots).
echo '{"fetchNews": "false", "checkForUpdates": false}' > "$JUPYTERLAB_SETTINGS_DIR/@jupyterlab/apputils-extension/notification.jupyterlab-settings"

# The trusted notebook, and an untrusted copy (different content: its own signature is unknown).
cp "$OUT/charts.ipynb" "$OUT/lab/charts.ipynb"
.venv/bin/python - "$OUT/charts.ipynb" "$OUT/lab/untrusted.ipynb" <<'PY'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nb.metadata["title"] = "untrusted copy"
nbformat.write(nb, sys.argv[2])
PY
.venv/bin/jupyter trust "$OUT/lab/charts.ipynb" >/dev/null
.venv/bin/python - "$OUT/lab/charts.ipynb" "$OUT/lab/untrusted.ipynb" <<'PY' || fail "trust state of the notebooks is not as expected"
import sys, nbformat
from nbformat.sign import NotebookNotary
notary = NotebookNotary()
trusted = [notary.check_signature(nbformat.read(p, as_version=4)) for p in sys.argv[1:]]
print("trusted:", dict(zip(sys.argv[1:], trusted)))
sys.exit(0 if trusted == [True, False] else 1)
PY

PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')
LAB_URL="http://127.0.0.1:$PORT"
echo "==> starting JupyterLab on $LAB_URL (log: $OUT/jupyterlab.log)"
ALLOW_ROOT=""; [ "$(id -u)" != 0 ] || ALLOW_ROOT=--allow-root  # containers
.venv/bin/jupyter lab $ALLOW_ROOT --no-browser --ip=127.0.0.1 --port="$PORT" --ServerApp.port_retries=0 \
  --IdentityProvider.token="$TOKEN" --ServerApp.root_dir="$ROOT/$OUT/lab" \
  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
  --LabApp.extension_manager=readonly \
  > "$OUT/jupyterlab.log" 2>&1 &
LAB_PID=$!

stop_lab() {
  kill -0 "$LAB_PID" 2>/dev/null || return 0
  # Shut down through the API (stops the kernels the notebooks started), then by signal.
  curl -s -m 5 -X POST -H "Authorization: token $TOKEN" "$LAB_URL/api/shutdown" >/dev/null 2>&1 || true
  for _ in $(seq 50); do kill -0 "$LAB_PID" 2>/dev/null || break; sleep 0.2; done
  kill "$LAB_PID" 2>/dev/null || true
  for _ in $(seq 25); do kill -0 "$LAB_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$LAB_PID" 2>/dev/null || true
  wait "$LAB_PID" 2>/dev/null || true
}
trap stop_lab EXIT INT TERM

for _ in $(seq 120); do
  curl -sf -m 2 -H "Authorization: token $TOKEN" "$LAB_URL/api/status" >/dev/null 2>&1 && break
  kill -0 "$LAB_PID" 2>/dev/null || { cat "$OUT/jupyterlab.log" >&2; fail "JupyterLab exited at start"; }
  sleep 0.5
done
curl -sf -m 2 -H "Authorization: token $TOKEN" "$LAB_URL/api/status" >/dev/null || fail "JupyterLab did not answer on $LAB_URL within 60 s"

echo "==> checking in headless Chromium"
set +e
LAB_URL="$LAB_URL" LAB_TOKEN="$TOKEN" OUT="$OUT" NOTEBOOK="$OUT/charts.ipynb" EXPORT="$OUT/charts.html" \
  LAB_TRUSTED=charts.ipynb LAB_UNTRUSTED=untrusted.ipynb EXPECT_LIVE=27 EXPECT_STATIC=3 \
  timeout 600 node viz/browsertest/check.mjs
rc=$?
# Live demos (demo.Live on GoNB's widgets), run cell by cell in JupyterLab and Notebook 7: a
# slider and a button redraw the chart, Stop, an idle timeout and an interrupt end a demo, and
# the kernel runs the next cell each time.
echo "==> live demos in JupyterLab and Notebook 7 (viz/browsertest/live.ipynb)"
cp viz/browsertest/live.ipynb "$OUT/lab/live.ipynb"
LAB_URL="$LAB_URL" LAB_TOKEN="$TOKEN" OUT="$OUT" LIVE_NOTEBOOK=live.ipynb timeout 600 node viz/browsertest/live.mjs
rc3=$?
[ $rc -ne 0 ] || rc=$rc3
# The exported pages offline (export_offline.mjs): a course notebook with formulas, exported with
# its saved outputs, and the executed chart notebook's export: formulas typeset, no request.
echo "==> exported pages with the network cut off (formulas typeset, nothing loaded)"
.venv/bin/python scripts/offline_html.py notebooks/02-forward-backward.ipynb "$OUT/offline-02.html" \
  && OUT="$OUT" PAGES="$OUT/offline-02.html $OUT/charts.html" FORMULA_PAGES="$OUT/offline-02.html" \
    timeout 300 node viz/browsertest/export_offline.mjs
rc2=$?
set -e
echo "screenshots: $OUT/*.png"
[ $rc -ne 0 ] || exit $rc2
exit $rc
