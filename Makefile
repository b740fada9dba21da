# The two commands a newcomer needs: `make run` and `make test`.
GO        ?= go
TAGS      := nomsgpack
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/cozypi/cozy/pkg/build.Version=$(VERSION) \
             -X github.com/cozypi/cozy/pkg/build.Time=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)
BIN       := bin/cozy
# Debian packages the tests need (installed only when missing).
TEST_DEBS := chromium systemd iproute2 dbus-daemon avahi-daemon avahi-utils libnss-mdns dnsutils libnss3-tools
# npm packages the tests need, pinned in web/e2e/package-lock.json.
E2E_DIR   := web/e2e
# staticcheck, pinned (v0.8.2 is staticcheck 2026.2.2), built from the
# module proxy into bin/tools: it stays out of go.mod, so it never moves
# the versions the server links.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := bin/tools/staticcheck-$(STATICCHECK_VERSION)/staticcheck
# pebble, the ACME test server appliance/certs tests against, pinned and
# built the same way (the tests build it there too when it is missing).
PEBBLE_VERSION := v2.10.3
PEBBLE := bin/tools/pebble-$(PEBBLE_VERSION)/pebble
# Packages outside pkg/: pkg/ runs under the race detector, the rest
# without it (the web and e2e tests are the slow half; -race would double
# them past the budget).
MODULE    := github.com/cozypi/cozy
NOT_PKG    = $(shell $(GO) list -tags $(TAGS) ./... | grep -v '^$(MODULE)/pkg/')

.PHONY: all build run test test-deps bench build-arm64 vet lint tidy-check clean assets

all: build

# The shared assets apps expect from the stack (cozy-bar, cozy-client-js,
# fonts), fetched from their pinned npm packages into web/apps/assets/dist
# (not committed), which the binary embeds.
assets:
	sh web/apps/assets/fetch.sh

build: assets
	$(GO) build -tags $(TAGS) -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/cozy

# Starts the server with its defaults: data under ./data, a development
# instance at cozy.localhost:8080 when there is none, admin API on
# localhost:6060 without passphrase (--dev). It prints how to log in.
run: build
	./$(BIN) serve --dev

test-deps: assets
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@if [ -f $(E2E_DIR)/package-lock.json ]; then \
	  if [ ! -d $(E2E_DIR)/node_modules ] || [ $(E2E_DIR)/package-lock.json -nt $(E2E_DIR)/node_modules/.package-lock.json ]; then \
	    npm ci --prefix $(E2E_DIR) --no-audit --no-fund --loglevel=error; fi; fi
	$(GO) mod download
	@[ -x $(STATICCHECK) ] || GOBIN=$(CURDIR)/$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@[ -x $(PEBBLE) ] || GOBIN=$(CURDIR)/$(dir $(PEBBLE)) $(GO) install github.com/letsencrypt/pebble/v2/cmd/pebble@$(PEBBLE_VERSION)

# Runs every test: the checks of lint, Go unit and integration tests (pkg/
# under the race detector), the end-to-end tests with real clients
# (Go tests driving node and chromium; `go test -short` skips those), and
# the SD-card image built from a fresh clone and booted under QEMU: the
# qemu board's (-M virt, then its updates) and the rpi3 board's on an
# emulated Pi 3 B (-M raspi3b, about 2-3 min more) (image.mk; its host
# tools come from `make -f image.mk image-deps`).
test: test-deps lint
	$(GO) test -tags $(TAGS) -race -count=1 -timeout 25m ./pkg/...
	$(GO) test -tags $(TAGS) -count=1 -timeout 25m $(NOT_PKG)
	$(MAKE) -f image.mk image-deps
	$(MAKE) -f image.mk image-test
	$(MAKE) -f image.mk update-test
	$(MAKE) -f image.mk raspi3b-test

# Static checks: go vet, staticcheck, and go.mod/go.sum as `go mod tidy`
# would write them.
lint: tidy-check vet
	@[ -x $(STATICCHECK) ] || { echo "staticcheck $(STATICCHECK_VERSION) is missing: run make test-deps"; exit 1; }
	$(STATICCHECK) -tags $(TAGS) ./...

vet:
	$(GO) vet -tags $(TAGS) ./...

# Fails, showing the difference, when go.mod or go.sum is not tidy.
tidy-check:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

bench: test-deps
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

build-arm64: assets
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags $(TAGS) -trimpath -ldflags '$(LDFLAGS)' -o bin/cozy-linux-arm64 ./cmd/cozy

clean:
	rm -rf bin
