#!/bin/sh
# Build newlib for the control partition (guests/ctl, docs/control-partition.md).
#
#   tools/build-newlib.sh PREFIX [TARBALL]
#
# Unpacks Debian's newlib-source tarball (default
# /usr/src/newlib/newlib-3.3.0.tar.xz, which unpacks into newlib-salsa/),
# configures it for --target=x86_64-elf with the host gcc/binutils as the
# *_FOR_TARGET tools, builds only the newlib target library (libc.a, libm.a
# and headers; no libgloss: the control partition brings its own crt0 and
# syscalls) and installs it into PREFIX:
#
#   PREFIX/x86_64-elf/include   headers
#   PREFIX/x86_64-elf/lib       libc.a, libm.a
#   PREFIX/.stamp               written last: the install is complete
#
# The build is quiet: everything goes to PREFIX.log, whose tail is printed on
# failure. It works in PREFIX.work and installs into PREFIX.tmp, which is
# renamed to PREFIX only when the install succeeded, so an interrupted build
# never leaves a half-filled PREFIX behind. One to two minutes on two cores
# (docs/platforms.md, "newlib for the control partition").
#
# Environment: JOBS (default: nproc), HOST_GCC (default: gcc).
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 PREFIX [TARBALL]" >&2
	exit 2
fi

tarball=${2:-/usr/src/newlib/newlib-3.3.0.tar.xz}
gcc=${HOST_GCC:-gcc}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

if [ ! -r "$tarball" ]; then
	echo "build-newlib: $tarball not found (apt-get install newlib-source)" >&2
	exit 1
fi

mkdir -p "$(dirname "$1")"
prefix=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$prefix.work
stage=$prefix.tmp
log=$prefix.log

# Run standalone even when started from a make recipe: the parent's jobserver
# and flags must not leak into newlib's own recursive make.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS || true

gcc_include=$($gcc -print-file-name=include)
# The ABI the control partition is compiled with (guests/ctl/ctl.mk): no red
# zone (no IDT today, but the hypervisor may inject events later), no stack
# protector (no TLS canary), absolute addressing, and no host libc headers.
target_cflags="-O2 -mno-red-zone -fno-stack-protector -fno-pic -fno-pie"
target_cflags="$target_cflags -nostdinc -isystem $gcc_include"

fail() {
	echo "build-newlib: $1 failed; last lines of $log:" >&2
	tail -n 40 "$log" >&2
	exit 1
}

rm -rf "$work" "$stage"
mkdir -p "$work/build"
: >"$log"
echo "build-newlib: building newlib into $prefix (log: $log)"
start=$(date +%s)

tar -C "$work" -xJf "$tarball" >>"$log" 2>&1 || fail "unpacking $tarball"
[ -x "$work/newlib-salsa/configure" ] || fail "finding newlib-salsa/configure in $tarball"

(
	cd "$work/build"
	../newlib-salsa/configure \
		--target=x86_64-elf \
		--prefix="$stage" \
		--disable-multilib \
		--disable-newlib-supplied-syscalls \
		--enable-newlib-io-long-long \
		--enable-newlib-io-c99-formats \
		CC_FOR_TARGET="$gcc" \
		AS_FOR_TARGET=as \
		LD_FOR_TARGET=ld \
		AR_FOR_TARGET=ar \
		RANLIB_FOR_TARGET=ranlib \
		NM_FOR_TARGET=nm \
		OBJDUMP_FOR_TARGET=objdump \
		OBJCOPY_FOR_TARGET=objcopy \
		STRIP_FOR_TARGET=strip \
		READELF_FOR_TARGET=readelf \
		CFLAGS_FOR_TARGET="$target_cflags"
) >>"$log" 2>&1 || fail "configure"

make -C "$work/build" -j"$jobs" all-target-newlib >>"$log" 2>&1 || fail "make"
make -C "$work/build" install-target-newlib >>"$log" 2>&1 || fail "make install"

[ -f "$stage/x86_64-elf/lib/libc.a" ] || fail "install (no libc.a)"
[ -f "$stage/x86_64-elf/include/stdio.h" ] || fail "install (no stdio.h)"

rm -rf "$prefix"
mv "$stage" "$prefix"
rm -rf "$work"
end=$(date +%s)
echo "newlib 3.3.0 x86_64-elf, built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((end - start)) s" >"$prefix/.stamp"
echo "build-newlib: done in $((end - start)) s"
