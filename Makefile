# The two commands of the README:
#   make demo   - set up (idempotent), then the main job: FCOS + TResNet on generated COCO-format data
#   make test   - set up (idempotent), then the whole test suite (slow tests included)
PY := .venv/bin/python
# pytest-xdist workers: one per core, at most 4 (tests/conftest.py splits the threads and keeps each trained demo
# on one worker); WORKERS=0 runs the suite in one process
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 4 ? n : 4 )))
XDIST = $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist loadscope --no-loadscope-reorder)

.PHONY: setup test test-fast demo clean-env

setup:
	bash scripts/setup_env.sh

test: setup
	$(PY) -m pytest tests $(XDIST)

test-fast: setup
	$(PY) -m pytest tests -m "not slow" $(XDIST)

demo: setup
	$(PY) tools/demo_detection.py

clean-env:
	rm -rf .venv
