# The README's two commands are `make demo` and `make test`; .ci/run calls `make test`.
SWIFT ?= swift
BUILD_FLAGS ?=
NETLAB := Tests/lab/netlab

.PHONY: deps build test unit demo bench fuzz deb deb-check lab-clean clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

## The main job: a two-host LAN in network namespaces with natter chat in two
## tmux panes (unattended when there is no terminal).
demo: build
	scripts/demo

## All tests: unit tests, then the namespace-lab integration tests (root; skipped
## loudly without it, never skipped under CI=true), then the package: make deb
## (lintian included) and make deb-check (root, same rule). Whatever happens,
## no lab namespace or daemon is left behind, and what failed is named again
## in the last lines (scripts/run-tests).
test: deps
	SWIFT='$(SWIFT)' BUILD_FLAGS='$(BUILD_FLAGS)' scripts/run-tests

## The suites that need no lab, side by side: a quick check while working,
## not the verdict (Docs/testing.md). Swift Testing would start all ~700 test
## cases at once, and tests with real-time bounds starved; two per CPU run at
## once instead, in the same time.
unit: deps
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$$(( 2 * $$(nproc) )) $(SWIFT) test $(BUILD_FLAGS) --skip NatterEndToEndTests

## Benchmarks (not tests): rewrite Docs/benchmarks.md. Needs root. scripts/bench
## builds the release binaries it measures itself (as the Debian package builds them).
bench: deps
	scripts/bench

## libFuzzer over every parser of untrusted bytes, for FUZZ_SECONDS (default 300).
fuzz: deps
	scripts/fuzz

## The Debian packages: Packaging/out/natter_<version>_amd64.deb and
## natter-forwarder_<version>_amd64.deb, built with dpkg-buildpackage and
## debhelper, checked by lintian (Packaging/README.md).
deb: deps
	scripts/build-deb

## Installs both packages in a clean Debian 12 root (debootstrap): runs them,
## upgrades them, removes and purges them. Needs root.
deb-check: deb
	scripts/deb-check

## Removes every lab this checkout's netlab created (namespaces, daemons).
lab-clean:
	@if [ -x $(NETLAB) ] && [ "$$(id -u)" -eq 0 ]; then $(NETLAB) destroy-all; fi

clean:
	rm -rf .build .build-fuzz .build-deb Packaging/out
