# Licheng: two commands do everything on a fresh Debian machine with Swift.
#   make demo   install missing packages, build, run a realistic scenario
#   make test   install missing packages, build, run every test
SHELL := /bin/bash
APT_PACKAGES := pkg-config liblz4-dev libxxhash-dev libssl-dev libsqlite3-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build release test demo bench clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

build: deps
	swift build

release: deps
	swift build -c release

test: deps
	swift build --build-tests
	swift test

demo: release
	./Tools/demo.sh

bench: release
	.build/release/logdemo bench /tmp/licheng-bench-store 1000000

clean:
	rm -rf .build
