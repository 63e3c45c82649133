# The two commands of the README:
#   make demo   - set up (idempotent), then the main job: FCOS + TResNet on generated COCO-format data
#   make test   - set up (idempotent), then the whole test suite (slow tests included)
PY := .venv/bin/python

.PHONY: setup test test-fast demo clean-env

setup:
	bash scripts/setup_env.sh

test: setup
	$(PY) -m pytest tests

test-fast: setup
	$(PY) -m pytest tests -m "not slow"

demo: setup
	$(PY) tools/demo_detection.py

clean-env:
	rm -rf .venv
