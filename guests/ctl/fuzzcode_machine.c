/*
 * The machine `fuzzcode` runs random code on (fuzzcode.h): one VM, one vCPU,
 * the system area each mode needs (IVT, GDT, IDT, TSS, LDT, page tables),
 * and a program's starting registers. Descriptor formats: Intel SDM Vol. 3A
 * 3.4.5 (segments), 6.11 and 6.14.1 (IDT gates), 7.2.1 and 8.7 (TSS);
 * paging: 4.3 (32-bit), 4.4 (PAE), 4.5 (4-level). Control partition only.
 *
 * Every table is written so that the CPU never writes it: descriptors have
 * their accessed bit set, the TSS descriptors are busy, and page-table
 * entries have A and D set. So in the paging modes the system area can be
 * read-only, and the guard (cmd_fuzzcode.c) sees any change as the guest's.
 */
#include <string.h>

#include "guests/ctl/fuzzcode.h"
#include "guests/ctl/kvm_client.h"

#define PTE_P   0x001ULL
#define PTE_RW  0x002ULL
#define PTE_US  0x004ULL
#define PTE_A   0x020ULL
#define PTE_D   0x040ULL

#define CR0_PE  0x00000001ULL
#define CR0_MP  0x00000002ULL
#define CR0_ET  0x00000010ULL
#define CR0_NE  0x00000020ULL
#define CR0_WP  0x00010000ULL
#define CR0_PG  0x80000000ULL
#define CR4_PSE 0x010ULL
#define CR4_PAE 0x020ULL
#define CR4_PGE 0x080ULL
#define CR4_OSFXSR 0x200ULL
#define CR4_OSXMMEXCPT 0x400ULL
#define EFER_SCE 0x001ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL

#define RFLAGS_FIXED 0x2ULL
#define RFLAGS_ARITH 0x8d5ULL           /* CF PF AF ZF SF OF */
#define RFLAGS_IF   0x200ULL
#define RFLAGS_DF   0x400ULL
#define RFLAGS_IOPL 0x3000ULL
#define RFLAGS_NT   0x4000ULL
#define RFLAGS_AC   0x40000ULL

/* ---- randomness ---------------------------------------------------------- */

uint64_t fc_rnd(struct fc_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

uint64_t fc_below(struct fc_rng *r, uint64_t n)
{
	return n ? fc_rnd(r) % n : 0;
}

bool fc_chance(struct fc_rng *r, unsigned percent)
{
	return fc_below(r, 100) < percent;
}

void fc_fill(struct fc_rng *r, uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i += 8) {
		uint64_t v = fc_rnd(r);
		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

/*
 * Byte patterns that stop an emulator the tests run on, which random code
 * must not hold (a defect of the emulator, not of BareKVM; replaced
 * wherever random bytes are written):
 *  - MOV to DR7 (0F 23 with ModRM.reg 7, or 5, DR7's alias without
 *    CR4.DE) becomes MOV to DR0: a random DR7 arms QEMU's emulated debug
 *    registers, and within a few thousand programs a data breakpoint stops
 *    QEMU 7.2 with an assertion (qemu_mutex_lock_iothread_impl). Nothing
 *    resets a guest's DR7 between programs (kvm.h has no request for it).
 *  - LOCK before BT/BTS/BTR/BTC (0F A3 AB B3 BB BA) becomes DS: with a
 *    register operand, where the CPU raises #UD, QEMU 7.2's translator
 *    uses an unset temporary and aborts ("tcg fatal error"; fixed upstream
 *    as "target/i386: Fix LOCK prefix handling with BTx instructions").
 */
static bool is_bt(const uint8_t *p)
{
	return p[0] == 0x0f && (p[1] == 0xa3 || p[1] == 0xab || p[1] == 0xb3 || p[1] == 0xbb ||
				p[1] == 0xba);
}

void fc_scrub(uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i + 2 < n; i++) {
		uint8_t reg = (p[i + 2] >> 3) & 7;
		if (p[i] == 0x0f && p[i + 1] == 0x23 && (reg == 7 || reg == 5))
			p[i + 2] &= (uint8_t)~0x38;
		if (p[i] != 0xf0)
			continue;
		for (uint64_t j = i + 1; j + 1 < n && j <= i + 15; j++) {
			if (is_bt(p + j)) {
				p[i] = 0x3e;
				break;
			}
			if (p[j] != 0xf0 && p[j] != 0x66 && p[j] != 0x67 && p[j] != 0xf2 &&
			    p[j] != 0xf3 && (p[j] & 0xe7) != 0x26 && (p[j] & 0xfe) != 0x64 &&
			    (p[j] & 0xf0) != 0x40)
				break;          /* not a prefix (or REX): no BTx */
		}
	}
}

/* ---- modes --------------------------------------------------------------- */

static const char *const mode_names[FC_MODES] = {
	[FC_REAL] = "real", [FC_BIGREAL] = "bigreal", [FC_PROT16] = "prot16",
	[FC_PROT32] = "prot32", [FC_PAGING32] = "paging32", [FC_PAE] = "pae",
	[FC_LONG64] = "long64", [FC_COMPAT] = "compat",
};

const char *fc_mode_name(enum fc_mode mode)
{
	return (unsigned)mode < FC_MODES ? mode_names[mode] : "?";
}

bool fc_mode_paging(enum fc_mode mode)
{
	return mode == FC_PAGING32 || mode == FC_PAE || mode == FC_LONG64 || mode == FC_COMPAT;
}

static bool mode_real(enum fc_mode mode)
{
	return mode == FC_REAL || mode == FC_BIGREAL;
}

static bool mode_long(enum fc_mode mode)
{
	return mode == FC_LONG64 || mode == FC_COMPAT;
}

/* ---- the machine --------------------------------------------------------- */

int fc_machine_open(struct fc_machine *m, struct fc_rng *r)
{
	int err;

	memset(m, 0, sizeof(*m));
	m->vcpu = -1;
	m->vm = kvm_create_vm();
	if (m->vm < 0)
		return m->vm;
	if ((err = kvm_set_memory_region(m->vm, 0, 0, FC_LOW_BYTES, 0)) < 0 ||
	    (err = kvm_set_memory_region(m->vm, 1, FC_HIGH_GPA, FC_HIGH_BYTES, 0)) < 0 ||
	    (err = m->vcpu = kvm_create_vcpu(m->vm, 0)) < 0 ||
	    (err = kvm_get_sregs(m->vcpu, &m->reset)) < 0)
		goto fail;
	m->low = kvm_mmap(m->vm, 0, FC_LOW_BYTES);
	m->high = kvm_mmap(m->vm, FC_HIGH_GPA, FC_HIGH_BYTES);
	if (!m->low || !m->high) {
		err = -kvm_last_error();
		goto fail;
	}
	fc_fill(r, m->low + FC_SYS_END, FC_LOW_BYTES - FC_SYS_END);
	fc_fill(r, m->high, FC_HIGH_BYTES);
	fc_scrub(m->low + FC_SYS_END, FC_LOW_BYTES - FC_SYS_END);
	fc_scrub(m->high, FC_HIGH_BYTES);
	return 0;
fail:
	fc_machine_close(m);
	return err;
}

void fc_machine_close(struct fc_machine *m)
{
	if (m->vcpu >= 0)
		kvm_close(m->vcpu);
	if (m->vm >= 0)
		kvm_close(m->vm);
	m->vcpu = m->vm = -1;
}

int fc_read_gpa(const struct fc_machine *m, uint64_t gpa)
{
	if (gpa < FC_LOW_BYTES)
		return m->low[gpa];
	if (gpa >= FC_HIGH_GPA && gpa - FC_HIGH_GPA < FC_HIGH_BYTES)
		return m->high[gpa - FC_HIGH_GPA];
	return -1;
}

/* ---- page tables --------------------------------------------------------- */

/* The leaf entry's flags for a linear page below 4 MiB. */
static uint64_t page_flags(uint64_t page)
{
	if (page < FC_SYS_END)
		return PTE_P | PTE_A | PTE_D | (page == FC_STACK0_PAGE ? PTE_RW : 0);
	if (page >= FC_HOLE && page < FC_HOLE_END)
		return 0;
	return PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;
}

bool fc_page_writable(uint64_t linear)
{
	if (linear >= FC_MAPPED_END)
		return false;
	uint64_t f = page_flags(linear & ~0xfffULL);
	return (f & (PTE_P | PTE_RW)) == (PTE_P | PTE_RW);
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint64_t pte(uint64_t page)
{
	uint64_t f = page_flags(page);
	return f ? page | f : 0;
}

/* 32-bit paging: a PD at FC_TABLES, one PT mapping [0, 4 MiB). */
static void tables_32(uint8_t *sys)
{
	put32(sys + FC_TABLES, (FC_TABLES + 0x1000) | PTE_P | PTE_RW | PTE_US | PTE_A);
	for (uint64_t i = 0; i < 1024; i++)
		put32(sys + FC_TABLES + 0x1000 + 4 * i, (uint32_t)pte(i << 12));
}

/* Two PTs of 512 entries mapping [0, 4 MiB), from PD entries 0 and 1. */
static void tables_pd_pts(uint8_t *sys, uint64_t pd)
{
	for (uint64_t t = 0; t < 2; t++) {
		uint64_t pt = pd + 0x1000 * (1 + t);
		put64(sys + pd + 8 * t, pt | PTE_P | PTE_RW | PTE_US | PTE_A);
		for (uint64_t i = 0; i < 512; i++)
			put64(sys + pt + 8 * i, pte((t << 21) | (i << 12)));
	}
}

/* PAE: PDPT at FC_TABLES (its entries have only P: the rest is reserved,
 * SDM 4.4.1), PD after it. */
static void tables_pae(uint8_t *sys)
{
	put64(sys + FC_TABLES, (FC_TABLES + 0x1000) | PTE_P);
	tables_pd_pts(sys, FC_TABLES + 0x1000);
}

/* 4-level: PML4, PDPT, PD, two PTs. */
static void tables_long(uint8_t *sys)
{
	put64(sys + FC_TABLES, (FC_TABLES + 0x1000) | PTE_P | PTE_RW | PTE_US | PTE_A);
	put64(sys + FC_TABLES + 0x1000, (FC_TABLES + 0x2000) | PTE_P | PTE_RW | PTE_US | PTE_A);
	tables_pd_pts(sys, FC_TABLES + 0x2000);
}

/* ---- descriptors --------------------------------------------------------- */

static uint64_t descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffffULL) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

/* A random descriptor: mostly code or data (accessed, so loading it writes
 * nothing), sometimes a gate or a TSS (a task switch, if used). */
static uint64_t random_descriptor(struct fc_rng *r)
{
	uint64_t d = fc_rnd(r);

	if (fc_chance(r, 70))
		d |= 1ULL << 44 | 1ULL << 40;           /* S, accessed */
	if (fc_chance(r, 80))
		d |= 1ULL << 47;                        /* present */
	if (fc_chance(r, 50))                           /* flat */
		d = (d & 0x00f0ff0000000000ULL) | 0x000f00000000ffffULL;
	return d;
}

static void write_gdt(uint8_t *sys, struct fc_rng *r)
{
	uint8_t *g = sys + FC_GDT;

	memset(g, 0, FC_GDT_LIMIT + 1);
	put64(g + FC_SEL_CODE32, descriptor(0, 0xfffff, 0x9b, 0xc));
	put64(g + FC_SEL_DATA, descriptor(0, 0xfffff, 0x93, 0xc));
	put64(g + FC_SEL_CODE64, descriptor(0, 0xfffff, 0x9b, 0xa));
	put64(g + FC_SEL_CODE16, descriptor(FC_CODE, 0xffff, 0x9b, 0));
	put64(g + FC_SEL_CODE32_3, descriptor(0, 0xfffff, 0xfb, 0xc));
	put64(g + FC_SEL_DATA_3, descriptor(0, 0xfffff, 0xf3, 0xc));
	put64(g + FC_SEL_CODE64_3, descriptor(0, 0xfffff, 0xfb, 0xa));
	put64(g + FC_SEL_TSS32, descriptor(FC_TSS32, FC_TSS_LIMIT, 0x8b, 0));
	put64(g + FC_SEL_DATA16, descriptor(0, 0xffff, 0x93, 0));
	put64(g + FC_SEL_TSS64, descriptor(FC_TSS64, FC_TSS_LIMIT, 0x8b, 0));
	put64(g + FC_SEL_TSS64 + 8, 0);                 /* base 63:32 */
	put64(g + FC_SEL_LDT, descriptor(FC_LDT, FC_LDT_LIMIT, 0x82, 0));
	for (unsigned sel = FC_SEL_RANDOM; sel <= FC_GDT_LIMIT - 7; sel += 8)
		put64(g + sel, random_descriptor(r));
	for (unsigned sel = 0; sel <= FC_LDT_LIMIT - 7; sel += 8)
		put64(sys + FC_LDT + sel, random_descriptor(r));
}

/* Interrupt gates, DPL 3 (INT n works from ring 3), to HLT per vector. */
static void write_idt(uint8_t *sys, bool long_mode)
{
	for (uint64_t v = 0; v < 256; v++) {
		uint64_t off = FC_HANDLERS + v;
		if (long_mode) {                        /* IST 1: any RSP will do */
			put64(sys + FC_IDT + 16 * v, (off & 0xffff) | (uint64_t)FC_SEL_CODE64 << 16 |
			      1ULL << 32 | 0xeeULL << 40 | (off >> 16) << 48);
			put64(sys + FC_IDT + 16 * v + 8, 0);
		} else {
			put64(sys + FC_IDT + 8 * v, (off & 0xffff) | (uint64_t)FC_SEL_CODE32 << 16 |
			      0xeeULL << 40 | (off >> 16) << 48);
		}
	}
}

/* The stack for ring changes (32-bit: SS0:ESP0; 64-bit: RSP0 and IST1),
 * and an IO bitmap for ports 0-0x3ff with random bits. */
static void write_tss(uint8_t *sys, struct fc_rng *r)
{
	uint8_t *t32 = sys + FC_TSS32, *t64 = sys + FC_TSS64;

	memset(t32, 0, FC_TSS_LIMIT + 1);
	put32(t32 + 4, FC_STACK0_TOP);
	put32(t32 + 8, FC_SEL_DATA);
	memset(t64, 0, FC_TSS_LIMIT + 1);
	put64(t64 + 4, FC_STACK0_TOP);
	put64(t64 + 0x24, FC_STACK0_TOP);
	for (uint8_t *t = t32; t; t = t == t32 ? t64 : NULL) {
		t[0x66] = 0x68;
		fc_fill(r, t + 0x68, 0x80);
		t[FC_TSS_LIMIT] = 0xff;
	}
}

static void write_system_area(struct fc_machine *m, const struct fc_program *p,
			      struct fc_rng *r)
{
	uint8_t *sys = m->low;

	memset(sys, 0, FC_SYS_END);
	for (uint32_t v = 0; v < 256; v++)              /* IVT: 0000:0600 + v */
		put32(sys + 4 * v, FC_HANDLERS + v);
	memset(sys + FC_HANDLERS, 0xf4, 256);           /* HLT */
	write_gdt(sys, r);
	write_idt(sys, mode_long(p->mode));
	write_tss(sys, r);
	if (p->mode == FC_PAGING32)
		tables_32(sys);
	else if (p->mode == FC_PAE)
		tables_pae(sys);
	else if (mode_long(p->mode))
		tables_long(sys);
	memcpy(m->golden, sys, FC_SYS_BYTES);
}

/* ---- registers ----------------------------------------------------------- */

static void segment(struct kvm_segment *s, uint16_t sel, uint64_t base, uint32_t limit,
		    uint8_t type, bool g, bool db, bool l)
{
	*s = (struct kvm_segment){ .base = base, .limit = limit, .selector = sel, .type = type,
				   .present = 1, .dpl = (uint8_t)(sel & 3), .db = db, .s = 1,
				   .l = l, .g = g };
}

/* A real-mode data selector: the data page, anywhere, or the MMIO hole. */
static uint16_t real_data_selector(struct fc_rng *r)
{
	switch (fc_below(r, 4)) {
	case 0: case 1:
		return FC_DATA >> 4;
	case 2:
		return (uint16_t)fc_rnd(r);
	default:
		return (uint16_t)(0xa000 + fc_below(r, 0x6000));
	}
}

static void real_sregs(struct kvm_sregs *s, bool big, struct fc_rng *r)
{
	struct kvm_segment *data[] = { &s->ds, &s->es, &s->fs, &s->gs };

	segment(&s->cs, FC_CODE >> 4, FC_CODE, 0xffff, 0xb, false, false, false);
	segment(&s->ss, FC_STACK >> 4 & 0xf000, FC_STACK & 0xf0000, 0xffff, 0x3,
		false, false, false);
	for (unsigned i = 0; i < 4; i++) {
		uint16_t sel = real_data_selector(r);
		segment(data[i], sel, (uint64_t)sel << 4, big ? 0xffffffff : 0xffff, 0x3,
			big, false, false);
	}
	s->idt.base = 0;
	s->idt.limit = 0x3ff;
}

/* Protected and long modes: the mode's code segment at CPL 0 or 3, flat
 * data, the mode's TSS and the LDT. */
static void protected_sregs(struct kvm_sregs *s, const struct fc_program *p,
			    uint8_t tr_type, struct fc_rng *r)
{
	bool r3 = p->cpl == 3;
	uint16_t data = r3 ? FC_SEL_DATA_3 | 3 : FC_SEL_DATA;
	struct kvm_segment *segs[] = { &s->ds, &s->es, &s->fs, &s->gs };

	switch (p->mode) {
	case FC_PROT16:
		segment(&s->cs, FC_SEL_CODE16, FC_CODE, 0xffff, 0xb, false, false, false);
		break;
	case FC_LONG64:
		segment(&s->cs, r3 ? FC_SEL_CODE64_3 | 3 : FC_SEL_CODE64, 0, 0xffffffff, 0xb,
			true, false, true);
		break;
	default:
		segment(&s->cs, r3 ? FC_SEL_CODE32_3 | 3 : FC_SEL_CODE32, 0, 0xffffffff, 0xb,
			true, true, false);
	}
	segment(&s->ss, data, 0, 0xffffffff, 0x3, true, true, false);
	for (unsigned i = 0; i < 4; i++) {
		if (p->mode == FC_PROT16 && fc_chance(r, 50))
			segment(segs[i], FC_SEL_DATA16, 0, 0xffff, 0x3, false, false, false);
		else
			segment(segs[i], data, 0, 0xffffffff, 0x3, true, true, false);
	}
	if (p->mode == FC_LONG64 && fc_chance(r, 50))   /* a base in RAM or MMIO */
		s->fs.base = fc_chance(r, 50) ? FC_DATA : 0x200000 + fc_below(r, 0x200000);
	bool tss64 = mode_long(p->mode);
	s->tr = (struct kvm_segment){ .base = tss64 ? FC_TSS64 : FC_TSS32, .limit = FC_TSS_LIMIT,
				      .selector = tss64 ? FC_SEL_TSS64 : FC_SEL_TSS32,
				      .type = tr_type, .present = 1 };
	if (fc_chance(r, 50))
		s->ldt = (struct kvm_segment){ .base = FC_LDT, .limit = FC_LDT_LIMIT,
					       .selector = FC_SEL_LDT, .type = 2, .present = 1 };
	s->gdt.base = FC_GDT;
	s->gdt.limit = FC_GDT_LIMIT;
	s->idt.base = FC_IDT;
	s->idt.limit = mode_long(p->mode) ? 0xfff : 0x7ff;
}

static void control_registers(struct kvm_sregs *s, enum fc_mode mode, struct fc_rng *r)
{
	uint64_t extra = fc_chance(r, 50) ? CR4_OSFXSR | CR4_OSXMMEXCPT : 0;

	s->cr0 = CR0_ET | CR0_NE | (fc_chance(r, 50) ? CR0_MP : 0);
	s->cr4 = extra | (fc_chance(r, 30) ? CR4_PGE : 0);
	s->efer = fc_chance(r, 50) ? EFER_SCE : 0;
	s->cr3 = 0;
	if (!mode_real(mode))
		s->cr0 |= CR0_PE;
	if (fc_mode_paging(mode)) {
		s->cr0 |= CR0_PG | CR0_WP;
		s->cr3 = FC_TABLES;
	}
	if (mode == FC_PAGING32 && fc_chance(r, 50))
		s->cr4 |= CR4_PSE;
	if (mode == FC_PAE || mode_long(mode))
		s->cr4 |= CR4_PAE;
	if (mode_long(mode))
		s->efer |= EFER_LME | EFER_LMA;
}

/* A register value worth having: addresses of RAM, MMIO and code, small
 * numbers, ports, or anything. */
static uint64_t random_value(struct fc_rng *r)
{
	switch (fc_below(r, 8)) {
	case 0:
		return fc_rnd(r);
	case 1:
		return (uint32_t)fc_rnd(r);
	case 2:
		return fc_below(r, 0x100);
	case 3:
		return FC_DATA + fc_below(r, 0x1000);
	case 4:
		return FC_HIGH_GPA + fc_below(r, FC_HIGH_BYTES);
	case 5:
		return fc_chance(r, 50) ? 0xa0000 + fc_below(r, 0x60000)
					: 0x200000 + fc_below(r, 0x200000);
	case 6:
		return FC_CODE + fc_below(r, FC_CODE_BYTES);
	default:
		return fc_below(r, 0x10000);
	}
}

static void program_regs(struct kvm_regs *g, const struct fc_program *p, struct fc_rng *r)
{
	uint64_t *gpr = &g->rax;

	for (unsigned i = 0; i < 16; i++)
		gpr[i] = random_value(r);
	bool flat_code = !mode_real(p->mode) && p->mode != FC_PROT16;
	g->rip = (flat_code ? FC_CODE : 0) + fc_below(r, 16);
	if (mode_real(p->mode))
		g->rsp = (FC_STACK & 0xffff) + 2 * fc_below(r, 0x2000);
	else
		g->rsp = FC_STACK + (fc_chance(r, 80) ? 4 : 1) * fc_below(r, 0x1000);
	g->rflags = RFLAGS_FIXED | (fc_rnd(r) & RFLAGS_ARITH);
	g->rflags |= fc_chance(r, 20) ? RFLAGS_DF : 0;
	g->rflags |= fc_chance(r, 50) ? RFLAGS_IF : 0;
	g->rflags |= fc_chance(r, 30) ? fc_rnd(r) & RFLAGS_IOPL : 0;
	g->rflags |= fc_chance(r, 10) ? RFLAGS_AC : 0;
	g->rflags |= fc_chance(r, 3) ? RFLAGS_NT : 0;
}

void fc_program_setup(struct fc_machine *m, struct fc_program *p, struct fc_rng *r)
{
	struct kvm_sregs *s = &p->sregs;

	write_system_area(m, p, r);
	fc_code_fill(m->low + FC_CODE, FC_CODE_BYTES, p, r);
	fc_fill(r, m->low + FC_DATA, 0x1000);
	fc_scrub(m->low + FC_CODE, FC_CODE_BYTES + 0x1000);   /* code and data */
	*s = m->reset;
	memset(s->interrupt_bitmap, 0, sizeof(s->interrupt_bitmap));
	if (mode_real(p->mode))
		real_sregs(s, p->mode == FC_BIGREAL, r);
	else
		protected_sregs(s, p, m->tr_type, r);
	control_registers(s, p->mode, r);
	s->cr2 = 0;
	program_regs(&p->regs, p, r);
}
