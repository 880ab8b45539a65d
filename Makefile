# The README's two commands are `make demo` and `make test`; .ci/run calls `make test`.
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: deps build test demo bench fuzz clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

## All tests: unit tests, then the namespace-lab integration tests (root; skipped
## loudly without it, never skipped under CI=true).
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

clean:
	rm -rf .build
