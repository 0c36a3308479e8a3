/*
 * test_diff.c - differential tests: every generated case runs natively on
 * the host CPU (sandbox.c) and in the emulator from the same registers,
 * flags and scratch memory, and must end with identical GPRs, RIP,
 * arithmetic flags + DF (minus the flags the SDM leaves undefined for that
 * instruction), scratch memory, or the same fault (vector, #PF error code
 * and CR2). Each case is emulated three times: scratch as RAM, as MMIO
 * (every access a KVM_EXIT_MMIO-style round trip through fake_run()), and
 * with one page RAM and one MMIO, so the completion protocol is checked
 * against the CPU too. One line per family reports cases run and passed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <asm/prctl.h>
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emul.h"
#include "diffgen.h"
#include "fakemem.h"

#define FL_ARITH 0x8D5u
#define FL_CMP (FL_ARITH | 0x400u)
#define FL_OF 0x800u
#define FL_SF 0x80u
#define FL_ZF 0x40u
#define FL_AF 0x10u
#define FL_PF 0x4u
#define FL_CF 0x1u

static unsigned ncases(void)
{
	const char *s = getenv("EMUL_DIFF_CASES");

	return s ? (unsigned)atoi(s) : 4000;
}

static uint16_t host_sel[6];
/* The emulator follows the vendor of the CPU it is compared with. */
static enum emul_vendor host_vendor;
/* MOVBE is generated only where the host has it (CPUID.1:ECX[22]): a
 * host without it raises #UD, which says nothing about the emulator. */
static bool host_movbe;
/* CMPXCHG16B likewise (CPUID.1:ECX[13]); the emulator is told. */
static bool host_cx16;
/* BMI1 and BMI2 (CPUID.(7,0):EBX[3], [8]): generated where the host has
 * them, and the emulator is told. */
static bool host_bmi1, host_bmi2;

static enum emul_vendor read_host_vendor(void)
{
	unsigned eax, ebx, ecx, edx;
	char id[13];
	enum emul_vendor v;

	__cpuid(0, eax, ebx, ecx, edx);
	(void)eax;
	memcpy(id, &ebx, 4);
	memcpy(id + 4, &edx, 4);
	memcpy(id + 8, &ecx, 4);
	id[12] = 0;
	v = emul_vendor_of(id);
	__cpuid(1, eax, ebx, ecx, edx);
	host_movbe = ecx & (1u << 22);
	host_cx16 = ecx & (1u << 13);
	__cpuid_count(7, 0, eax, ebx, ecx, edx);
	host_bmi1 = ebx & (1u << 3);
	host_bmi2 = ebx & (1u << 8);
	printf("emul-diff: host CPU \"%s\": the emulator follows %s; "
	       "MOVBE %s\n", id, v == EMUL_VENDOR_AMD ? "AMD" : "Intel",
	       host_movbe ? "generated" : "not generated (the host lacks it)");
	return v;
}

static uint64_t insn_addr(void)
{
	return gen_mode32 ? sb_insn_addr32() : sb_insn_addr();
}
static unsigned fail_prints;
static unsigned total_run, total_passed;

static void dump(const char *fam, const struct dcase *c, const char *why)
{
	unsigned i;

	if (fail_prints++ >= 6)
		return;
	print_message("emul-diff %s: %s; bytes", fam, why);
	for (i = 0; i < c->len; i++)
		print_message(" %02x", c->code[i]);
	print_message("\n");
}

/* Run the emulator on the case with scratch pages RAM/MMIO per mmio_pages;
 * compare with the native outcome. */
static bool emu_check(const char *fam, const struct dcase *c,
		      const struct sb_state *nat, const struct sb_fault *nf,
		      uint64_t mmio_pages)
{
	static uint8_t mem[SB_SCRATCH_SIZE], code[4096];
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	enum emul_status st;
	uint32_t fmask = (FL_CMP | c->more_flags) & ~c->undef_flags;
	unsigned i;
	char why[160];

	memcpy(mem, c->scratch, sizeof(mem));
	memset(code, 0xCC, sizeof(code));
	memcpy(code + (insn_addr() - SB_CODE), c->code, c->len);
	fake_init(&fm);
	fake_add(&fm, SB_SCRATCH, mem, sizeof(mem), false, mmio_pages);
	fake_add(&fm, SB_CODE, code, sizeof(code), true, 0);
	if (gen_mode32) {
		/* compatibility mode as Linux sets it up for 32-bit code */
		fake_cpu_prot(&cpu, true);
		cpu.vendor = (uint8_t)host_vendor;
		cpu.cpl = 3;
		for (i = 0; i < 6; i++)
			cpu.seg[i].sel = host_sel[i];
		cpu.seg[EMUL_SEG_CS].sel = 0x23;
		cpu.seg[EMUL_SEG_DS].sel = 0x2B;
		cpu.seg[EMUL_SEG_ES].sel = 0x2B;
	} else {
		fake_cpu_long64(&cpu);
		cpu.vendor = (uint8_t)host_vendor;
		for (i = 0; i < 6; i++)
			cpu.seg[i].sel = host_sel[i];
		cpu.seg[EMUL_SEG_GS].base = GEN_GS_BASE;
	}
	cpu.features = (host_cx16 ? EMUL_FEAT_CX16 : 0) |
		       (host_bmi1 ? EMUL_FEAT_BMI1 : 0) | (host_bmi2 ? EMUL_FEAT_BMI2 : 0);
	memcpy(cpu.gpr, c->in.gpr, sizeof(cpu.gpr));
	cpu.rip = insn_addr();
	cpu.rflags = c->in.rflags;
	/* the runs through MMIO also load segments on demand, as the
	 * hypervisor does */
	if (mmio_pages)
		fake_make_lazy(&fm, &cpu);
	emul_init(&ctx, mmio_pages ? &fake_ops_lazy : &fake_ops, &fm);
	cpu.gpr_written = 0;
	st = fake_run(&ctx, &cpu, &fm, &res, 100000);
	/* the hypervisor copies back only the registers marked written */
	for (i = 0; i < 16; i++)
		if (cpu.gpr[i] != c->in.gpr[i] && !((cpu.gpr_written >> i) & 1)) {
			snprintf(why, sizeof(why), "gpr%u changed, not marked "
				 "written (mmio %llx)", i,
				 (unsigned long long)mmio_pages);
			dump(fam, c, why);
			return false;
		}

	if (nf->sig) {
		if (st != EMUL_EXCEPTION) {
			snprintf(why, sizeof(why), "native trap %d, emul status "
				 "%d (mmio %llx)", nf->trapno, st,
				 (unsigned long long)mmio_pages);
			dump(fam, c, why);
			return false;
		}
		if (res.event.vector != nf->trapno ||
		    (nf->trapno == 14 && ((res.event.error_code & 7) !=
					  (nf->err & 7) ||
					  res.event.cr2 != nf->cr2))) {
			snprintf(why, sizeof(why), "fault: native %d/%llx/%llx "
				 "emul %d/%x/%llx", nf->trapno,
				 (unsigned long long)nf->err,
				 (unsigned long long)nf->cr2, res.event.vector,
				 res.event.error_code,
				 (unsigned long long)res.event.cr2);
			dump(fam, c, why);
			return false;
		}
		if (!c->no_fault_state &&
		    (memcmp(mem, c->scratch, sizeof(mem)) ||
		     memcmp(cpu.gpr, c->in.gpr, sizeof(cpu.gpr)))) {
			dump(fam, c, "state changed by a faulting instruction");
			return false;
		}
		return true;
	}
	if (st != EMUL_DONE) {
		snprintf(why, sizeof(why), "emul status %d (vector %d reason "
			 "%s), native ok (mmio %llx)", st, res.event.vector,
			 emul_reason_str(res.reason),
			 (unsigned long long)mmio_pages);
		dump(fam, c, why);
		return false;
	}
	for (i = 0; i < (gen_mode32 ? 8u : 16u); i++) {
		/* 32-bit mode: the upper halves are undefined across the
		 * mode switch (SDM 3.4.1.1); compare EAX..EDI. */
		uint64_t m = gen_mode32 ? 0xFFFFFFFFull : ~0ull;

		if ((c->undef_regs >> i) & 1)
			continue;
		if ((cpu.gpr[i] ^ nat->gpr[i]) & m) {
			snprintf(why, sizeof(why), "gpr%u native %llx emul %llx "
				 "(in %llx, mmio %llx)", i,
				 (unsigned long long)nat->gpr[i],
				 (unsigned long long)cpu.gpr[i],
				 (unsigned long long)c->in.gpr[i],
				 (unsigned long long)mmio_pages);
			dump(fam, c, why);
			return false;
		}
	}
	if (cpu.rip != insn_addr() + c->len) {
		dump(fam, c, "rip");
		return false;
	}
	if ((cpu.rflags ^ nat->rflags) & fmask) {
		snprintf(why, sizeof(why), "flags native %llx emul %llx in %llx "
			 "mask %x", (unsigned long long)nat->rflags,
			 (unsigned long long)cpu.rflags,
			 (unsigned long long)c->in.rflags, fmask);
		dump(fam, c, why);
		return false;
	}
	if (memcmp(mem, sb_scratch(), sizeof(mem))) {
		for (i = 0; i < sizeof(mem) && mem[i] == sb_scratch()[i]; i++)
			;
		snprintf(why, sizeof(why), "memory at +%#x native %02x emul "
			 "%02x (mmio %llx)", i, sb_scratch()[i], mem[i],
			 (unsigned long long)mmio_pages);
		dump(fam, c, why);
		return false;
	}
	return true;
}

typedef bool (*gen_fn)(struct rng *r, struct dcase *c);

static void run_family(const char *fam, gen_fn gen, uint64_t seed)
{
	static struct dcase c;
	struct rng r = { seed };
	unsigned n = ncases(), i, passed = 0, faults = 0;

	sb_arm();
	fail_prints = 0;

	for (i = 0; i < n; i++) {
		struct sb_state nat;
		struct sb_fault nf;
		bool ok;

		while (!gen(&r, &c))
			;
		memcpy(sb_scratch(), c.scratch, SB_SCRATCH_SIZE);
		nat = c.in;
		if (gen_mode32)
			sb_run32(c.code, c.len, &nat, &nf);
		else
			sb_run(c.code, c.len, &nat, &nf);
		if (nf.sig) {
			faults++;
			if (!c.may_fault) {
				char why[80];

				snprintf(why, sizeof(why), "unexpected native "
					 "trap %d", nf.trapno);
				dump(fam, &c, why);
				continue;
			}
		}
		ok = emu_check(fam, &c, &nat, &nf, 0) &&
		     emu_check(fam, &c, &nat, &nf, 3) &&
		     emu_check(fam, &c, &nat, &nf, 1 + (i & 1));
		passed += ok;
	}
	printf("emul-diff: %-9s %s %u/%u passed (%u faulting; each emulated "
	       "with RAM, MMIO and mixed pages)\n", fam,
	       gen_mode32 ? "32-bit" : "64-bit", passed, n, faults);
	total_run += n;
	total_passed += passed;
	assert_int_equal(passed, n);
}

static uint64_t emul_sx_test(uint64_t v, unsigned size)
{
	return size == 2 ? (uint64_t)(int64_t)(int16_t)v :
	       (uint64_t)(int64_t)(int32_t)v;
}

static unsigned pick_size(struct rng *r)
{
	static const unsigned s[] = { 1, 2, 4, 8 };
	unsigned v = s[rng_below(r, 4)];

	return gen_mode32 && v == 8 ? 4 : v;
}

/* Register or memory r/m operand. */
static void rm_operand(struct gen *g, unsigned reg, unsigned size,
		       bool allow_fault)
{
	if (rng_chance(g->r, 70))
		gen_modrm_mem(g, reg, size, allow_fault);
	else
		gen_modrm_reg(g, reg, gen_reg(g, 0));
}

static void imm_for(struct gen *g, unsigned size)
{
	gen_imm(g, rng_value(g->r), size == 8 ? 4 : size);
}

/* ---- ALU: 00-3D, 80-83, with LOCK on memory destinations ---- */
static bool gen_alu(struct rng *r, struct dcase *c)
{
	struct gen g;
	unsigned op = rng_below(r, 8), size = pick_size(r), form;
	uint8_t opc;

	gen_begin(&g, r, c);
	form = rng_below(r, 5);
	gen_opsize(&g, size);
	if (form == 4) {       /* 80/81/83 group 1 */
		bool ib = size != 1 && rng_chance(r, 50);

		opc = size == 1 ? 0x80 : ib ? 0x83 : 0x81;
		gen_opcode(&g, &opc, 1);
		rm_operand(&g, op, size, true);
		if (g.has_modrm && g.modrm < 0xC0 && op != 7 &&
		    rng_chance(r, 30))
			gen_prefix(&g, 0xF0);
		if (size == 1 || ib)
			gen_imm(&g, rng_value(r), 1);
		else
			imm_for(&g, size);
	} else if (form == 3) { /* AL/rAX, imm */
		opc = (uint8_t)(op * 8 + 4 + (size != 1));
		gen_opcode(&g, &opc, 1);
		imm_for(&g, size);
	} else {                /* Eb,Gb Ev,Gv Gb,Eb Gv,Ev */
		unsigned dir = rng_below(r, 2);

		opc = (uint8_t)(op * 8 + dir * 2 + (size != 1));
		gen_opcode(&g, &opc, 1);
		rm_operand(&g, gen_reg(&g, 0), size, true);
		if (!dir && g.modrm < 0xC0 && op != 7 && rng_chance(r, 30))
			gen_prefix(&g, 0xF0);
	}
	gen_end(&g);
	if (op == 1 || op == 4 || op == 6)
		c->undef_flags = FL_AF;
	return true;
}

/* ---- TEST, INC/DEC, NOT/NEG ---- */
static bool gen_unary(struct rng *r, struct dcase *c)
{
	struct gen g;
	unsigned size = pick_size(r), k = rng_below(r, 5);
	uint8_t opc;

	gen_begin(&g, r, c);
	gen_opsize(&g, size);
	switch (k) {
	case 0: /* TEST Ev,Gv */
		opc = 0x84 | (size != 1);
		gen_opcode(&g, &opc, 1);
		rm_operand(&g, gen_reg(&g, 0), size, true);
		c->undef_flags = FL_AF;
		break;
	case 1: /* TEST Ev,Iz / AL,Ib */
		opc = 0xF6 | (size != 1);
		gen_opcode(&g, &opc, 1);
		rm_operand(&g, 0, size, true);
		imm_for(&g, size);
		c->undef_flags = FL_AF;
		break;
	case 2: /* NOT / NEG */
		opc = 0xF6 | (size != 1);
		gen_opcode(&g, &opc, 1);
		rm_operand(&g, 2 + rng_below(r, 2), size, true);
		break;
	default: /* INC / DEC; 40-4F in 32-bit mode */
		if (gen_mode32 && size != 1 && rng_chance(r, 50)) {
			opc = (uint8_t)(0x40 | rng_below(r, 16));
			gen_opcode(&g, &opc, 1);
			if (rng_chance(r, 10)) {   /* LOCK INC r: #UD */
				gen_prefix(&g, 0xF0);
				c->may_fault = true;
			}
			gen_end(&g);
			return true;
		}
		opc = 0xFE | (size != 1);
		gen_opcode(&g, &opc, 1);
		rm_operand(&g, rng_below(r, 2), size, true);
		break;
	}
	if (k >= 2 && g.modrm < 0xC0 && rng_chance(r, 30))
		gen_prefix(&g, 0xF0);
	gen_end(&g);
	return true;
}

/* ---- MOV family and friends ---- */
static bool gen_mov(struct rng *r, struct dcase *c)
{
	struct gen g;
	unsigned size = pick_size(r), k = rng_below(r, 14);
	uint8_t op[3];

	gen_begin(&g, r, c);
	switch (k) {
	case 0: case 1: /* 88-8B */
		gen_opsize(&g, size);
		op[0] = (uint8_t)(0x88 | (k * 2) | (size != 1));
		gen_opcode(&g, op, 1);
		rm_operand(&g, gen_reg(&g, 0), size, true);
		break;
	case 2: /* C6/C7 */
		gen_opsize(&g, size);
		op[0] = 0xC6 | (size != 1);
		gen_opcode(&g, op, 1);
		rm_operand(&g, 0, size, true);
		imm_for(&g, size);
		break;
	case 3: { /* A0-A3 moffs */
		uint64_t t = gen_target(&g, size);

		gen_opsize(&g, size);
		op[0] = (uint8_t)(0xA0 | (rng_below(r, 2) * 2) | (size != 1));
		gen_opcode(&g, op, 1);
		if (gen_mode32) {
			gen_imm(&g, t, 4);
		} else if (rng_chance(r, 30)) {
			gen_prefix(&g, 0x67);
			gen_imm(&g, t, 4);
		} else {
			gen_imm(&g, t, 8);
		}
		break;
	}
	case 4: /* MOVZX/MOVSX */
		if (size == 1)
			size = 4;
		gen_opsize(&g, size);
		op[0] = 0x0F;
		op[1] = (uint8_t)(0xB6 | (rng_below(r, 2) << 3) |
				  rng_below(r, 2));
		gen_opcode(&g, op, 2);
		rm_operand(&g, gen_reg(&g, 0), op[1] & 1 ? 2 : 1, true);
		break;
	case 5: /* MOVSXD (ARPL in 32-bit mode: not emulated) */
		if (gen_mode32)
			return false;
		gen_opsize(&g, size == 1 ? 8 : size);
		op[0] = 0x63;
		gen_opcode(&g, op, 1);
		rm_operand(&g, gen_reg(&g, 0), size == 8 || size == 1 ? 4 :
			   size, true);
		break;
	case 6: /* LEA */
		gen_opsize(&g, size == 1 ? 4 : size);
		op[0] = 0x8D;
		gen_opcode(&g, op, 1);
		gen_modrm_mem(&g, gen_reg(&g, 0), 1, false);
		break;
	case 7: /* CMOVcc */
		gen_opsize(&g, size == 1 ? 4 : size);
		op[0] = 0x0F;
		op[1] = (uint8_t)(0x40 | rng_below(r, 16));
		gen_opcode(&g, op, 2);
		rm_operand(&g, gen_reg(&g, 0), size == 1 ? 4 : size, true);
		break;
	case 8: /* SETcc */
		op[0] = 0x0F;
		op[1] = (uint8_t)(0x90 | rng_below(r, 16));
		gen_opcode(&g, op, 2);
		rm_operand(&g, 0, 1, true);
		break;
	case 9: /* XCHG */
		gen_opsize(&g, size);
		op[0] = 0x86 | (size != 1);
		gen_opcode(&g, op, 1);
		rm_operand(&g, gen_reg(&g, 0), size, true);
		break;
	case 10: /* CMPXCHG, sometimes making the comparison succeed */
		gen_opsize(&g, size);
		op[0] = 0x0F;
		op[1] = 0xB0 | (size != 1);
		gen_opcode(&g, op, 2);
		rm_operand(&g, gen_reg(&g, 0), size, true);
		if (g.modrm < 0xC0 && rng_chance(r, 30))
			gen_prefix(&g, 0xF0);
		break;
	case 11: /* XADD */
		gen_opsize(&g, size);
		op[0] = 0x0F;
		op[1] = 0xC0 | (size != 1);
		gen_opcode(&g, op, 2);
		rm_operand(&g, gen_reg(&g, 0), size, true);
		if (g.modrm < 0xC0 && rng_chance(r, 30))
			gen_prefix(&g, 0xF0);
		break;
	case 12: /* MOVBE m (where the host has it), and MOVNTI m */
		if (size == 1 || (size == 2 && !host_movbe))
			size = 4;
		gen_opsize(&g, size);
		if (host_movbe && (rng_chance(r, 50) || size == 2)) {
			op[0] = 0x0F;
			op[1] = 0x38;
			op[2] = (uint8_t)(0xF0 | rng_below(r, 2));
			gen_opcode(&g, op, 3);
		} else {
			op[0] = 0x0F;
			op[1] = 0xC3;
			gen_opcode(&g, op, 2);
		}
		gen_modrm_mem(&g, gen_reg(&g, 0), size, true);
		break;
	default: /* MOV Ev, Sreg (DS/ES/SS/FS/GS/CS) */
		gen_opsize(&g, size == 1 ? 4 : size);
		op[0] = 0x8C;
		gen_opcode(&g, op, 1);
		rm_operand(&g, rng_below(r, 6), 2, true);
		break;
	}
	gen_end(&g);
	if (k == 10 && rng_chance(r, 50)) {
		/* Make the accumulator match: the success path. */
		if (g.used_regs & 1)
			;       /* RAX is part of the address */
		else if (g.modrm >= 0xC0)
			c->in.gpr[0] = c->in.gpr[(g.modrm & 7) | ((g.rex & 1) << 3)];
		else if (g.ea >= SB_SCRATCH &&
			 g.ea + 8 <= SB_SCRATCH + SB_SCRATCH_SIZE)
			memcpy(&c->in.gpr[0], c->scratch + (g.ea - SB_SCRATCH), 8);
	}
	return true;
}

/* ---- shifts and rotates ---- */
static bool gen_shift(struct rng *r, struct dcase *c)
{
	struct gen g;
	unsigned size = pick_size(r), op = rng_below(r, 8), k = rng_below(r, 4);
	unsigned bits = 8 * size, cnt, mask = size == 8 ? 63 : 31;
	uint8_t opc[2];

	gen_begin(&g, r, c);
	gen_opsize(&g, size);
	if (k == 3) { /* SHLD/SHRD */
		if (size == 1)
			return false;
		opc[0] = 0x0F;
		opc[1] = (uint8_t)(0xA4 | (rng_below(r, 2) << 3) |
				   rng_below(r, 2));
		gen_opcode(&g, opc, 2);
		cnt = rng_below(r, 70);
		c->in.gpr[1] = (c->in.gpr[1] & ~0xFFull) | cnt;
		g.used_regs |= 1u << 1;  /* CL: not an address register */
		rm_operand(&g, gen_reg(&g, 1u << 1), size, true);
		if (!(opc[1] & 1))
			gen_imm(&g, cnt, 1);
		if (g.has_modrm && (g.modrm >> 6) == 3 &&
		    (g.modrm & 7) == 1 && !(g.rex & 1) && (opc[1] & 1))
			return false;
		gen_end(&g);
		cnt &= mask;
		if (cnt > bits)
			return false; /* undefined result */
		c->undef_flags = FL_AF | (cnt > 1 ? FL_OF : 0);
		return true;
	}
	opc[0] = (uint8_t)((k == 0 ? 0xC0 : k == 1 ? 0xD0 : 0xD2) |
			   (size != 1));
	gen_opcode(&g, opc, 1);
	cnt = rng_chance(r, 30) ? rng_below(r, 3) : rng_below(r, 80);
	c->in.gpr[1] = (c->in.gpr[1] & ~0xFFull) | (cnt & 0xFF);
	g.used_regs |= 1u << 1;
	rm_operand(&g, op, size, true);
	if (k == 0)
		gen_imm(&g, cnt, 1);
	else if (k == 1)
		cnt = 1;
	gen_end(&g);
	/* The count register may also be the operand; use what the CPU
	 * will see. */
	if (k == 2)
		cnt = (unsigned)c->in.gpr[1] & 0xFF;
	cnt &= mask;
	if (cnt > 1)
		c->undef_flags |= FL_OF;
	if (op >= 4)
		c->undef_flags |= FL_AF;
	if ((op == 4 || op == 5 || op == 6) && cnt >= bits)
		c->undef_flags |= FL_CF;
	return true;
}

/* ---- BT/BTS/BTR/BTC and BSF/BSR ---- */
static bool gen_bit(struct rng *r, struct dcase *c)
{
	struct gen g;
	unsigned size = 2 << rng_below(r, gen_mode32 ? 2 : 3);
	unsigned k = rng_below(r, 3);
	uint8_t opc[2] = { 0x0F, 0 };

	gen_begin(&g, r, c);
	gen_opsize(&g, size);
	if (k == 0) { /* register bit offset */
		unsigned reg;

		opc[1] = (uint8_t)(0xA3 | (rng_below(r, 4) << 3));
		gen_opcode(&g, opc, 2);
		reg = gen_reg(&g, 0);
		rm_operand(&g, reg, size, true);
		if (g.modrm < 0xC0) {
			/* Keep the addressed unit inside scratch. */
			if ((g.used_regs >> reg) & 1)
				return false;
			c->in.gpr[reg] = (uint64_t)((int64_t)rng_below(r, 2048)
						    - 1024);
			c->may_fault = true; /* may leave scratch */
		}
		if (opc[1] != 0xA3 && g.modrm < 0xC0 && rng_chance(r, 30))
			gen_prefix(&g, 0xF0);
		c->undef_flags = FL_OF | FL_SF | FL_AF | FL_PF;
	} else if (k == 1) { /* imm8 offset */
		opc[1] = 0xBA;
		gen_opcode(&g, opc, 2);
		rm_operand(&g, 4 + rng_below(r, 4), size, true);
		gen_imm(&g, rng_next(r) & 0xFF, 1);
		c->undef_flags = FL_OF | FL_SF | FL_AF | FL_PF;
	} else { /* BSF/BSR */
		unsigned reg = gen_reg(&g, 0);

		opc[1] = (uint8_t)(0xBC | rng_below(r, 2));
		gen_opcode(&g, opc, 2);
		rm_operand(&g, reg, size, true);
		c->undef_flags = FL_CF | FL_OF | FL_SF | FL_AF | FL_PF;
		/* Zero source: the destination is architecturally
		 * undefined (Intel). */
		c->undef_regs = (uint16_t)(1u << reg);
	}
	gen_end(&g);
	return true;
}

/* ---- MUL/IMUL/DIV/IDIV ---- */
static bool gen_muldiv(struct rng *r, struct dcase *c)
{
	struct gen g;
	unsigned size = pick_size(r), k = rng_below(r, 4);
	uint8_t opc[2];

	gen_begin(&g, r, c);
	gen_opsize(&g, size);
	c->may_fault = true; /* #DE */
	if (k == 0) {
		unsigned op = 4 + rng_below(r, 4);

		opc[0] = 0xF6 | (size != 1);
		gen_opcode(&g, opc, 1);
		if (op >= 6 && rng_chance(r, 60)) {
			/* keep most divisions legal; RDX is then no address */
			c->in.gpr[2] = rng_below(r, 3) == 0 ? (uint64_t)-1 :
							     rng_below(r, 4);
			g.used_regs |= 1u << 2;
		}
		rm_operand(&g, op, size, true);
		if (op >= 6) {
			c->undef_flags = FL_ARITH;
		} else {
			c->undef_flags = FL_SF | FL_ZF | FL_AF | FL_PF;
		}
	} else {
		if (size == 1)
			size = 4;
		gen_opsize(&g, size);
		if (k == 1) {
			opc[0] = 0x0F;
			opc[1] = 0xAF;
			gen_opcode(&g, opc, 2);
			rm_operand(&g, gen_reg(&g, 0), size, true);
		} else {
			opc[0] = k == 2 ? 0x69 : 0x6B;
			gen_opcode(&g, opc, 1);
			rm_operand(&g, gen_reg(&g, 0), size, true);
			if (k == 2)
				imm_for(&g, size);
			else
				gen_imm(&g, rng_value(r), 1);
		}
		c->undef_flags = FL_SF | FL_ZF | FL_AF | FL_PF;
	}
	gen_end(&g);
	return true;
}

/* ---- string instructions with REP prefixes, DF both ways ---- */
static bool gen_string(struct rng *r, struct dcase *c)
{
	static const uint8_t ops[] = { 0xA4, 0xA6, 0xAA, 0xAC, 0xAE };
	struct gen g;
	unsigned size = pick_size(r), count;
	unsigned a32 = !gen_mode32 && rng_chance(r, 25);
	uint8_t opc = (uint8_t)(ops[rng_below(r, 5)] | (size != 1));
	uint64_t hi = a32 ? rng_next(r) << 32 : 0;
	bool rep = rng_chance(r, 70), gs = false;

	gen_begin(&g, r, c);
	gen_opsize(&g, size);
	if (a32)
		gen_prefix(&g, 0x67);
	if (rep)
		gen_prefix(&g, rng_chance(r, 50) ? 0xF3 : 0xF2);
	gen_opcode(&g, &opc, 1);
	gen_end(&g);
	count = rng_chance(r, 10) ? 0 : rng_below(r, 40);
	c->in.gpr[1] = hi | count;
	/* Sources and destinations with room for 40 elements either way;
	 * make CMPS/SCAS runs match sometimes so REPE keeps going. */
	c->in.gpr[6] = hi | (SB_SCRATCH + 512 + rng_below(r, 3000));
	c->in.gpr[7] = hi | (SB_SCRATCH + 4096 + rng_below(r, 3000));
	if (rng_chance(r, 20))
		c->in.gpr[7] = hi | (SB_SCRATCH + 4096 - 80 +
				     rng_below(r, 160)); /* across pages */
	/* gs: on the source of MOVS/CMPS/LODS (ES:rDI cannot be
	 * overridden); the index register then holds linear - GS base. */
	if (!gen_mode32 && (opc & ~1) != 0xAA && (opc & ~1) != 0xAE &&
	    rng_chance(r, 15)) {
		memmove(c->code + 1, c->code, c->len);
		c->code[0] = 0x65;
		c->len++;
		c->in.gpr[6] -= GEN_GS_BASE;
		gs = true;
	}
	if ((opc & ~1) == 0xA6 && rng_chance(r, 50))
		memcpy(c->scratch + (c->in.gpr[7] & 0xFFFF) - 320,
		       c->scratch + ((c->in.gpr[6] + (gs ? GEN_GS_BASE : 0)) &
				     0xFFFF) - 320, 640);
	if ((opc & ~1) == 0xAE && rng_chance(r, 50)) {
		unsigned i;
		uint64_t a = c->in.gpr[0];

		for (i = 0; i < 320; i += size)
			memcpy(c->scratch + (c->in.gpr[7] & 0xFFFF) - 320 + i,
			       &a, size);
		memcpy(c->scratch + (c->in.gpr[7] & 0xFFFF), &a, size);
	}
	return true;
}

/* ---- PUSH/POP ---- */
static bool gen_stack(struct rng *r, struct dcase *c)
{
	struct gen g;
	unsigned k = rng_below(r, 8), size = rng_chance(r, 25) ? 2 :
					     gen_mode32 ? 4 : 8;
	unsigned nregs = gen_mode32 ? 8 : 16;
	uint8_t op[2];

	gen_begin(&g, r, c);
	if (size == 2)
		gen_prefix(&g, 0x66);
	switch (k) {
	case 0: { /* PUSH r */
		unsigned reg = rng_below(r, nregs);

		op[0] = (uint8_t)(0x50 | (reg & 7));
		g.rex |= reg >> 3;
		gen_opcode(&g, op, 1);
		break;
	}
	case 1: { /* POP r */
		unsigned reg = rng_below(r, nregs);

		op[0] = (uint8_t)(0x58 | (reg & 7));
		g.rex |= reg >> 3;
		gen_opcode(&g, op, 1);
		break;
	}
	case 2: /* PUSH imm; sometimes a stray REX.W before another REX or
		 * before 66h, which the CPU ignores (SDM 2.2.1) */
		if (!gen_mode32 && rng_chance(r, 30)) {
			static const uint8_t stray[][2] = {
				{ 0x48, 0x40 }, { 0x48, 0x66 }, { 0x4F, 0x41 },
			};
			/* 16-bit (66h already there): a REX.W followed by
			 * 66h or by another REX is ignored, so the push stays
			 * 16-bit (objdump would make it 64-bit); 64-bit: two
			 * REX prefixes */
			unsigned k2 = size == 2 ? rng_below(r, 2) :
				      rng_chance(r, 50) ? 0 : 2;

			gen_prefix(&g, stray[k2][0]);
			gen_prefix(&g, stray[k2][1]);
		}
		op[0] = rng_chance(r, 50) ? 0x6A : 0x68;
		gen_opcode(&g, op, 1);
		gen_imm(&g, rng_value(r), op[0] == 0x6A ? 1 : size == 2 ? 2 : 4);
		break;
	case 3: /* PUSH r/m */
		op[0] = 0xFF;
		gen_opcode(&g, op, 1);
		rm_operand(&g, 6, size, true);
		break;
	case 4: /* POP r/m */
		op[0] = 0x8F;
		gen_opcode(&g, op, 1);
		rm_operand(&g, 0, size, true);
		break;
	case 5: /* PUSHF */
		op[0] = 0x9C;
		gen_opcode(&g, op, 1);
		break;
	case 6: /* LEAVE: RBP somewhere in scratch */
		op[0] = 0xC9;
		gen_opcode(&g, op, 1);
		c->in.gpr[5] = SB_SCRATCH + 64 + 2 * rng_below(r, 4000);
		break;
	default: /* PUSH FS/GS (and ES/CS/SS/DS in 32-bit mode) */
		if (gen_mode32 && rng_chance(r, 50)) {
			op[0] = (uint8_t)(0x06 + 8 * rng_below(r, 4));
			gen_opcode(&g, op, 1);
			break;
		}
		op[0] = 0x0F;
		op[1] = rng_chance(r, 50) ? 0xA0 : 0xA8;
		gen_opcode(&g, op, 2);
		break;
	}
	gen_end(&g);
	return true;
}

/* ENTER with every nesting level, frames near or on the pushes and a
 * final rSP that may be unmapped; POPF with the flags user mode may and
 * may not change; CMPXCHG8B; in 32-bit mode PUSHA/POPA, BOUND (#BR),
 * ARPL (on memory that cannot fault); in 64-bit mode CMPXCHG16B (aligned or not) where the host has
 * it. */
static void gen_enter(struct gen *g, struct rng *r, struct dcase *c)
{
	static const uint8_t op = 0xC8;
	uint64_t sp = c->in.gpr[4];

	if (rng_chance(r, 25))
		gen_prefix(g, 0x66);
	gen_opcode(g, &op, 1);
	gen_imm(g, (rng_chance(r, 60) ? rng_below(r, 64) : rng_below(r, 65536)) |
		   (uint64_t)rng_below(r, 40) << 16, 3);
	c->in.gpr[5] = rng_chance(r, 50) ? sp - 24 + rng_below(r, 64) :
		       SB_SCRATCH + 256 + rng_below(r, SB_SCRATCH_SIZE - 256);
	c->may_fault = true;    /* frame reads below scratch, final rSP */
}

static void gen_popf(struct gen *g, struct rng *r, struct dcase *c)
{
	static const uint8_t op = 0x9D;
	/* not TF (a trap), AC (alignment checks in the sandbox), NT */
	uint64_t v = rng_next(r) & ~0x44100ull;

	if (rng_chance(r, 25))
		gen_prefix(g, 0x66);
	gen_opcode(g, &op, 1);
	memcpy(c->scratch + (c->in.gpr[4] - SB_SCRATCH), &v, 8);
	c->more_flags = 0x203200;       /* IF IOPL (kept at CPL 3), ID */
}

static void gen_cmpxchg16b(struct gen *g, struct rng *r, struct dcase *c)
{
	static const uint8_t op[2] = { 0x0F, 0xC7 };
	unsigned base = gen_reg(g, 0x3039);  /* not RAX RBX RCX RDX RSP RBP
					      * R12 R13 */
	uint64_t off = 16 * rng_below(r, SB_SCRATCH_SIZE / 16);

	if (rng_chance(r, 15))
		off = (off + 8 * (1 + rng_below(r, 2))) % SB_SCRATCH_SIZE;
	if (rng_chance(r, 50))
		gen_prefix(g, 0xF0);
	g->rex |= 8 | (base >> 3);
	gen_opcode(g, op, 2);
	g->has_modrm = true;
	g->modrm = (uint8_t)(0x08 | (base & 7));
	c->in.gpr[base] = SB_SCRATCH + off;
	if (rng_chance(r, 50) && off + 16 <= SB_SCRATCH_SIZE) {
		memcpy(&c->in.gpr[0], c->scratch + off, 8);
		memcpy(&c->in.gpr[2], c->scratch + off + 8, 8);
	}
	c->may_fault = true;    /* misaligned: #GP; past scratch: #PF */
}

static void gen_bound(struct gen *g, struct rng *r, struct dcase *c)
{
	static const uint8_t op = 0x62;
	unsigned size = rng_chance(r, 25) ? 2 : 4;
	unsigned reg = gen_reg(g, 0x10);
	int64_t idx, lo, hi;

	if (size == 2)
		gen_prefix(g, 0x66);
	gen_opcode(g, &op, 1);
	gen_modrm_mem(g, reg, 2 * size, true);
	idx = (int64_t)emul_sx_test(c->in.gpr[reg], size);
	lo = idx - (int64_t)rng_below(r, 4) + 1;
	hi = idx + (int64_t)rng_below(r, 4) - 1;
	if (g->ea >= SB_SCRATCH && g->ea + 2 * size <= SB_SCRATCH + SB_SCRATCH_SIZE) {
		memcpy(c->scratch + (g->ea - SB_SCRATCH), &lo, size);
		memcpy(c->scratch + (g->ea - SB_SCRATCH) + size, &hi, size);
	}
	c->may_fault = true;    /* #BR */
}

static void gen_cmpxchg8b(struct gen *g, struct rng *r, struct dcase *c)
{
	static const uint8_t op[2] = { 0x0F, 0xC7 };
	uint64_t off;

	if (rng_chance(r, 50))
		gen_prefix(g, 0xF0);
	gen_opcode(g, op, 2);
	g->used_regs |= 0xF;    /* EAX ECX EDX EBX are operands */
	gen_modrm_mem(g, 1, 8, true);
	off = g->ea - SB_SCRATCH;
	if (rng_chance(r, 50) && g->ea >= SB_SCRATCH &&
	    off + 8 <= SB_SCRATCH_SIZE) {
		uint32_t lo, hi;

		memcpy(&lo, c->scratch + off, 4);
		memcpy(&hi, c->scratch + off + 4, 4);
		c->in.gpr[0] = (c->in.gpr[0] & ~0xFFFFFFFFull) | lo;
		c->in.gpr[2] = (c->in.gpr[2] & ~0xFFFFFFFFull) | hi;
	}
}

static bool gen_frame(struct rng *r, struct dcase *c)
{
	static const uint8_t pusha = 0x60, popa = 0x61, arpl = 0x63;
	struct gen g;
	unsigned k = rng_below(r, gen_mode32 ? 7 : 4);

	gen_begin(&g, r, c);
	if (k == (gen_mode32 ? 6u : 3u)) {
		gen_cmpxchg8b(&g, r, c);
		gen_end(&g);
		return true;
	}
	switch (k) {
	case 0:
		gen_enter(&g, r, c);
		break;
	case 1:
		gen_popf(&g, r, c);
		break;
	case 2:
		if (gen_mode32) {
			gen_bound(&g, r, c);
		} else if (host_cx16) {
			gen_cmpxchg16b(&g, r, c);
		} else {
			gen_enter(&g, r, c);
		}
		break;
	case 3:
	case 4:
		if (rng_chance(r, 25))
			gen_prefix(&g, 0x66);
		gen_opcode(&g, k == 3 ? &pusha : &popa, 1);
		break;
	default: /* ARPL r/m16, r16 */
		/* a destination that cannot fault: whether the CPU reads it
		 * as a read or a write (the #PF error code's W) was measured
		 * on AMD only (exec_bound_arpl.c), and these tests run on
		 * the host, Intel or AMD; test_intforms pins the model */
		gen_opcode(&g, &arpl, 1);
		rm_operand(&g, gen_reg(&g, 0x10), 2, false);
		break;
	}
	gen_end(&g);
	return true;
}

/* DAA DAS AAA AAS AAM AAD SALC (exec_bcd.c): run in 32-bit mode, #UD in
 * 64-bit mode. The flags the SDM leaves undefined are compared on AMD
 * hosts (the emulator's AMD model is measured) and masked on others (its
 * Intel model is sandpile.org's, not measured: docs/emulator.md "BCD
 * instructions"). */
static bool gen_bcd(struct rng *r, struct dcase *c)
{
	static const uint8_t ops[] = { 0x27, 0x2F, 0x37, 0x3F, 0xD4, 0xD5,
				       0xD6 };
	static const uint32_t undef[] = {
		FL_OF, FL_OF, FL_OF | FL_SF | FL_ZF | FL_PF,
		FL_OF | FL_SF | FL_ZF | FL_PF, FL_OF | FL_AF | FL_CF,
		FL_OF | FL_AF | FL_CF, 0,
	};
	unsigned k = rng_below(r, 7), imm = 0;
	struct gen g;

	gen_begin(&g, r, c);
	if (rng_chance(r, 20))
		gen_prefix(&g, 0x66);
	gen_opcode(&g, &ops[k], 1);
	if (ops[k] == 0xD4 || ops[k] == 0xD5) {
		imm = rng_chance(r, 50) ? 10 : rng_below(r, 256);
		gen_imm(&g, imm, 1);
	}
	/* #UD in 64-bit mode, #DE for AAM 0 */
	c->may_fault = !gen_mode32 || (ops[k] == 0xD4 && imm == 0);
	if (host_vendor != EMUL_VENDOR_AMD)
		c->undef_flags = undef[k];
	gen_end(&g);
	return true;
}

/* BMI1 and BMI2 (exec_bmi.c), VEX-encoded, 32- and 64-bit operands, where
 * the host has them. AF, PF and BEXTR's SF, which the SDM leaves
 * undefined, are compared on AMD hosts (the emulator's model is measured
 * there) and masked on others (docs/emulator.md "BMI1 and BMI2"). */
struct bmi_form {
	uint8_t map, opcode, pp, reg;   /* reg: the fixed ModRM.reg or 8 */
	bool bmi2, flags, imm, bextr;
};

static const struct bmi_form bmi_forms[] = {
	{ 2, 0xF2, 0, 8, false, true, false, false },   /* ANDN */
	{ 2, 0xF3, 0, 1, false, true, false, false },   /* BLSR */
	{ 2, 0xF3, 0, 2, false, true, false, false },   /* BLSMSK */
	{ 2, 0xF3, 0, 3, false, true, false, false },   /* BLSI */
	{ 2, 0xF7, 0, 8, false, true, false, true },    /* BEXTR */
	{ 2, 0xF5, 0, 8, true, true, false, false },    /* BZHI */
	{ 2, 0xF5, 2, 8, true, false, false, false },   /* PEXT */
	{ 2, 0xF5, 3, 8, true, false, false, false },   /* PDEP */
	{ 2, 0xF6, 3, 8, true, false, false, false },   /* MULX */
	{ 2, 0xF7, 1, 8, true, false, false, false },   /* SHLX */
	{ 2, 0xF7, 2, 8, true, false, false, false },   /* SARX */
	{ 2, 0xF7, 3, 8, true, false, false, false },   /* SHRX */
	{ 3, 0xF0, 3, 8, true, false, true, false },    /* RORX */
};

static bool gen_bmi(struct rng *r, struct dcase *c)
{
	const struct bmi_form *f = &bmi_forms[rng_below(r, 13)];
	unsigned size = gen_mode32 || rng_chance(r, 50) ? 4 : 8;
	struct gen g;

	if (!(f->bmi2 ? host_bmi2 : host_bmi1))
		return false;
	gen_begin(&g, r, c);
	gen_opsize(&g, size);
	gen_vex(&g, f->map, f->pp, gen_reg(&g, 0) & (gen_mode32 ? 7 : 15));
	gen_opcode(&g, &f->opcode, 1);
	rm_operand(&g, f->reg < 8 ? f->reg : gen_reg(&g, 0), size, true);
	if (f->imm)
		gen_imm(&g, rng_next(r) & 0xFF, 1);
	/* small shift counts and BEXTR/BZHI controls now and then */
	if (rng_chance(r, 40) && !((g.used_regs >> g.vex_vvvv) & 1))
		c->in.gpr[g.vex_vvvv] = rng_below(r, 80) | rng_below(r, 80) << 8;
	c->may_fault = true;
	if (f->flags && host_vendor != EMUL_VENDOR_AMD)
		c->undef_flags = FL_AF | FL_PF | (f->bextr ? FL_SF : 0);
	gen_end(&g);
	return true;
}

#define FAMILY(name, seed)                                              \
	static void test_##name(void **s)                               \
	{                                                               \
		(void)s;                                                \
		gen_mode32 = false;                                     \
		run_family(#name, gen_##name, seed);                    \
	}                                                               \
	static void test_##name##32(void **s)                           \
	{                                                               \
		(void)s;                                                \
		gen_mode32 = true;                                      \
		run_family(#name, gen_##name, seed + 100);              \
	}

FAMILY(alu, 11)
FAMILY(unary, 12)
FAMILY(mov, 13)
FAMILY(shift, 14)
FAMILY(bit, 15)
FAMILY(muldiv, 16)
FAMILY(string, 17)
FAMILY(stack, 18)
FAMILY(frame, 19)
FAMILY(bcd, 20)

/* bmi: only on a host with BMI1 or BMI2 (gen_bmi would find no form
 * otherwise); test_exec pins the emulator's BMI forms on every host. */
static void test_bmi_family(bool mode32)
{
	if (!host_bmi1 && !host_bmi2) {
		printf("emul-diff: bmi       %d-bit skipped: the host CPU has neither "
		       "BMI1 nor BMI2\n", mode32 ? 32 : 64);
		skip();
	}
	gen_mode32 = mode32;
	run_family("bmi", gen_bmi, mode32 ? 121 : 21);
}

static void test_bmi(void **s)
{
	(void)s;
	test_bmi_family(false);
}

static void test_bmi32(void **s)
{
	(void)s;
	test_bmi_family(true);
}

static void test_total(void **s)
{
	(void)s;
	printf("emul-diff: total %u/%u differential cases passed\n",
	       total_passed, total_run);
	assert_int_equal(total_passed, total_run);
	assert_true(total_run > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alu),
		cmocka_unit_test(test_unary),
		cmocka_unit_test(test_mov),
		cmocka_unit_test(test_shift),
		cmocka_unit_test(test_bit),
		cmocka_unit_test(test_muldiv),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_stack),
		cmocka_unit_test(test_alu32),
		cmocka_unit_test(test_unary32),
		cmocka_unit_test(test_mov32),
		cmocka_unit_test(test_shift32),
		cmocka_unit_test(test_bit32),
		cmocka_unit_test(test_muldiv32),
		cmocka_unit_test(test_string32),
		cmocka_unit_test(test_stack32),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_frame32),
		cmocka_unit_test(test_bcd),
		cmocka_unit_test(test_bcd32),
		cmocka_unit_test(test_bmi),
		cmocka_unit_test(test_bmi32),
		cmocka_unit_test(test_total),
	};

	if (sb_init() || syscall(SYS_arch_prctl, ARCH_SET_GS, GEN_GS_BASE)) {
		fprintf(stderr, "emul-diff: cannot set up the sandbox\n");
		return 1;
	}
	sb_host_sels(host_sel);
	setvbuf(stdout, NULL, _IONBF, 0);
	host_vendor = read_host_vendor();
	return cmocka_run_group_tests_name("emul-diff", tests, NULL, NULL);
}
