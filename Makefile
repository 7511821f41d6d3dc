# bcsync — developer commands. `make test` is what CI runs (through .ci/run).
# The Go release everything is built and tested with (go.mod's toolchain line): its standard library has
# the security fixes govulncheck asks for; the go command fetches it once through the module proxy.
# GO_TOOLCHAIN=local uses whatever go is installed instead.
GO_TOOLCHAIN ?= go1.26.10
export GOTOOLCHAIN = $(GO_TOOLCHAIN)
GO       ?= go
PKGS     ?= ./...
TIMEOUT  ?= 30m
BENCHTIME ?= 1x

.PHONY: all build test vet cross vulncheck vulndb fmt bench fuzz screenshots clean

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

# Known vulnerabilities in the code's dependencies and in the Go toolchain that builds it, found by
# govulncheck (installed from the module proxy into bin/). It needs the Go vulnerability database:
# where that cannot be reached (CI has no internet) the check is skipped with a line saying so, unless
# VULNDB names a copy on disk (make vulndb builds one from the golang.org/x/vulndb module).
VULNCHECK_VERSION ?= v1.9.0
VULNDB ?=
vulncheck:
	@mkdir -p bin; if ! GOBIN=$(CURDIR)/bin $(GO) install golang.org/x/vuln/cmd/govulncheck@$(VULNCHECK_VERSION) 2>bin/govulncheck.log; then \
	  echo "govulncheck: skipped: golang.org/x/vuln/cmd/govulncheck@$(VULNCHECK_VERSION) could not be installed ($$(tail -1 bin/govulncheck.log))"; exit 0; \
	fi; \
	db=; if [ -n "$(VULNDB)" ]; then db="-db file://$(abspath $(VULNDB))"; fi; \
	echo "govulncheck $(VULNCHECK_VERSION) $${db:-(the public database)}"; \
	bin/govulncheck $$db $(PKGS) >bin/govulncheck.log 2>&1; rc=$$?; \
	if [ $$rc -ne 0 ] && [ $$rc -ne 3 ] && grep -q "fetching vulnerabilities" bin/govulncheck.log; then \
	  echo "govulncheck: skipped: the vulnerability database cannot be reached ($$(head -1 bin/govulncheck.log | cut -c1-160)); VULNDB=DIR uses a copy (make vulndb)"; exit 0; \
	fi; \
	cat bin/govulncheck.log; exit $$rc

# A copy of the Go vulnerability database on disk, for make test VULNDB=bin/vulndb where the public one
# cannot be reached: built from the golang.org/x/vulndb module of that date (update the version to
# update it).
VULNDB_VERSION ?= v0.0.0-20261105234957-e22db6528018
vulndb:
	@dir=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$dir/data/osv" || { echo "golang.org/x/vulndb@$(VULNDB_VERSION) has no data/osv"; exit 1; }; \
	rm -rf bin/vulndb && $(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$dir/data/osv" -out bin/vulndb && \
	echo "bin/vulndb: the Go vulnerability database of golang.org/x/vulndb@$(VULNDB_VERSION); use it with make test VULNDB=bin/vulndb"

# Every test, race detector on. Tests that need PostgreSQL, MariaDB or Chromium skip with a note when
# the service is missing, and fail when CI=true.
test: vet cross vulncheck
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
