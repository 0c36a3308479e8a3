/*
 * desc_env.c - see desc_env.h. GDT layout of a fresh guest:
 *   0x08 flat 32-bit code DPL 0     0x10 flat data DPL 0
 *   0x18 flat 32-bit code DPL 3     0x20 flat data DPL 3
 *   0x28 64-bit code DPL 0          0x30 64-bit code DPL 3
 * (slots from 0x38 up are free for the tests), LDT at ENV_LDT (4 slots,
 * LDTR 0x60 limit 0x1F), TR selector 0x68 at ENV_TSS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "desc_env.h"
#include "test_util.h"

struct desc_env env;

static bool in_tables(uint64_t la)
{
	return (la >= env.gdt_base && la < env.gdt_base + env.gdt_limit + 1u) ||
	       (la >= env.ldtr.base && la < env.ldtr.base + env.ldtr.limit + 1u);
}

static enum emul_mem_status env_read(void *opaque, uint64_t la, void *buf,
				     unsigned len, unsigned acc, uint64_t *gpa,
				     struct emul_event *fault)
{
	if (in_tables(la)) {
		env.sys_reads++;
		if (acc & EMUL_ACC_USER)
			env.user_sys++;
	}
	return fake_ops.read(opaque, la, buf, len, acc, gpa, fault);
}

static enum emul_mem_status env_write(void *opaque, uint64_t la,
				      const void *buf, unsigned len,
				      unsigned acc, uint64_t *gpa,
				      struct emul_event *fault)
{
	if (in_tables(la) && (acc & EMUL_ACC_USER))
		env.user_sys++;
	return fake_ops.write(opaque, la, buf, len, acc, gpa, fault);
}

static void env_get_dtable(void *opaque, unsigned which, uint64_t *base,
			   uint16_t *limit)
{
	(void)opaque;
	assert_int_equal(which, EMUL_DTABLE_GDT);
	*base = env.gdt_base;
	*limit = env.gdt_limit;
}

static void env_get_sysseg(void *opaque, unsigned which, struct emul_seg *s)
{
	(void)opaque;
	*s = which == EMUL_SYSSEG_TR ? env.tr : env.ldtr;
}

static void env_set_sysseg(void *opaque, unsigned which,
			   const struct emul_seg *s)
{
	(void)opaque;
	env.sysseg_sets++;
	if (which == EMUL_SYSSEG_TR)
		env.tr = *s;
	else
		env.ldtr = *s;
}

const struct emul_ops env_ops = {
	.fetch = NULL, /* filled from fake_ops in env_setup */
	.read = env_read,
	.write = env_write,
	.get_dtable = env_get_dtable,
	.get_sysseg = env_get_sysseg,
	.set_sysseg = env_set_sysseg,
};

static struct emul_ops ops_copy;

uint64_t env_desc(uint32_t base, uint32_t limit, unsigned type, unsigned s,
		  unsigned dpl, unsigned present, unsigned flags)
{
	uint64_t lo = (limit & 0xFFFF) | ((uint64_t)(base & 0xFFFF) << 16);
	uint64_t hi = ((base >> 16) & 0xFF) | (type << 8) | (s << 12) |
		      (dpl << 13) | (present << 15) | (limit & 0xF0000) |
		      (flags << 20) | (base & 0xFF000000u);

	return lo | (hi << 32);
}

uint64_t env_gate(uint16_t sel, uint32_t offset, unsigned type, unsigned dpl,
		  unsigned params)
{
	uint64_t lo = (offset & 0xFFFF) | ((uint64_t)sel << 16);
	uint64_t hi = params | (type << 8) | (dpl << 13) | (1u << 15) |
		      (offset & 0xFFFF0000u);

	return lo | (hi << 32);
}

void env_wr(uint64_t la, uint64_t v, unsigned n)
{
	memcpy(env.mem + la, &v, n);
}

uint64_t env_rd(uint64_t la, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, env.mem + la, n);
	return v;
}

void env_set_gdt(unsigned index, uint64_t d)
{
	env_wr(ENV_GDT + 8 * index, d, 8);
}

void env_set_ldt(unsigned index, uint64_t d)
{
	env_wr(ENV_LDT + 8 * index, d, 8);
}

uint64_t env_get_gdt(unsigned index)
{
	return env_rd(ENV_GDT + 8 * index, 8);
}

static void seg_from(struct emul_seg *s, uint16_t sel, uint64_t d)
{
	uint32_t hi = (uint32_t)(d >> 32);

	memset(s, 0, sizeof(*s));
	s->sel = sel;
	s->base = 0;
	s->limit = 0xFFFFFFFF;
	s->type = (hi >> 8) & 0xF;
	s->s = 1;
	s->dpl = (hi >> 13) & 3;
	s->present = 1;
	s->l = (hi >> 21) & 1;
	s->db = (hi >> 22) & 1;
	s->g = 1;
}

void env_setup(enum emul_mode mode, unsigned cpl, const char *hex)
{
	unsigned i;

	memset(&env, 0, sizeof(env));
	unhex(hex, env.mem + ENV_CODE);
	fake_init(&env.fm);
	fake_add(&env.fm, 0, env.mem, sizeof(env.mem), false,
		 1ull << (ENV_MMIO / 4096));
	env.gdt_base = ENV_GDT;
	env.gdt_limit = 0xFF;
	env_set_gdt(1, env_desc(0, 0xFFFFF, 0xB, 1, 0, 1, 0xC));
	env_set_gdt(2, env_desc(0, 0xFFFFF, 0x3, 1, 0, 1, 0xC));
	env_set_gdt(3, env_desc(0, 0xFFFFF, 0xB, 1, 3, 1, 0xC));
	env_set_gdt(4, env_desc(0, 0xFFFFF, 0x3, 1, 3, 1, 0xC));
	env_set_gdt(5, env_desc(0, 0xFFFFF, 0xB, 1, 0, 1, 0xA));
	env_set_gdt(6, env_desc(0, 0xFFFFF, 0xB, 1, 3, 1, 0xA));
	env.ldtr = (struct emul_seg){ .sel = 0x60, .base = ENV_LDT,
		.limit = 0x1F, .type = 2, .present = 1 };
	env.tr = (struct emul_seg){ .sel = 0x68, .base = ENV_TSS,
		.limit = 0x67, .type = 0xB, .present = 1 };
	memset(&env.cpu, 0, sizeof(env.cpu));
	if (mode == EMUL_MODE_REAL) {
		fake_cpu_real(&env.cpu);
		for (i = 0; i < 6; i++) {
			env.cpu.seg[i].sel = 0;
			env.cpu.seg[i].base = 0;
		}
		env.cpu.rip = ENV_CODE;
	} else {
		uint16_t cs = mode == EMUL_MODE_LONG64 ? 0x28 : 0x08;
		uint16_t ds = 0x10;

		if (cpl == 3) {
			cs += mode == EMUL_MODE_LONG64 ? 8 : 0x10;
			ds = 0x20;
		}
		for (i = 0; i < 6; i++)
			seg_from(&env.cpu.seg[i], ds | cpl, env_get_gdt(ds >> 3));
		seg_from(&env.cpu.seg[EMUL_SEG_CS], cs | cpl,
			 env_get_gdt(cs >> 3));
		if (mode == EMUL_MODE_PROT16) {
			env.cpu.seg[EMUL_SEG_CS].db = 0;
			env.cpu.seg[EMUL_SEG_SS].db = 0;
		}
		env.cpu.cr0 = 0x11;
		if (mode == EMUL_MODE_LONG64) {
			env.cpu.cr0 |= 0x80000000u;
			env.cpu.cr4 = 0x20;
			env.cpu.efer = 0x500;
		}
		env.cpu.rflags = 2;
		env.cpu.cpl = (uint8_t)cpl;
		env.cpu.mode = (uint8_t)mode;
		env.cpu.rip = ENV_CODE;
	}
	env.cpu.gpr[EMUL_RSP] = ENV_STACK;
	ops_copy = env_ops;
	ops_copy.fetch = fake_ops.fetch;
	emul_init(&env.ctx, &ops_copy, &env.fm);
}

enum emul_status env_run(void)
{
	return fake_run(&env.ctx, &env.cpu, &env.fm, &env.res, 1000);
}

void env_expect_fault(uint8_t vector, uint32_t error_code)
{
	enum emul_status st = env_run();

	if (st != EMUL_EXCEPTION || env.res.event.vector != vector)
		print_message("status %d vector %u ec %#x\n", st,
			      env.res.event.vector, env.res.event.error_code);
	assert_int_equal(st, EMUL_EXCEPTION);
	assert_int_equal(env.res.event.vector, vector);
	assert_int_equal(env.res.event.has_error_code, 1);
	assert_int_equal(env.res.event.error_code, error_code);
	assert_int_equal(env.cpu.rip, ENV_CODE);
	assert_int_equal(env.cpu.seg_written, 0);
}
