# mnem: the two set-up commands are `make demo` (mnem's main job) and `make test` (every test).
PREFIX ?= /usr/local
SWIFT ?= swift
RELEASE_BIN = .build/release/mnem

.PHONY: demo test build release install bench deps test-deps clean fuzz-build fuzz

## Install what is missing, build, and run mnem end to end on its built-in defaults.
demo: deps release
	$(RELEASE_BIN) demo

## Install what is missing and run the whole test suite; the fuzz targets must build too.
test: test-deps
	$(SWIFT) test
	$(MAKE) fuzz-build

## The libFuzzer targets (Fuzz/), built with the fuzzer and address sanitizers; `make fuzz` runs them.
fuzz-build:
	$(SWIFT) build --package-path Fuzz --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

fuzz:
	scripts/fuzz.sh

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
	install -m 0644 model/minilm-l6-m2v-256.mnemb model/LICENSE model/NOTICE $(DESTDIR)$(PREFIX)/share/mnem/

clean:
	rm -rf .build
