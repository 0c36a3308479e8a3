/*
 * measure_bcd.c - run DAA DAS AAA AAS AAM AAD SALC on the host CPU over
 * their whole input space and print what they do, to model the flags the
 * SDM and APM leave undefined (emul/exec_bcd.c, docs/emulator.md "BCD
 * instructions").
 * Not part of `make test`: a Linux x86-64 user program, run by hand on a
 * host of the vendor being measured.
 *
 *   make -f emul/emul.mk build/host/emul/libemul.a
 *   gcc -O2 -no-pie -Iemul -Itests/unit/emul -o /tmp/measure_bcd \
 *       tools/measure_bcd.c tests/unit/emul/fakemem.c build/host/emul/libemul.a
 *   /tmp/measure_bcd dump DIR   raw results, one binary file per form
 *   /tmp/measure_bcd check [intel|amd]
 *                               every input also through the emulator
 *                               (emul_execute(), 32-bit protected mode,
 *                               the host's vendor unless named): prints
 *                               the mismatches; on an AMD host, "check
 *                               intel" shows the check can fail
 *
 * The instructions are #UD in 64-bit mode, so a far jump enters Linux's
 * 32-bit user code segment (__USER32_CS = 0x23, compatibility mode) and a
 * loop there runs the instruction once per input record, {EAX, EFLAGS} in,
 * {EAX, EFLAGS} out; a far jump to 0x33 comes back. The program is linked
 * without PIE, so its code, data and the 32-bit loop's stack all lie below
 * 4 GiB. The loop's instruction slot is patched (its section is writable;
 * ld warns about the RWX segment) to run each form and AAM/AAD immediate.
 * AAM 0 is run once for its #DE (SIGFPE, on an alternate signal stack:
 * the frame would not fit on the loop's).
 *
 * Inputs: AL and AH exhaustively, EAX bits 31:16 = 0xA5C3 (they must come
 * back unchanged), and the six arithmetic flags CF PF AF ZF SF OF in all
 * 64 combinations (undefined flags could depend on any of them); AAM/AAD
 * with each immediate (AAD 0..255, AAM 1..255) with the flags all clear
 * and all set: 96,337,920 inputs, about 25 s with `check`.
 *
 * Output format (dump): DIR/<form>.bin, records of 4 x uint32_t
 * {eax_in, eflags_in, eax_out, eflags_out}.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>

#include "emul.h"
#include "fakemem.h"

#define ARITH 0x8D5u   /* OF SF ZF AF PF CF */
#define EAX_HIGH 0xA5C30000u

struct rec {
	uint32_t eax, flags;
};

/* Shared with the 32-bit loop (absolute 32-bit addresses). */
uint32_t bcd_in_ptr, bcd_out_ptr, bcd_count;
uint64_t bcd_host_rsp;
uint32_t bcd_stack32[16384] __attribute__((aligned(16)));

void bcd_run(void);
extern uint8_t bcd_slot[2];

/*
 * bcd_run (64-bit): save callee-saved registers and RSP, load DS/ES with
 * __USER_DS (a null data segment faults outside 64-bit mode), far jump to
 * bcd_loop32. bcd_loop32 (32-bit): for each record, load EFLAGS and EAX,
 * run the slot (2 bytes: the instruction, padded with a NOP), store
 * EAX and EFLAGS; then far jump back to bcd_back64, which restores.
 */
__asm__(
	".section .bcdtext,\"awx\",@progbits\n"
	".code64\n"
	".globl bcd_run\n"
	"bcd_run:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	mov %ds, %ebx; mov %es, %ebp\n"
	"	mov %rsp, bcd_host_rsp(%rip)\n"
	"	mov $0x2b, %eax; mov %eax, %ds; mov %eax, %es\n"
	"	ljmpl *bcd_far32(%rip)\n"
	".code32\n"
	"bcd_loop32:\n"
	"	mov $bcd_stack32 + 65536, %esp\n"
	"	mov bcd_in_ptr, %esi\n"
	"	mov bcd_out_ptr, %edi\n"
	"	mov bcd_count, %ecx\n"
	"1:	pushl 4(%esi)\n"
	"	popfl\n"
	"	mov (%esi), %eax\n"
	".globl bcd_slot\n"
	"bcd_slot:\n"
	"	nop; nop\n"
	"	pushfl\n"
	"	popl %edx\n"
	"	mov %eax, (%edi)\n"
	"	mov %edx, 4(%edi)\n"
	"	add $8, %esi\n"
	"	add $8, %edi\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	ljmpl *bcd_far64\n"
	".code64\n"
	"bcd_back64:\n"
	"	mov bcd_host_rsp(%rip), %rsp\n"
	"	mov %ebx, %ds; mov %ebp, %es\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	cld\n"
	"	ret\n"
	"bcd_far32: .long bcd_loop32; .word 0x23\n"
	"bcd_far64: .long bcd_back64; .word 0x33\n"
	".text\n");

static void run_hw(const uint8_t insn[2], const struct rec *in,
		   struct rec *out, uint32_t n)
{
	memcpy(bcd_slot, insn, 2);
	__builtin___clear_cache((char *)bcd_slot, (char *)bcd_slot + 2);
	bcd_in_ptr = (uint32_t)(uintptr_t)in;
	bcd_out_ptr = (uint32_t)(uintptr_t)out;
	bcd_count = n;
	bcd_run();
}

/* The 64 combinations of the arithmetic flags, as EFLAGS values. */
static uint32_t flag_combo(unsigned i)
{
	static const uint32_t bit[6] = { 0x1, 0x4, 0x10, 0x40, 0x80, 0x800 };
	uint32_t f = 0x2;
	unsigned b;

	for (b = 0; b < 6; b++)
		if (i >> b & 1)
			f |= bit[b];
	return f;
}

struct form {
	const char *name;
	uint8_t b0;
	int imm; /* -1: one-byte form */
};

static size_t fill_full(struct rec *in)
{
	size_t n = 0;
	unsigned ax, f;

	for (ax = 0; ax < 0x10000; ax++)
		for (f = 0; f < 64; f++) {
			in[n].eax = EAX_HIGH | ax;
			in[n++].flags = flag_combo(f);
		}
	return n;
}

static size_t fill_imm(struct rec *in)
{
	size_t n = 0;
	unsigned ax;

	for (ax = 0; ax < 0x10000; ax++) {
		in[n].eax = EAX_HIGH | ax;
		in[n++].flags = 0x2;
		in[n].eax = EAX_HIGH | ax;
		in[n++].flags = 0x2 | ARITH;
	}
	return n;
}

static void measure(const struct form *fm, struct rec *in, struct rec *out,
		    size_t n)
{
	uint8_t insn[2] = { fm->b0, fm->imm < 0 ? 0x90 : (uint8_t)fm->imm };
	size_t done;

	/* In chunks: bcd_count is 32-bit and the loop is not interruptible
	 * in any useful way; 64 Ki records per call. */
	for (done = 0; done < n; done += 65536) {
		uint32_t k = (uint32_t)(n - done < 65536 ? n - done : 65536);

		run_hw(insn, in + done, out + done, k);
	}
}

static int dump(const char *dir, const struct form *fm, const struct rec *in,
		const struct rec *out, size_t n)
{
	char path[512];
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, fm->name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	for (i = 0; i < n; i++) {
		uint32_t r[4] = { in[i].eax, in[i].flags, out[i].eax,
				  out[i].flags };

		fwrite(r, sizeof(r), 1, f);
	}
	fclose(f);
	return 0;
}

static sigjmp_buf de_jmp;
static volatile int de_sig;

static void on_fpe(int sig)
{
	de_sig = sig;
	siglongjmp(de_jmp, 1);
}

/* AAM 0: #DE (SIGFPE), AX and flags unchanged is all the CPU can show. */
static void check_aam0(void)
{
	static struct rec in[1] = { { EAX_HIGH | 0x1234, 0x2 } }, out[1];
	const uint8_t insn[2] = { 0xD4, 0x00 };

	static uint8_t altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_fpe, .sa_flags = SA_ONSTACK };

	/* The signal frame (with the XSAVE area) would not fit on the
	 * 32-bit loop's stack. */
	sigaltstack(&ss, NULL);
	sigaction(SIGFPE, &sa, NULL);
	if (sigsetjmp(de_jmp, 1) == 0)
		run_hw(insn, in, out, 1);
	printf("aam 0: %s\n", de_sig == SIGFPE ? "SIGFPE (#DE)" : "no fault");
	signal(SIGFPE, SIG_DFL);
}

/* The emulator's answer for one record: 32-bit flat protected mode, CPL
 * 0, the instruction at 0x1000. */
static struct rec emulate(enum emul_vendor vendor, const uint8_t insn[2],
			  struct rec in)
{
	static uint8_t mem[0x2000];
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	struct rec out = { 0, 0 };

	mem[0x1000] = insn[0];
	mem[0x1001] = insn[1];
	fake_init(&fm);
	fake_add(&fm, 0, mem, sizeof(mem), false, 0);
	fake_cpu_prot(&cpu, true);
	cpu.vendor = (uint8_t)vendor;
	cpu.rip = 0x1000;
	cpu.gpr[EMUL_RAX] = in.eax;
	cpu.rflags = in.flags;
	emul_init(&ctx, &fake_ops, &fm);
	if (fake_run(&ctx, &cpu, &fm, &res, 10) != EMUL_DONE)
		return out; /* never what the CPU gives */
	out.eax = (uint32_t)cpu.gpr[EMUL_RAX];
	out.flags = (uint32_t)cpu.rflags;
	return out;
}

static int vendor_forced = -1;

static enum emul_vendor host_vendor(void)
{
	unsigned a, b, c, d;
	char id[12];

	if (vendor_forced >= 0)
		return (enum emul_vendor)vendor_forced;
	__cpuid(0, a, b, c, d);
	memcpy(id, &b, 4);
	memcpy(id + 4, &d, 4);
	memcpy(id + 8, &c, 4);
	return emul_vendor_of(id);
}

/* Count and show (the first few) records where the emulator differs from
 * the CPU: EAX, or the six arithmetic flags (the CPU's IF is set). */
static size_t check(const struct form *fm, const struct rec *in,
		    const struct rec *out, size_t n)
{
	uint8_t insn[2] = { fm->b0, fm->imm < 0 ? 0x90 : (uint8_t)fm->imm };
	enum emul_vendor v = host_vendor();
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		struct rec e = emulate(v, insn, in[i]);

		if (e.eax == out[i].eax &&
		    !((e.flags ^ out[i].flags) & (ARITH | 0x2)))
			continue;
		if (bad++ < 4)
			printf("%s: eax %08x flags %03x: cpu %08x %03x, "
			       "emul %08x %03x\n", fm->name, in[i].eax,
			       in[i].flags, out[i].eax, out[i].flags & 0xFFF,
			       e.eax, e.flags & 0xFFF);
	}
	return bad;
}

#define N_FULL (0x10000u * 64u)

static int checking;
static const char *dump_dir;
static size_t total_bad, total_n;

static int one_form(const struct form *fm, struct rec *in, struct rec *out,
		    size_t n)
{
	measure(fm, in, out, n);
	total_n += n;
	if (checking) {
		size_t bad = check(fm, in, out, n);

		total_bad += bad;
		if (fm->imm < 0 || fm->imm == 10 || bad)
			printf("%-6s %zu inputs, %zu mismatches\n", fm->name, n,
			       bad);
		return 0;
	}
	return dump(dump_dir, fm, in, out, n);
}

int main(int argc, char **argv)
{
	static const struct form one[] = {
		{ "daa", 0x27, -1 }, { "das", 0x2F, -1 }, { "aaa", 0x37, -1 },
		{ "aas", 0x3F, -1 }, { "salc", 0xD6, -1 },
		{ "aam10", 0xD4, 10 }, { "aad10", 0xD5, 10 },
	};
	/* Static: below 4 GiB in a non-PIE program, as the 32-bit loop
	 * needs. */
	static struct rec in[N_FULL], out[N_FULL];
	size_t k;
	unsigned imm;
	char name[16];

	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		dump_dir = argv[2];
	else if (argc >= 2 && argc <= 3 && strcmp(argv[1], "check") == 0) {
		checking = 1;
		if (argc == 3)
			vendor_forced = strcmp(argv[2], "amd") == 0 ?
					EMUL_VENDOR_AMD : EMUL_VENDOR_INTEL;
	} else {
		fprintf(stderr, "usage: %s dump DIR | check [intel|amd]\n",
			argv[0]);
		return 2;
	}
	check_aam0();
	for (k = 0; k < sizeof(one) / sizeof(one[0]); k++)
		if (one_form(&one[k], in, out, fill_full(in)))
			return 1;
	for (imm = 0; imm < 256; imm++) {
		struct form fm = { name, 0xD5, (int)imm };

		snprintf(name, sizeof(name), "aad_%u", imm);
		if (one_form(&fm, in, out, fill_imm(in)))
			return 1;
		if (imm == 0)
			continue; /* AAM 0: #DE, check_aam0() */
		fm.b0 = 0xD4;
		snprintf(name, sizeof(name), "aam_%u", imm);
		if (one_form(&fm, in, out, fill_imm(in)))
			return 1;
	}
	if (checking)
		printf("total: %zu inputs, %zu mismatches (emulator as %s)\n",
		       total_n, total_bad,
		       host_vendor() == EMUL_VENDOR_AMD ? "AMD" : "Intel");
	return checking && total_bad ? 1 : 0;
}
