/*
 * fuzz_emul.c - random-input fuzzer for the decoder and the emulator, built
 * with AddressSanitizer and UBSan (emul/emul.mk).
 *
 *   fuzz_emul SECONDS [SEED]
 *
 * Each round: random bytes (prefix-heavy) in an exactly-sized heap buffer
 * so any over-read is caught, decoded in every mode with checks of the
 * decoder's contract (length 1..15, deterministic, a shorter buffer gives
 * NEED_MORE); then one instruction executed from a random vCPU state
 * (mode, CPL, RFLAGS, segment attributes and limits, registers pointing
 * near a bounded fake memory with random MMIO pages and IO exits) while a
 * random driver completes, repeats or abandons requests. Invariants: every
 * call returns, request sizes are sane, a bounded number of calls finishes
 * the instruction, and an exception or refusal leaves a non-string
 * instruction's state untouched. Prints one summary line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

#define CODE_BASE 0x7000ull
#define DATA_BASE 0x10000ull
#define DATA_SIZE 0x3000u

#define CHECK(c) do { if (!(c)) { fprintf(stderr, \
	"fuzz_emul: check failed: %s (%s:%d), round %llu\n", #c, __FILE__, \
	__LINE__, (unsigned long long)round_no); abort(); } } while (0)

static unsigned long long round_no;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void random_bytes(struct rng *r, uint8_t *b, unsigned n)
{
	static const uint8_t pfx[] = { 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E,
				       0x3E, 0x26, 0x36, 0x64, 0x65, 0x48,
				       0x41, 0x0F, 0xC4, 0xC5, 0x62, 0x8F };
	unsigned i;

	for (i = 0; i < n; i++)
		b[i] = rng_chance(r, 20) ? pfx[rng_below(r, sizeof(pfx))] :
					   (uint8_t)rng_next(r);
}

static void check_decoder(struct rng *r, const uint8_t *src)
{
	enum emul_vendor v = rng_chance(r, 50) ? EMUL_VENDOR_AMD
					       : EMUL_VENDOR_INTEL;
	enum emul_mode m;

	for (m = EMUL_MODE_REAL; m <= EMUL_MODE_VM86; m++) {
		unsigned avail = 1 + rng_below(r, 15);
		uint8_t *buf = malloc(avail);
		struct emul_insn a, b;
		int la, lb;

		memcpy(buf, src, avail);
		la = emul_decode(&a, buf, avail, m, v);
		lb = emul_decode(&b, buf, avail, m, v);
		CHECK(la == lb);
		CHECK(la <= EMUL_MAX_INSN_LEN);
		CHECK(la >= EMUL_E_UD);
		CHECK(la != 0);
		if (la > 0) {
			CHECK((unsigned)la <= avail);
			CHECK(a.len == la);
			CHECK(emul_insn_len(buf, (size_t)la, m, v) == la);
			if (la > 1)
				CHECK(emul_insn_len(buf, (size_t)la - 1, m, v) ==
				      EMUL_E_NEED_MORE);
		}
		free(buf);
	}
}

static void random_seg(struct rng *r, struct emul_seg *s)
{
	static const uint32_t limits[] = { 0xFFFF, 0xFFFFFFFF, 0xFFF,
					   0x1FFFF, 0x0 };

	s->base = rng_chance(r, 70) ? 0 : (rng_next(r) & 0x1F000);
	s->limit = limits[rng_below(r, 5)];
	s->type = (uint8_t)(rng_chance(r, 80) ? 3 : rng_below(r, 16));
	s->s = 1;
	s->present = !rng_chance(r, 3);
	s->unusable = rng_chance(r, 3);
	s->db = (uint8_t)rng_below(r, 2);
	s->sel = (uint16_t)rng_next(r);
}

static uint64_t random_reg(struct rng *r)
{
	switch (rng_below(r, 4)) {
	case 0: return DATA_BASE + rng_below(r, DATA_SIZE);
	case 1: return rng_below(r, 64);
	case 2: return rng_value(r);
	default: return DATA_BASE + DATA_SIZE - rng_below(r, 16);
	}
}

static bool is_string(const struct emul_insn *in)
{
	return in->map == EMUL_MAP_1B && in->vex == EMUL_VEX_NONE &&
	       ((in->opcode >= 0xA4 && in->opcode <= 0xAF &&
		 in->opcode != 0xA8 && in->opcode != 0xA9) ||
		(in->opcode >= 0x6C && in->opcode <= 0x6F));
}

static unsigned stats[8];

static void check_result(const struct emul_result *res)
{
	CHECK(res->status <= EMUL_UNSUPPORTED);
	if (res->status == EMUL_MMIO_READ || res->status == EMUL_MMIO_WRITE)
		CHECK(res->len >= 1 && res->len <= 8);
	if (res->status == EMUL_IO_IN || res->status == EMUL_IO_OUT)
		CHECK(res->size == 1 || res->size == 2 || res->size == 4);
	if (res->status == EMUL_UNSUPPORTED)
		CHECK(res->reason != EMUL_R_NONE);
}

/* Descriptor tables for the segment loads and far transfers: a GDT and
 * an LDT somewhere in (or near) the data region, random limits. */
static uint64_t gdt_base;
static uint16_t gdt_limit;
static struct emul_seg ldtr;
static struct emul_ops table_ops;

static void fuzz_get_dtable(void *opaque, unsigned which, uint64_t *base,
			    uint16_t *limit)
{
	(void)opaque;
	(void)which;
	*base = gdt_base;
	*limit = gdt_limit;
}

static void fuzz_get_sysseg(void *opaque, unsigned which,
			    struct emul_seg *seg)
{
	(void)opaque;
	(void)which;
	*seg = ldtr;
}

/* emul_ops.simd: a random answer (pending or not, done, #XM, refused)
 * and random results, as a CPU could give. */
static int simd_pending, simd_answer;
static uint64_t simd_value;

static int fuzz_simd(void *opaque, struct emul_simd *op)
{
	(void)opaque;
	if (op->query)
		return simd_pending;
	for (unsigned i = 0; i < 16; i++)
		op->buf[i] = (uint8_t)(simd_value >> (i % 8 * 8));
	op->gpr = simd_value;
	op->rflags = simd_value >> 7;
	return simd_answer;
}

static void random_tables(struct rng *r)
{
	gdt_base = DATA_BASE + rng_below(r, DATA_SIZE) - 64;
	gdt_limit = (uint16_t)(rng_chance(r, 50) ? rng_below(r, 256) :
			       rng_next(r));
	ldtr = (struct emul_seg){ .base = DATA_BASE + rng_below(r, DATA_SIZE),
		.limit = rng_below(r, 512), .sel = (uint16_t)rng_next(r),
		.unusable = (uint8_t)rng_chance(r, 20) };
	table_ops = fake_ops;
	table_ops.get_dtable = fuzz_get_dtable;
	table_ops.get_sysseg = fuzz_get_sysseg;
	table_ops.simd = fuzz_simd;
	simd_pending = rng_chance(r, 10) ? EMUL_SIMD_PENDING : EMUL_SIMD_DONE;
	simd_answer = rng_chance(r, 80) ? EMUL_SIMD_DONE :
		      rng_chance(r, 50) ? EMUL_SIMD_XM : EMUL_SIMD_REFUSED;
	simd_value = rng_next(r);
}

static void fuzz_exec(struct rng *r, const uint8_t *bytes)
{
	static uint8_t code[0x2000], data[DATA_SIZE];
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu, before;
	struct emul_result res;
	struct emul_insn insn;
	unsigned i, calls, max_calls = 64;
	enum emul_status st = EMUL_DONE;
	const uint8_t *insn_at;
	uint64_t la;
	bool decoded;

	for (i = 0; i < sizeof(code); i++)
		code[i] = (uint8_t)rng_next(r);
	memcpy(code + 0x1000 - rng_below(r, 8), bytes, 15);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rng_next(r);
	fake_init(&fm);
	fm.io_exit = rng_chance(r, 50);
	fake_add(&fm, CODE_BASE, code, sizeof(code), false,
		 rng_chance(r, 5) ? 1 : 0);
	fake_add(&fm, DATA_BASE, data, sizeof(data), rng_chance(r, 5),
		 rng_next(r) & 7);

	switch (rng_below(r, 4)) {
	case 0: fake_cpu_long64(&cpu); break;
	case 1: fake_cpu_prot(&cpu, true); break;
	case 2: fake_cpu_prot(&cpu, false); break;
	default: fake_cpu_real(&cpu); break;
	}
	if (rng_chance(r, 20))
		for (i = 0; i < 6; i++)
			if (i != EMUL_SEG_CS)
				random_seg(r, &cpu.seg[i]);
	if (cpu.mode == EMUL_MODE_REAL || rng_chance(r, 50))
		cpu.seg[EMUL_SEG_CS].base = 0;
	cpu.cpl = (uint8_t)(rng_chance(r, 50) ? 0 : 3);
	cpu.rflags = 2 | (rng_next(r) & 0x3CD5);
	if (rng_chance(r, 2))
		cpu.mode = EMUL_MODE_VM86;
	cpu.vendor = (uint8_t)(rng_chance(r, 50) ? EMUL_VENDOR_AMD
						 : EMUL_VENDOR_INTEL);
	for (i = 0; i < 16; i++)
		cpu.gpr[i] = random_reg(r);
	cpu.rip = CODE_BASE + 0x1000 - rng_below(r, 8);
	if (rng_chance(r, 5))
		cpu.rip = rng_value(r);
	/* MMX/SSE: CR4.OSFXSR/OSXMMEXCPT, CR0.EM/TS/NE and the CPUID */
	cpu.cr4 |= rng_next(r) & 0x600;
	cpu.cr0 ^= rng_chance(r, 10) ? rng_next(r) & 0x2C : 0;
	cpu.features = (uint32_t)rng_next(r);
	before = cpu;
	/* Decode the bytes the emulator will see, when they are in one of
	 * the regions (outside them the fetch faults and nothing changes). */
	decoded = false;
	insn_at = NULL;
	la = cpu.mode == EMUL_MODE_LONG64 ? cpu.rip : cpu.rip & 0xFFFFFFFF;
	if (la >= CODE_BASE && la - CODE_BASE <= sizeof(code) - 15)
		insn_at = code + (la - CODE_BASE);
	else if (la >= DATA_BASE && la - DATA_BASE <= DATA_SIZE - 15)
		insn_at = data + (la - DATA_BASE);
	else if (la < CODE_BASE - 16 || la >= DATA_BASE + DATA_SIZE)
		decoded = true; /* no bytes at all: must fault cleanly */
	if (insn_at)
		decoded = emul_decode(&insn, insn_at, 15,
				      (enum emul_mode)cpu.mode,
				      (enum emul_vendor)cpu.vendor) > 0 &&
			  !is_string(&insn);

	random_tables(r);
	emul_init(&ctx, rng_chance(r, 50) ? &table_ops : &fake_ops, &fm);
	ctx.rep_limit = 1 + rng_below(r, 64);
	for (calls = 0; calls < max_calls; calls++) {
		uint64_t v = rng_next(r);

		st = emul_execute(&ctx, &cpu, &res);
		check_result(&res);
		stats[st]++;
		if (st == EMUL_MMIO_READ || st == EMUL_IO_IN) {
			if (rng_chance(r, 5))
				continue;       /* ask again */
			if (rng_chance(r, 2)) {
				emul_abort(&ctx); /* guest reset */
				break;
			}
			CHECK(emul_complete_read(&ctx, &v, st == EMUL_IO_IN ?
						 res.size : res.len) == 0);
			continue;
		}
		if ((st == EMUL_MMIO_WRITE || st == EMUL_IO_OUT) &&
		    !res.retired)
			continue;
		if (st == EMUL_DONE && !res.retired && rng_chance(r, 80))
			continue;       /* REP batch: keep going */
		break;
	}
	CHECK(calls < max_calls || st == EMUL_DONE || st == EMUL_MMIO_READ ||
	      st == EMUL_IO_IN || st == EMUL_MMIO_WRITE || st == EMUL_IO_OUT);
	if ((st == EMUL_EXCEPTION || st == EMUL_UNSUPPORTED) && calls == 0 &&
	    decoded && memcmp(&cpu, &before, sizeof(cpu)) != 0) {
		fprintf(stderr, "fuzz_emul: state changed, mode %d status %d "
			"vector %d rip %llx bytes", before.mode, st,
			res.event.vector, (unsigned long long)before.rip);
		for (i = 0; insn_at && i < 15; i++)
			fprintf(stderr, " %02x", insn_at[i]);
		fprintf(stderr, "\n");
		CHECK(memcmp(&cpu, &before, sizeof(cpu)) == 0);
	}
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 10;
	struct rng r = { argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5EED };
	double t0 = now(), t = t0;
	uint8_t bytes[15];

	while (t - t0 < secs) {
		unsigned k;

		for (k = 0; k < 256; k++, round_no++) {
			random_bytes(&r, bytes, sizeof(bytes));
			check_decoder(&r, bytes);
			fuzz_exec(&r, bytes);
		}
		t = now();
	}
	printf("emul-fuzz: %llu rounds in %.1f s, no crash, no sanitizer "
	       "report; results: done %u, exception %u, mmio-read %u, "
	       "mmio-write %u, io-in %u, io-out %u, unsupported %u\n",
	       round_no, t - t0, stats[0], stats[1], stats[2], stats[3],
	       stats[4], stats[5], stats[6]);
	return 0;
}
