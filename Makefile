# SPDX-License-Identifier: GPL-2.0
# vaddr_pin: build the test kernel, boot it under QEMU, run the tests.
# Everything is built under build/ (ignored); see README.md.

S := scripts

.PHONY: help deps tree kernel selftests static kunit selftest check demo demo-production \
	bench stress fstests install-check install-tools docs shell edit refresh-patch \
	clean distclean

help:
	@grep '^make [a-z-]* ' README.md

deps:
	@$(S)/install-deps.sh

tree: deps
	@$(S)/prepare-tree.sh

kernel: deps
	@$(S)/build-kernel.sh

selftests: kernel
	@$(S)/build-selftests.sh

static:
	@$(S)/check.sh static

kunit:
	@$(S)/check.sh kunit

selftest:
	@$(S)/check.sh selftest

check:
	@$(S)/check.sh

demo:
	@$(S)/demo.sh

demo-production:
	@VADDR_PIN_FLAVOR=production $(S)/demo.sh

bench:
	@$(S)/bench.sh

stress:
	@$(S)/stress.sh

fstests:
	@$(S)/fstests.sh

install-check: deps
	@$(S)/install-check.sh; python3 $(S)/summarize.py -v --static build/results/install

docs: tree
	@$(S)/build-docs.sh && echo "vaddr_pin: build/docs/html/core-api/vaddr_pin.html"; \
		cat build/docs/warnings

# make install-tools [DESTDIR=/tmp/root] [PREFIX=/usr/local]: lspins and
# its manual, as util-linux installs lslocks.  Needs only a C compiler.
PREFIX ?= /usr/local
TOOLS_CFLAGS := -O2 -Wall $(CFLAGS)

build/install-tools/lspins: tools/vaddr_pin/lspins.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TOOLS_CFLAGS) $(LDFLAGS) -o $@ $<

install-tools: build/install-tools/lspins
	install -D -m 0755 build/install-tools/lspins $(DESTDIR)$(PREFIX)/bin/lspins
	install -D -m 0644 tools/vaddr_pin/lspins.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/lspins.8

shell: selftests
	@$(S)/run-guest.sh shell

# make edit F="mm/gup.c fs/locks.c": make those files of build/linux safe to edit.
edit: tree
	@$(S)/patch-edit.sh edit $(F)

# make refresh-patch P=0004-mm-gup-foo.patch [F="mm/gup.c"]: turn the edits
# back into patches/P (created and added to the series if new).
refresh-patch:
	@$(S)/patch-edit.sh refresh $(P) $(F)

# --one-file-system: a clean root's mounts live in a private namespace,
# but never follow one into the host's /dev.
clean:
	rm -rf --one-file-system build/obj build/obj-* build/results \
		build/selftests build/tools build/bzImage build/bzImage-* \
		build/config-check build/install-root build/clean-root-* \
		build/install-tools \
		build/*.log

distclean:
	rm -rf --one-file-system build
