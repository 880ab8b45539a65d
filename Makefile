# The README's two commands are `make demo` and `make test`; .ci/run calls `make test`.
SWIFT ?= swift
BUILD_FLAGS ?=
NETLAB := Tests/lab/netlab

.PHONY: deps build test demo bench fuzz lab-clean clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

## The main job: a two-host LAN in network namespaces with natter chat in two
## tmux panes (unattended when there is no terminal).
demo: build
	scripts/demo

## All tests: unit tests, then the namespace-lab integration tests (root; skipped
## loudly without it, never skipped under CI=true). Whatever happens, no lab
## namespace or daemon is left behind.
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	status=0; $(SWIFT) test --skip-build --no-parallel $(BUILD_FLAGS) || status=$$?; \
	  $(MAKE) --no-print-directory lab-clean; exit $$status

## Benchmarks (not tests): rewrite Docs/benchmarks.md. Needs root.
bench: build
	scripts/bench

## libFuzzer over every parser of untrusted bytes, for FUZZ_SECONDS (default 300).
fuzz: deps
	scripts/fuzz

## Removes every lab this checkout's netlab created (namespaces, daemons).
lab-clean:
	@if [ -x $(NETLAB) ] && [ "$$(id -u)" -eq 0 ]; then $(NETLAB) destroy-all; fi

clean:
	rm -rf .build .build-fuzz
