# newlib for the control partition: built once by tools/build-newlib.sh into a
# cache directory that `make clean` leaves alone (it takes about a minute).
# `rm -rf $(NEWLIB_PREFIX)` (or `make newlib-clean`) forces a rebuild.
#
# Exposes:
#   NEWLIB_PREFIX   install prefix (default build/cache/newlib-3.3.0)
#   NEWLIB_INC      newlib's headers (use with -isystem, after -nostdinc)
#   NEWLIB_LIB      libc.a and libm.a (use with -L)
#   NEWLIB_STAMP    file that exists once the install is complete
#   newlib          target that builds it if the stamp is missing

BUILD          ?= build
NEWLIB_TARBALL ?= /usr/src/newlib/newlib-3.3.0.tar.xz
NEWLIB_PREFIX  ?= $(BUILD)/cache/newlib-3.3.0
NEWLIB_INC     := $(NEWLIB_PREFIX)/x86_64-elf/include
NEWLIB_LIB     := $(NEWLIB_PREFIX)/x86_64-elf/lib
NEWLIB_STAMP   := $(NEWLIB_PREFIX)/.stamp

.PHONY: newlib newlib-clean
newlib: $(NEWLIB_STAMP)

# Order-only on the script: editing it does not throw away a good cache.
$(NEWLIB_STAMP): | tools/build-newlib.sh
	tools/build-newlib.sh $(NEWLIB_PREFIX) $(NEWLIB_TARBALL)

newlib-clean:
	rm -rf $(NEWLIB_PREFIX) $(NEWLIB_PREFIX).work $(NEWLIB_PREFIX).tmp $(NEWLIB_PREFIX).log
