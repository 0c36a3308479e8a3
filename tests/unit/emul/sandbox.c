/*
 * sandbox.c - native execution for the differential tests.
 *
 * A code page at SB_CODE holds a generated stub: save the host's
 * callee-saved registers and RSP, load RFLAGS and all 16 GPRs from the
 * state page (absolute [disp32] addressing, which needs no register), run
 * the instruction under test, store the GPRs back, restore the host RSP and
 * capture RFLAGS. A SIGSEGV/SIGFPE/SIGBUS/SIGILL during the instruction is
 * taken on an alternate stack (the guest RSP points into scratch memory)
 * and unwinds with siglongjmp.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "sandbox.h"

static sigjmp_buf sb_jmp;
static struct sb_fault *sb_cur;
static unsigned sb_prologue_len;
static uint8_t *sb_code;

static void on_fault(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)si;
	sb_cur->sig = sig;
	sb_cur->trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
	sb_cur->err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
	sb_cur->cr2 = (uint64_t)uc->uc_mcontext.gregs[REG_CR2];
	siglongjmp(sb_jmp, 1);
}

static void *map_fixed(uint64_t addr, size_t len, int prot)
{
	void *p = mmap((void *)addr, len, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED || p != (void *)addr) {
		perror("sandbox mmap");
		return NULL;
	}
	return p;
}

static unsigned put(uint8_t *p, unsigned n, const uint8_t *b, unsigned len)
{
	memcpy(p + n, b, len);
	return n + len;
}

static unsigned put_abs(uint8_t *p, unsigned n, uint8_t rex, uint8_t op,
			unsigned reg, uint64_t addr)
{
	uint32_t a = (uint32_t)addr;

	if (rex)
		p[n++] = rex;
	p[n++] = op;
	p[n++] = (uint8_t)(((reg & 7) << 3) | 4);
	p[n++] = 0x25;
	memcpy(p + n, &a, 4);
	return n + 4;
}

static uint64_t st_gpr(unsigned r)
{
	return SB_STATE + offsetof(struct sb_state, gpr) + 8 * r;
}

static unsigned prologue(uint8_t *p)
{
	static const uint8_t save[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55,
					0x41, 0x56, 0x41, 0x57 };
	unsigned n = 0, r;

	n = put(p, n, save, sizeof(save));
	n = put_abs(p, n, 0x48, 0x89, 4, SB_STATE +
		    offsetof(struct sb_state, host_rsp));
	n = put_abs(p, n, 0, 0xFF, 6, SB_STATE +
		    offsetof(struct sb_state, rflags));  /* push [rflags] */
	p[n++] = 0x9D;                                   /* popfq */
	for (r = 0; r < 16; r++)
		if (r != 4)
			n = put_abs(p, n, 0x48 | (r >= 8 ? 4 : 0), 0x8B, r,
				    st_gpr(r));
	return put_abs(p, n, 0x48, 0x8B, 4, st_gpr(4));
}

static unsigned epilogue(uint8_t *p, unsigned n)
{
	static const uint8_t restore[] = { 0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D,
					   0x41, 0x5C, 0x5D, 0x5B, 0xFC, 0xC3 };
	unsigned r;

	for (r = 0; r < 16; r++)
		n = put_abs(p, n, 0x48 | (r >= 8 ? 4 : 0), 0x89, r, st_gpr(r));
	n = put_abs(p, n, 0x48, 0x8B, 4, SB_STATE +
		    offsetof(struct sb_state, host_rsp));
	p[n++] = 0x9C;                                   /* pushfq */
	n = put_abs(p, n, 0, 0x8F, 0, SB_STATE +
		    offsetof(struct sb_state, rflags));  /* pop [rflags] */
	return put(p, n, restore, sizeof(restore));
}

int sb_init(void)
{
	static uint8_t altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;

	if (!map_fixed(SB_SCRATCH, SB_SCRATCH_SIZE, PROT_READ | PROT_WRITE) ||
	    !map_fixed(SB_STATE, 4096, PROT_READ | PROT_WRITE))
		return -1;
	sb_code = map_fixed(SB_CODE, 4096,
			    PROT_READ | PROT_WRITE | PROT_EXEC);
	if (!sb_code)
		return -1;
	sb_prologue_len = prologue(sb_code);
	if (sigaltstack(&ss, NULL))
		return -1;
	(void)sa;
	return 0;
}

/* cmocka installs its own handlers while a test runs: take them back. */
void sb_arm(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
}

/*
 * Compatibility mode: the same stub, but after loading the registers a far
 * jump through a m16:32 pointer enters the 32-bit user code segment
 * (__USER32_CS = 0x23), runs the instruction and jumps back to 0x33. DS and
 * ES get __USER_DS (0x2b) first: null data segments fault outside 64-bit
 * mode.
 */
#define SB_USER32_CS 0x23
#define SB_USER_CS 0x33
#define SB_USER_DS 0x2B
#define SB_FAR_TO32 (SB_STATE + 0x100)
#define SB_FAR_TO64 (SB_STATE + 0x110)
#define SB_CODE32 (SB_CODE + 0x800)


static unsigned prologue32(uint8_t *p)
{
	static const uint8_t save[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55,
					0x41, 0x56, 0x41, 0x57 };
	static const uint8_t ds[] = { 0xB8, SB_USER_DS, 0, 0, 0, 0x8E, 0xD8,
				      0x8E, 0xC0 };
	static const uint8_t jmp32[] = { 0xFF, 0x2C, 0x25 };
	uint32_t a = (uint32_t)SB_FAR_TO32;
	unsigned n = 0, r;

	n = put(p, n, save, sizeof(save));
	n = put_abs(p, n, 0x48, 0x89, 4, SB_STATE +
		    offsetof(struct sb_state, host_rsp));
	n = put(p, n, ds, sizeof(ds));
	n = put_abs(p, n, 0, 0xFF, 6, SB_STATE +
		    offsetof(struct sb_state, rflags));
	p[n++] = 0x9D;
	for (r = 0; r < 16; r++)
		if (r != 4)
			n = put_abs(p, n, 0x48 | (r >= 8 ? 4 : 0), 0x8B, r,
				    st_gpr(r));
	n = put_abs(p, n, 0x48, 0x8B, 4, st_gpr(4));
	n = put(p, n, jmp32, sizeof(jmp32));          /* jmp far [abs] */
	memcpy(p + n, &a, 4);
	return n + 4;
}

/* Back in 64-bit mode: store, restore DS/ES to the null selector. */
static unsigned epilogue32_64(uint8_t *p, unsigned n)
{
	static const uint8_t nullds[] = { 0xB8, 0, 0, 0, 0, 0x8E, 0xD8,
					  0x8E, 0xC0 };
	static const uint8_t restore[] = { 0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D,
					   0x41, 0x5C, 0x5D, 0x5B, 0xFC, 0xC3 };
	unsigned r;

	for (r = 0; r < 16; r++)
		n = put_abs(p, n, 0x48 | (r >= 8 ? 4 : 0), 0x89, r, st_gpr(r));
	n = put_abs(p, n, 0x48, 0x8B, 4, SB_STATE +
		    offsetof(struct sb_state, host_rsp));
	p[n++] = 0x9C;
	n = put_abs(p, n, 0, 0x8F, 0, SB_STATE +
		    offsetof(struct sb_state, rflags));
	n = put(p, n, nullds, sizeof(nullds));
	return put(p, n, restore, sizeof(restore));
}

uint64_t sb_insn_addr32(void)
{
	return SB_CODE32;
}

int sb_run32(const uint8_t *insn, unsigned len, struct sb_state *st,
	     struct sb_fault *f)
{
	struct sb_state *hs = (struct sb_state *)SB_STATE;
	void (*fn)(void) = (void (*)(void))(SB_CODE + 0x400);
	uint8_t *p32 = sb_code + 0x800;
	uint32_t back = (uint32_t)(SB_CODE + 0xC00);
	uint32_t a64 = (uint32_t)SB_FAR_TO64;
	uint32_t to32 = (uint32_t)SB_CODE32;
	uint16_t cs32 = SB_USER32_CS, cs64 = SB_USER_CS;
	unsigned n;

	prologue32(sb_code + 0x400);
	memcpy(p32, insn, len);
	n = len;
	p32[n++] = 0xFF;                              /* jmp far [abs32] */
	p32[n++] = 0x2D;
	memcpy(p32 + n, &a64, 4);
	epilogue32_64(sb_code + 0xC00, 0);
	memcpy((void *)SB_FAR_TO32, &to32, 4);
	memcpy((void *)(SB_FAR_TO32 + 4), &cs32, 2);
	memcpy((void *)SB_FAR_TO64, &back, 4);
	memcpy((void *)(SB_FAR_TO64 + 4), &cs64, 2);
	memcpy(hs, st, sizeof(*st));
	memset(f, 0, sizeof(*f));
	sb_cur = f;
	if (sigsetjmp(sb_jmp, 1) == 0) {
		fn();
		memcpy(st, hs, sizeof(*st));
		return 0;
	}
	return f->sig;
}

uint64_t sb_insn_addr(void)
{
	return SB_CODE + sb_prologue_len;
}

uint8_t *sb_scratch(void)
{
	return (uint8_t *)SB_SCRATCH;
}

int sb_run(const uint8_t *insn, unsigned len, struct sb_state *st,
	   struct sb_fault *f)
{
	struct sb_state *hs = (struct sb_state *)SB_STATE;
	void (*fn)(void) = (void (*)(void))SB_CODE;

	memcpy(sb_code + sb_prologue_len, insn, len);
	epilogue(sb_code, sb_prologue_len + len);
	memcpy(hs, st, sizeof(*st));
	memset(f, 0, sizeof(*f));
	sb_cur = f;
	if (sigsetjmp(sb_jmp, 1) == 0) {
		fn();
		memcpy(st, hs, sizeof(*st));
		return 0;
	}
	return f->sig;
}

void sb_host_sels(uint16_t sel[6])
{
	__asm__ volatile("mov %%es, %0" : "=r"(sel[0]));
	__asm__ volatile("mov %%cs, %0" : "=r"(sel[1]));
	__asm__ volatile("mov %%ss, %0" : "=r"(sel[2]));
	__asm__ volatile("mov %%ds, %0" : "=r"(sel[3]));
	__asm__ volatile("mov %%fs, %0" : "=r"(sel[4]));
	__asm__ volatile("mov %%gs, %0" : "=r"(sel[5]));
}
