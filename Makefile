# The two commands of the README:
#   make lab    installs what is missing and starts JupyterLab on 127.0.0.1 in notebooks/
#   make test   installs the same and runs go vet, the Go tests and every notebook headless
SHELL := /bin/bash
LAB_PORT ?= 8888

.PHONY: lab test setup doctor notebooks kernel-tests go-tests browser-tests docker-lab submit bench-latency bench-train bench-xla bench-gpu clean

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
