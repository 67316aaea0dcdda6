# The two commands of the README:
#   make lab    installs what is missing and starts JupyterLab on 127.0.0.1 in notebooks/
#   make test   installs the same and runs go vet, the Go tests and every notebook headless
# For the teacher, before a class:
#   make warm-models [ONLY=05] [ARGS=--list]   trains every nn.Memo model of the notebooks at full size
#                                              (into the lab's models folder), with a table of the times
#   make publish [NB=notebooks/05-....ipynb] [SMOKE=1]   the executed notebooks as self-contained web
#                                              pages in build/publish/, with build/publish/index.html
SHELL := /bin/bash
LAB_PORT ?= 8888

.PHONY: lab test setup doctor notebooks kernel-tests go-tests browser-tests grading-tests docker-lab submit warm-models publish bench-latency bench-train bench-xla bench-gpu clean \
	assignments release-assignment collect autograde feedback gradebook leaderboard

setup:
	@scripts/setup.sh

lab: setup
	@LAB_PORT=$(LAB_PORT) scripts/lab.sh

test: setup
	@scripts/test.sh

doctor:
	@source scripts/env.sh && go run ./kernel doctor

# Pieces of `make test`, for working on one part.
go-tests:
	@scripts/test.sh go
kernel-tests:
	@scripts/test.sh kernel
notebooks:
	@scripts/test.sh notebooks
browser-tests:
	@scripts/test.sh browser
grading-tests:
	@scripts/test.sh grading

# The same JupyterLab in a container (docker-compose.yml, deploy/README.md).
docker-lab:
	docker compose up --build

# Hand-in: runs NB top to bottom in a fresh kernel, writes its .html and .pdf next to it.
# ARGS go to scripts/submit.py: make submit NB=notebooks/X.ipynb ARGS="--fresh-models --no-pdf".
# scripts/setup.sh runs first only when something the hand-in needs is missing or out of date
# (.venv, node_modules, the kernel and its kernelspec: submit.py --setup-if-needed says which).
submit:
	@test -n "$(NB)" || { echo "usage: make submit NB=notebooks/NAME.ipynb [ARGS=--fresh-models]" >&2; exit 2; }
	@source scripts/env.sh && { [ -x .venv/bin/python ] || scripts/setup.sh; } \
	  && .venv/bin/python scripts/submit.py --setup-if-needed $(ARGS) "$(NB)"

# Before a class: runs, at full size, each notebook that keeps a model with nn.Memo, so that the
# lab reloads the models instead of training them in class ($GODL_MODELS, else ~/.cache/godl/models).
# ONLY=05 (or ONLY="05 10") runs those notebooks only; ARGS=--list lists the memos and runs nothing.
warm-models: setup
	@source scripts/env.sh && .venv/bin/python scripts/warm_models.py $(foreach n,$(ONLY),--only $(n)) $(ARGS)

# The course as web pages: executes the chapters (NB=... some notebooks or folders) at full size
# (SMOKE=1: small sizes, models kept apart) into build/publish/, one self-contained page each
# (charts and demos work with no kernel and no network), and build/publish/index.html.
publish: setup
	@source scripts/env.sh && .venv/bin/python scripts/publish.py $(if $(filter 1 yes true,$(SMOKE)),--smoke) $(ARGS) $(NB)

# Grading a class with nbgrader (README "Grading a class"; grading/grade.sh): the course folder is
# $(COURSE) (default build/course). A = an assignment: a notebook's name (dehazing, 02-forward-backward).
#   make assignments [NB="notebooks/projects/dehazing.ipynb ..."]   source + students' versions
#   make release-assignment A=...  /  make collect A=...         through nbgrader's exchange
#   sudo make autograde A=... [STUDENT=...]                       each hand-in in the sandbox
#   make feedback A=...  /  make gradebook  /  make leaderboard   HTML per student, CSVs, the projects' ranking
COURSE ?= build/course
GRADE = GODL_COURSE_DIR="$(abspath $(COURSE))" grading/grade.sh
assignments: setup
	@$(GRADE) assignments $(NB)
release-assignment:
	@$(GRADE) release "$(A)"
collect:
	@$(GRADE) collect "$(A)"
autograde:
	@$(GRADE) autograde "$(A)" $(STUDENT)
feedback:
	@$(GRADE) feedback "$(A)"
gradebook:
	@$(GRADE) gradebook
leaderboard:
	@$(GRADE) leaderboard

bench-latency: setup
	@source scripts/env.sh && .venv/bin/python bench/celllatency/celllatency.py

bench-train: setup
	@bench/train/run.sh

bench-xla: setup
	@bench/xla/run.sh

# On a machine with an NVIDIA GPU: installs the CUDA plugin, then benchmarks xla:cuda.
bench-gpu:
	@bench/xla/gpu.sh

clean:
	rm -rf build .bin
