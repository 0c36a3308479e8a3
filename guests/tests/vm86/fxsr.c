/*
 * vm86.bin: FXSAVE and FXRSTOR run in virtual-8086 mode with their image
 * on the MMIO test device, so the hypervisor's emulator runs them
 * (emul/exec_fxsr.c, core/x87_proxy.c). The 8086 program at 8f00:0040:
 *
 *   0040  fxsave [0x100]      the 32-bit layout: bytes 0-287 of the image
 *   0045  fxrstor [0x400]
 *   004a  int 0x30            back to vm86_exit (main.c)
 *
 * Run twice: with CR4.OSFXSR = 1 the whole legacy image goes out and comes
 * in (FCW, MXCSR, XMM1 changed by the restore); with CR4.OSFXSR = 0 on an
 * AMD CPU only the x87 and MMX state (the emulator's reading of APM
 * Vol. 4 FXSAVE, docs/emulator.md "Vendor": bytes 24-31 and 160-287 stay
 * as they were, MXCSR and the XMM registers are kept, an MXCSR with
 * reserved bits is not loaded and so no #GP), on Intel all of it as with
 * OSFXSR = 1 (the SDM leaves it to the implementation).
 */
#include <stdint.h>

#include "guest.h"
#include "vm86.h"

#define CR0_MP      (1ul << 1)
#define CR0_EM      (1ul << 2)
#define CR0_TS      (1ul << 3)
#define CR4_OSFXSR  (1ul << 9)
#define PROGRAM_AT  0x40u       /* device offsets */
#define SAVE_AT     0x100u
#define RESTORE_AT  0x400u
#define IMAGE       512u
#define LEGACY      288u        /* FCW..XMM7 */
#define X87_MMX     160u
#define MXCSR_OFF   24u
#define XMM1_OFF    176u
#define UNTOUCHED   0xeeu
#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_RC_DOWN 0x3f80u
#define FCW_PC24    0x007fu     /* every exception masked, 24-bit precision */

static const uint8_t program[] = {
	0x0f, 0xae, 0x06, 0x00, 0x01,           /* 0040 fxsave [0x100] */
	0x0f, 0xae, 0x0e, 0x00, 0x04,           /* 0045 fxrstor [0x400] */
	0xcd, 0x30,                             /* 004a int 0x30 */
};

static uint8_t before[IMAGE] __attribute__((aligned(16)));
static uint8_t after[IMAGE] __attribute__((aligned(16)));
static uint8_t image[IMAGE] __attribute__((aligned(16)));

static volatile uint8_t *device(unsigned off)
{
	return (volatile uint8_t *)(V86_CS << 4) + off;
}

/* The device is written and read a dword at a time. */
static void device_put(unsigned off, const uint8_t *src, unsigned n)
{
	for (unsigned i = 0; i < n; i += 4)
		*(volatile uint32_t *)device(off + i) =
			(uint32_t)src[i] | (uint32_t)src[i + 1] << 8 |
			(uint32_t)src[i + 2] << 16 | (uint32_t)src[i + 3] << 24;
}

static void device_fill(unsigned off, uint8_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i += 4)
		*(volatile uint32_t *)device(off + i) = v * 0x01010101u;
}

/* Bytes [from, to) of the saved image on the device equal want's. */
static bool device_same(unsigned from, unsigned to, const uint8_t *want)
{
	for (unsigned i = from; i < to; i++)
		if (*device(SAVE_AT + i) != want[i])
			return false;
	return true;
}

static bool device_untouched(unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		if (*device(SAVE_AT + i) != UNTOUCHED)
			return false;
	return true;
}

static bool same(const uint8_t *a, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static bool vendor_amd(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	return r[1] == 0x68747541u;     /* "Auth" */
}

/* A known state: x87 with pi in ST0, MXCSR default, XMM1 = 0x11.. */
static void known_state(void)
{
	static const uint8_t xmm1[16] __attribute__((aligned(16))) = {
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 };
	uint32_t mxcsr = MXCSR_DEFAULT;

	__asm__ volatile("fninit\n\tfldpi\n\t"
			 "ldmxcsr %0\n\tmovdqa %1, %%xmm1"
			 : : "m"(mxcsr), "m"(xmm1) : "memory");
}

static void fxsave_to(uint8_t *p)
{
	__asm__ volatile("fxsave %0" : "=m"(*(uint8_t (*)[IMAGE])p));
}

/* One run of the program: the device's save area filled with UNTOUCHED,
 * its restore area = image, 'before' saved in RAM just ahead of it and
 * 'after' right after (with CR4.OSFXSR = 1 for both). */
static void run_program(bool osfxsr)
{
	const uint32_t frame[9] = { PROGRAM_AT, V86_CS, EFLAGS_VM | EFLAGS_IOPL3 | 0x2,
				    V86_SP, V86_SS, 0, V86_CS, 0, 0 };
	unsigned long cr4 = read_cr4();

	device_fill(SAVE_AT, UNTOUCHED, IMAGE);
	device_put(RESTORE_AT, image, IMAGE);
	known_state();
	fxsave_to(before);
	if (!osfxsr)
		write_cr4(cr4 & ~CR4_OSFXSR);
	vm86_run(frame);
	write_cr4(cr4);
	fxsave_to(after);
}

/* The image to restore: 'before' with FCW, MXCSR and XMM1 changed. */
static void make_image(uint32_t mxcsr)
{
	known_state();
	fxsave_to(image);
	image[0] = (uint8_t)FCW_PC24;
	image[1] = (uint8_t)(FCW_PC24 >> 8);
	put32(image + MXCSR_OFF, mxcsr);
	for (unsigned i = 0; i < 16; i++)
		image[XMM1_OFF + i] = 0x22;
	for (unsigned i = LEGACY; i < IMAGE; i++)
		image[i] = 0;
}

static bool restored(const uint8_t *want_xmm1, uint32_t want_mxcsr)
{
	return after[0] == (uint8_t)FCW_PC24 && after[1] == 0 &&
	       get32(after + MXCSR_OFF) == want_mxcsr &&
	       same(after + XMM1_OFF, want_xmm1, 16) &&
	       same(after + 32, image + 32, X87_MMX - 32);   /* ST0-ST7 */
}

void vm86_fxsr_checks(void)
{
	bool amd = vendor_amd();

	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR);
	device_put(PROGRAM_AT, program, (sizeof(program) + 3) & ~3u);

	make_image(MXCSR_RC_DOWN);
	run_program(true);
	check(device_same(0, LEGACY, before) && device_untouched(LEGACY, IMAGE),
	      "fxsave [mmio] in virtual-8086 mode: bytes 0-287 as fxsave to RAM, "
	      "288-511 untouched");
	check(restored(image + XMM1_OFF, MXCSR_RC_DOWN),
	      "fxrstor [mmio] in virtual-8086 mode: FCW, ST0-7, MXCSR and XMM1 "
	      "from the image");

	/* AMD: an MXCSR with reserved bits is not loaded, so no #GP */
	make_image(amd ? 0xffffffffu : MXCSR_RC_DOWN);
	run_program(false);
	if (amd) {
		check(device_same(0, MXCSR_OFF, before) &&
		      device_untouched(MXCSR_OFF, MXCSR_OFF + 8) &&
		      device_same(MXCSR_OFF + 8, X87_MMX, before) &&
		      device_untouched(X87_MMX, IMAGE),
		      "CR4.OSFXSR = 0: fxsave [mmio] in virtual-8086 mode stores the "
		      "x87 and MMX state only (AMD)");
		check(restored(before + XMM1_OFF, MXCSR_DEFAULT),
		      "CR4.OSFXSR = 0: fxrstor [mmio] in virtual-8086 mode loads the "
		      "x87 and MMX state only, MXCSR reserved bits ignored (AMD)");
	} else {
		check(device_same(0, LEGACY, before) && device_untouched(LEGACY, IMAGE),
		      "CR4.OSFXSR = 0: fxsave [mmio] in virtual-8086 mode stores "
		      "bytes 0-287 (Intel)");
		check(restored(image + XMM1_OFF, MXCSR_RC_DOWN),
		      "CR4.OSFXSR = 0: fxrstor [mmio] in virtual-8086 mode loads "
		      "FCW, ST0-7, MXCSR and XMM1 (Intel)");
	}
	known_state();
}
