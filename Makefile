# mnem: the two set-up commands are `make demo` (mnem's main job) and `make test` (every test).
PREFIX ?= /usr/local
SWIFT ?= swift
RELEASE_BIN = .build/release/mnem

.PHONY: demo test build release install bench deps test-deps clean

## Install what is missing, build, and run mnem end to end on its built-in defaults.
demo: deps release
	$(RELEASE_BIN) demo

## Install what is missing and run the whole test suite.
test: test-deps
	$(SWIFT) test

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

build: deps
	$(SWIFT) build

# The Swift runtime is linked statically: agents start mnem on every prompt, and dynamic
# symbol binding of Foundation alone costs more instructions than adding a memory.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

## The performance figures (each printed against an anchor measured in the same run).
bench: release
	$(RELEASE_BIN) bench write
	$(RELEASE_BIN) bench capture
	$(RELEASE_BIN) bench embed
	$(RELEASE_BIN) bench search
	$(RELEASE_BIN) bench pull
	$(RELEASE_BIN) bench hook

## Installs the binary and the embedding model (found as <prefix>/share/mnem/ beside <prefix>/bin).
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mnem
	install -m 0755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/mnem
	install -m 0644 model/minilm-l6-tl-256.mnemb model/LICENSE model/NOTICE $(DESTDIR)$(PREFIX)/share/mnem/

clean:
	rm -rf .build
