# bcsync — developer commands. `make test` is what CI runs (through .ci/run).
GO       ?= go
PKGS     ?= ./...
TIMEOUT  ?= 30m
BENCHTIME ?= 1x

.PHONY: all build test vet cross fmt bench fuzz screenshots clean

all: build

build:
	$(GO) build -o bin/bcsync ./cmd/bcsync

vet:
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

# The other systems bcsync is built for: everything, tests included, compiles for Windows and macOS.
# (go vet compiles the test binaries too; go build checks the binary's own packages as they ship.)
CROSS_GOOS ?= windows darwin
cross:
	@for goos in $(CROSS_GOOS); do \
	  echo "GOOS=$$goos go build, go vet"; \
	  GOOS=$$goos $(GO) build $(PKGS) && GOOS=$$goos $(GO) vet $(PKGS) || exit 1; \
	done

# Every test, race detector on. Tests that need PostgreSQL, MariaDB or Chromium skip with a note when
# the service is missing, and fail when CI=true.
test: vet cross
	$(GO) test -race -timeout $(TIMEOUT) $(PKGS)

# The browser tests save a screenshot of each page they visit; this keeps them in docs/screenshots.
screenshots:
	mkdir -p docs/screenshots
	BCSYNC_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestBrowser' ./internal/e2e

# Benchmarks: figures for docs/benchmarks.md (see there for the full runs).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

# A short run of every fuzz target.
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

fmt:
	gofmt -w $$(find . -name '*.go' -not -path './.git/*')

clean:
	rm -rf bin
